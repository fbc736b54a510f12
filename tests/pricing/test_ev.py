"""EV, hold and fair odds."""

import math

import numpy as np
import pytest

from fairedge.pricing.ev import ev, fair_odds, hold


def test_ev_golden() -> None:
    np.testing.assert_allclose(ev([0.5, 0.4, 0.25], [2.2, 2.5, 3.5]), [0.1, 0.0, -0.125], atol=1e-15)


def test_ev_broadcasts_and_passes_padding_through() -> None:
    prob = np.array([[0.5, 0.5, np.nan]])
    odds = np.array([[2.1, 1.9, np.nan], [2.0, 2.0, np.nan]])
    out = ev(prob, odds)
    assert out.shape == (2, 3)
    assert np.isnan(out[:, 2]).all()
    assert out[0, 0] == pytest.approx(0.05)


def test_ev_validates_inputs() -> None:
    with pytest.raises(ValueError, match=r"invalid probability 1\.5 at index 1"):
        ev([0.5, 1.5], [2.0, 2.0])
    with pytest.raises(ValueError, match=r"invalid decimal odds 1\.0 at index 0"):
        ev([0.5, 0.5], [1.0, 2.0])


def test_hold_per_row_skips_padding() -> None:
    odds = np.array([[1.91, 1.91, np.nan], [2.7, 2.3, 4.4], [np.nan, np.nan, np.nan]])
    out = hold(odds)
    assert out.shape == (3,)
    assert out[0] == pytest.approx(2 / 1.91 - 1)
    assert out[1] == pytest.approx(1 / 2.7 + 1 / 2.3 + 1 / 4.4 - 1)
    assert math.isnan(out[2])
    assert float(hold([2.0, 2.0])) == 0.0


def test_fair_odds() -> None:
    np.testing.assert_allclose(fair_odds([0.5, 0.25]), [2.0, 4.0])
    assert math.isinf(float(fair_odds(0.0)))
