"""Kelly stake sizing, vectorised."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from fairedge.pricing.ev import validate_probability
from fairedge.pricing.odds import FloatArray, check_values, net_of_commission

__all__ = ["kelly"]


def kelly(
    prob: ArrayLike,
    decimal_odds: ArrayLike,
    *,
    multiplier: float = 1.0,
    cap: float | None = None,
    commission: ArrayLike = 0.0,
) -> FloatArray:
    """Kelly share of bankroll to stake: ``f* = (b·p − (1 − p)) / b`` with ``b = (d − 1)(1 − commission)``.

    ``f* = 0`` exactly when the expected value after commission, ``p·(1 + b) − 1``, is ≤ 0 (never bet a
    non-positive edge); otherwise ``f*`` is scaled by ``multiplier`` (0.25 for quarter Kelly) and capped at
    ``cap``. Computed as ``EV / b`` with the same EV expression, so "zero stake ⇔ EV ≤ 0" holds bit for bit.
    NaN inputs give NaN. Source: Kelly (1956), "A New Interpretation of Information Rate"; Thorp (2006).
    """
    if not (multiplier > 0 and math.isfinite(multiplier)):
        raise ValueError(f"multiplier must be a positive number, got {multiplier!r}")
    if cap is not None and not 0 < cap <= 1:
        raise ValueError(f"cap must be in (0, 1], got {cap!r}")
    c = np.asarray(commission, dtype=np.float64)
    check_values(c, (c >= 0.0) & (c < 1.0), False, "commission", "must be in [0, 1)")
    p = validate_probability(prob)
    net = net_of_commission(decimal_odds, c)  # validates the odds; c = 0 returns them unchanged
    edge = p * net - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        stake = np.where(edge > 0.0, edge / (net - 1.0), np.where(np.isnan(edge), np.nan, 0.0))
    if multiplier != 1.0:
        stake = stake * multiplier
    if cap is not None:
        stake = np.minimum(stake, cap)
    return stake
