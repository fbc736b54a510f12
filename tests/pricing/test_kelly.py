"""Kelly: golden stakes, commission, multiplier and cap, and the law 'stake 0 exactly when EV ≤ 0'."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairedge.pricing.ev import ev
from fairedge.pricing.kelly import kelly
from fairedge.pricing.odds import net_of_commission


def test_kelly_golden() -> None:
    # f = (b·p − q)/b: p = 0.5 at 2.2 → (1.2·0.5 − 0.5)/1.2 = 1/12; p = 0.6 at 2.0 → 0.2.
    np.testing.assert_allclose(kelly([0.5, 0.6], [2.2, 2.0]), [1 / 12, 0.2], rtol=1e-14)


def test_no_edge_no_stake() -> None:
    np.testing.assert_array_equal(kelly([0.5, 0.4, 0.3], [2.0, 2.4, 3.0]), [0.0, 0.0, 0.0])


def test_commission_reduces_the_net_odds() -> None:
    # 2.2 at 5 % commission pays b = 1.14: f = (1.14·0.5 − 0.5)/1.14.
    assert float(kelly(0.5, 2.2, commission=0.05)) == pytest.approx((1.14 * 0.5 - 0.5) / 1.14, rel=1e-12)
    # An edge that commission eats: 2.05 at p = 0.5 is +2.5 % EV gross, −0.1 % net of 5 %.
    assert float(kelly(0.5, 2.05, commission=0.05)) == 0.0


def test_multiplier_and_cap() -> None:
    full = float(kelly(0.6, 2.0))
    assert float(kelly(0.6, 2.0, multiplier=0.25)) == pytest.approx(full / 4)
    assert float(kelly(0.6, 2.0, cap=0.05)) == 0.05
    with pytest.raises(ValueError, match="multiplier"):
        kelly(0.6, 2.0, multiplier=0)
    with pytest.raises(ValueError, match="cap"):
        kelly(0.6, 2.0, cap=1.5)


def test_nan_passes_through() -> None:
    out = kelly([0.5, np.nan], [2.2, np.nan])
    assert out[0] > 0
    assert np.isnan(out[1])


@settings(max_examples=300)
@given(st.floats(0.0, 1.0), st.floats(1.001, 50.0), st.sampled_from([0.0, 0.02, 0.05]))
def test_kelly_is_zero_exactly_when_ev_is_not_positive(p: float, d: float, commission: float) -> None:
    stake = float(kelly(p, d, commission=commission))
    edge = float(ev(p, net_of_commission(d, commission)))
    assert (stake == 0.0) == (edge <= 0.0)
    assert 0.0 <= stake <= 1.0


@settings(max_examples=100)
@given(st.floats(0.01, 0.99), st.floats(1.01, 20.0))
def test_kelly_maximises_expected_log_growth(p: float, d: float) -> None:
    f = float(kelly(p, d))

    def growth(x: float) -> float:
        return p * math.log1p(x * (d - 1)) + (1 - p) * math.log1p(-x)

    for other in (f * 0.9, f * 1.1 if f * 1.1 < 1 else f, f + 0.01 if f + 0.01 < 1 else f):
        assert growth(f) >= growth(other) - 1e-12
