"""Expected value, bookmaker hold and fair odds.

``p`` is a fair (devigged) probability and ``d`` the decimal odds on offer; both broadcast like numpy arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from fairedge.pricing.odds import FloatArray, check_values, validate_decimal

__all__ = ["ev", "fair_odds", "hold", "validate_probability"]


def validate_probability(prob: ArrayLike, *, allow_nan: bool = True) -> FloatArray:
    """Return ``prob`` as float64 after checking ``0 ≤ p ≤ 1`` (NaN passes when ``allow_nan``)."""
    p = np.asarray(prob, dtype=np.float64)
    check_values(p, (p >= 0.0) & (p <= 1.0), allow_nan, "probability", "must be in [0, 1]")
    return p


def ev(prob: ArrayLike, decimal_odds: ArrayLike) -> FloatArray:
    """Expected profit per unit staked: ``EV = p·d − 1`` (= ``p(d − 1) − (1 − p)``).

    Positive means the price beats the fair line. NaN in either input gives NaN (padding). For an exchange
    price, pass :func:`fairedge.pricing.odds.net_of_commission` odds. Source: definition of expectation.
    """
    p = validate_probability(prob)
    d = validate_decimal(decimal_odds, allow_nan=True)
    return p * d - 1.0


def hold(decimal_odds: ArrayLike) -> FloatArray:
    """Bookmaker hold (overround, margin) per market: ``M = Σ 1/d_i − 1`` over the priced outcomes.

    1-D input is one market (0-d result), 2-D is one market per row (1-D result); NaN entries are padding and
    skipped, an all-NaN row gives NaN. Source: Buchdahl, "Squares & Sharps", margin definition.
    """
    d = validate_decimal(decimal_odds, allow_nan=True)
    if d.ndim not in (1, 2):
        raise ValueError(f"decimal_odds must be 1-D or 2-D, got {d.ndim}-D")
    priced = ~np.isnan(d)
    booksum = np.where(priced, 1.0 / np.where(priced, d, 1.0), 0.0).sum(axis=-1)
    return np.where(priced.any(axis=-1), booksum - 1.0, np.nan)


def fair_odds(prob: ArrayLike) -> FloatArray:
    """Fair decimal odds ``1/p`` (``p = 0`` gives ``inf``: an impossible outcome has no fair price)."""
    p = validate_probability(prob)
    with np.errstate(divide="ignore"):
        return 1.0 / p
