"""Middles: windows for totals and spreads with integer results, and stake arithmetic."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairedge.pricing.middles import middle_outcome, middle_window


def test_totals_window_and_integer_pushes() -> None:
    w = middle_window("totals", [220.5, 220.0, 220.0, 221.5], [221.5, 221.0, 222.0, 220.5])
    assert w.has_window.tolist() == [True, False, True, False]
    assert w.integers_inside.tolist() == [1, 0, 1, 0]
    np.testing.assert_array_equal(w.low, [220.5, 220.0, 220.0, 221.5])
    np.testing.assert_array_equal(w.high, [221.5, 221.0, 222.0, 220.5])


def test_totals_without_integer_results() -> None:
    assert bool(middle_window("totals", 220.0, 221.0, integer_results=False).has_window)


def test_spreads_window_is_in_side_a_margin() -> None:
    # Home +6.5 and away −5.5: both win when the home side loses by exactly 6 (margin_home = −6).
    w = middle_window("spreads", 6.5, -5.5)
    assert (float(w.low), float(w.high)) == (-6.5, -5.5)
    assert bool(w.has_window)
    assert int(w.integers_inside) == 1
    # Home −3 and away +3 are the same line: no middle.
    assert not bool(middle_window("spreads", -3.0, 3.0).has_window)
    # Home −2.5 and away +3.5: both win when home wins by exactly 3.
    w = middle_window("spreads", -2.5, 3.5)
    assert (float(w.low), float(w.high), int(w.integers_inside)) == (2.5, 3.5, 1)


def test_bad_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        middle_window("moneyline", 1, 2)  # type: ignore[arg-type]  # the invalid value under test


def test_middle_outcome_golden() -> None:
    out = middle_outcome(1.91, 1.91, 100)
    assert float(out.stake_a) == pytest.approx(50)
    assert float(out.loss_if_not) == pytest.approx(50 * 1.91 - 100)
    assert float(out.payout_if_middle) == pytest.approx(100 * 1.91 - 100)
    assert float(out.breakeven_probability) == pytest.approx(100 / 95.5 - 1)


@settings(max_examples=200)
@given(st.floats(1.2, 5.0), st.floats(1.2, 5.0), st.floats(1.0, 1e5))
def test_one_side_winning_pays_the_same_either_way(da: float, db: float, bank: float) -> None:
    out = middle_outcome(da, db, bank)
    assert float(out.stake_a + out.stake_b) == pytest.approx(bank, rel=1e-12)
    assert float(out.stake_a) * da == pytest.approx(float(out.stake_b) * db, rel=1e-12)
    expected = float(out.breakeven_probability) * float(out.payout_if_middle) + (
        1 - float(out.breakeven_probability)
    ) * float(out.loss_if_not)
    if float(out.loss_if_not) < 0:
        assert expected == pytest.approx(0, abs=1e-9 * bank)
