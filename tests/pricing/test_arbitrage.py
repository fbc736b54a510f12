"""Arbitrage: margin, best prices across books, equal-payout stakes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairedge.pricing.arbitrage import arbitrage_margin, arbitrage_stakes, best_prices


def test_margin_per_row_with_padding() -> None:
    best = np.array([[2.1, 2.05, np.nan], [2.2, 3.75, 3.9], [1.9, 1.9, np.nan]])
    out = arbitrage_margin(best)
    np.testing.assert_allclose(out, [1 - 1 / 2.1 - 1 / 2.05, 1 - 1 / 2.2 - 1 / 3.75 - 1 / 3.9, 1 - 2 / 1.9])
    assert out[0] > 0
    assert out[1] > 0
    assert out[2] < 0


def test_stakes_golden() -> None:
    plan = arbitrage_stakes([2.1, 2.05], 100.0)
    total = 1 / 2.1 + 1 / 2.05
    np.testing.assert_allclose(plan.stakes, [100 / 2.1 / total, 100 / 2.05 / total])
    np.testing.assert_allclose(plan.payouts, [100 / total, 100 / total])
    assert plan.guaranteed_profit == pytest.approx(100 / total - 100)
    assert plan.roi == pytest.approx(1 / total - 1)
    assert plan.is_arbitrage
    assert not arbitrage_stakes([1.9, 1.9], 100.0).is_arbitrage


def test_rounded_stakes_report_payouts_after_rounding() -> None:
    plan = arbitrage_stakes([2.1, 2.05], 100.0, stake_unit=1.0)
    assert plan.stakes.tolist() == [49.0, 51.0]
    np.testing.assert_allclose(plan.payouts, [49 * 2.1, 51 * 2.05])
    assert plan.guaranteed_profit == pytest.approx(min(49 * 2.1, 51 * 2.05) - 100)


def test_stakes_validate() -> None:
    with pytest.raises(ValueError, match="at least two outcomes"):
        arbitrage_stakes([2.0], 100)
    with pytest.raises(ValueError, match="bankroll"):
        arbitrage_stakes([2.1, 2.1], 0)
    with pytest.raises(ValueError, match=r"invalid decimal odds 0\.5 at index 1"):
        arbitrage_stakes([2.1, 0.5], 100)


@settings(max_examples=200)
@given(st.lists(st.floats(1.01, 100.0), min_size=2, max_size=8), st.floats(1.0, 1e6))
def test_equal_payout_on_every_outcome(odds: list[float], bankroll: float) -> None:
    plan = arbitrage_stakes(odds, bankroll)
    np.testing.assert_allclose(plan.payouts, plan.payouts[0], rtol=1e-12)
    assert plan.total_stake == pytest.approx(bankroll, rel=1e-12)
    assert (plan.guaranteed_profit > 0) == (plan.margin > 1e-12) or abs(plan.margin) <= 1e-12


def test_best_prices_single_market() -> None:
    odds = np.array([[2.1, 1.8], [2.25, 1.7], [2.0, np.nan]])
    best, row = best_prices(odds)
    assert best.tolist() == [2.25, 1.8]
    assert row.tolist() == [1, 0]


def test_best_prices_grouped_by_market() -> None:
    odds = np.array([[2.1, 1.8, np.nan], [2.25, 1.7, np.nan], [2.0, 3.5, 4.0], [2.1, 3.4, 3.9]])
    best, row = best_prices(odds, [0, 0, 1, 1], n_markets=3)
    np.testing.assert_array_equal(best[:2], [[2.25, 1.8, np.nan], [2.1, 3.5, 4.0]])
    assert row.tolist() == [[1, 0, -1], [3, 2, 2], [-1, -1, -1]]
    assert np.isnan(best[2]).all()
