"""Middles on totals and spreads: when two opposite bets at different lines can both win, and what to stake.

Conventions (the way books quote them):

* totals — Over at ``point_a`` wins when ``total > point_a``; Under at ``point_b`` wins when
  ``total < point_b``. Both win when ``point_a < total < point_b``.
* spreads — each point is quoted from its own team's view: side A with ``point_a`` covers when
  ``margin_A + point_a > 0`` and side B with ``point_b`` covers when ``margin_B + point_b > 0``, where
  ``margin_A = score_A − score_B = −margin_B``. Both cover when ``−point_a < margin_A < point_b``
  (home +6.5 and away −5.5: both win when the home team loses by exactly 6).

A result exactly on a line is a push for that bet (stake returned), so bounds are exclusive. With integer
results (the default: points, goals, runs) a window needs an integer strictly inside: totals 220/221 have none
(220 pushes the Over, 221 pushes the Under: a "half middle", not counted here), 220.5/221.5 have 221.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairedge.pricing.odds import FloatArray, validate_decimal

__all__ = ["MiddleOutcome", "MiddleWindow", "middle_outcome", "middle_window"]

Kind = Literal["totals", "spreads"]


@dataclass(frozen=True)
class MiddleWindow:
    """Exclusive bounds of the result (the total, or side A's winning margin) for which both bets win."""

    low: FloatArray
    high: FloatArray
    has_window: NDArray[np.bool_]
    integers_inside: NDArray[np.int64]
    """How many integer results lie strictly inside ``(low, high)`` (0 when there is no window)."""


def middle_window(
    kind: Kind, point_a: ArrayLike, point_b: ArrayLike, *, integer_results: bool = True
) -> MiddleWindow:
    """Where both bets of a middle win (vectorised over broadcasting ``point_a``/``point_b``).

    totals: ``(low, high) = (point_a, point_b)`` (Over line, Under line);
    spreads: ``(low, high) = (−point_a, point_b)`` in side A's margin (points from each side's own view).
    ``has_window``: ``low < high`` for continuous results; with ``integer_results`` some integer ``k`` with
    ``low < k < high``, counted as ``max(0, ⌈high⌉ − ⌊low⌋ − 1)``. Derivation in the module docstring.
    """
    a = np.asarray(point_a, dtype=np.float64)
    b = np.asarray(point_b, dtype=np.float64)
    for name, value in (("point_a", a), ("point_b", b)):
        if not bool(np.all(np.isfinite(value))):
            raise ValueError(f"{name} must be finite numbers, got {value.tolist()!r}")
    if kind == "totals":
        low, high = np.broadcast_arrays(a, b)
    elif kind == "spreads":
        low, high = np.broadcast_arrays(-a, b)
    else:
        raise ValueError(f"kind must be 'totals' or 'spreads', got {kind!r}")
    inside = np.maximum(np.ceil(high) - np.floor(low) - 1.0, 0.0).astype(np.int64)
    has_window = inside > 0 if integer_results else low < high
    return MiddleWindow(low=low.copy(), high=high.copy(), has_window=has_window, integers_inside=inside)


@dataclass(frozen=True)
class MiddleOutcome:
    """Stakes and profits (net of the total stake) of a middle, per element."""

    stake_a: FloatArray
    stake_b: FloatArray
    payout_if_middle: FloatArray
    """Profit when both bets win."""
    loss_if_not: FloatArray
    """Profit when exactly one bet wins (usually negative: the cost of the try)."""
    breakeven_probability: FloatArray
    """Chance of landing the middle at which the expected profit is 0 (0 when it is an arbitrage anyway)."""


def middle_outcome(odds_a: ArrayLike, odds_b: ArrayLike, bankroll: ArrayLike = 100.0) -> MiddleOutcome:
    """Stakes that return the same when only one side wins: ``S_a·d_a = S_b·d_b``, ``S_a + S_b = B``.

    ``S_a = B·d_b/(d_a + d_b)``, ``S_b = B·d_a/(d_a + d_b)``; one side winning returns
    ``R = B·d_a·d_b/(d_a + d_b)``, so ``loss_if_not = R − B`` and ``payout_if_middle = 2R − B``.
    Break-even middle probability ``p* = (B − R)/R`` (from ``p(2R − B) + (1 − p)(R − B) = 0``), floored at 0.
    Pushes (a result exactly on a line) are not modelled. Source: standard middling arithmetic.
    """
    da = validate_decimal(odds_a, allow_nan=True)
    db = validate_decimal(odds_b, allow_nan=True)
    bank = np.asarray(bankroll, dtype=np.float64)
    if not bool(np.all(bank > 0)):
        raise ValueError(f"bankroll must be > 0, got {bank.tolist()!r}")
    both = da + db
    stake_a = bank * db / both
    stake_b = bank * da / both
    single = stake_a * da
    return MiddleOutcome(
        stake_a=stake_a,
        stake_b=stake_b,
        payout_if_middle=2.0 * single - bank,
        loss_if_not=single - bank,
        breakeven_probability=np.maximum(bank / single - 1.0, 0.0),
    )
