"""Arbitrage ("sure bets"): best prices across books, the arbitrage margin and equal-payout stakes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairedge.pricing.ev import hold
from fairedge.pricing.odds import FloatArray, validate_decimal

__all__ = ["ArbitrageStakes", "arbitrage_margin", "arbitrage_stakes", "best_prices"]


def best_prices(
    odds: ArrayLike, market_index: ArrayLike | None = None, *, n_markets: int | None = None
) -> tuple[FloatArray, NDArray[np.intp]]:
    """Best (highest) decimal price per outcome and the row (book) offering it.

    ``odds`` is ``(rows, width)``, one row per book quote, NaN where a book has no price. Without
    ``market_index`` all rows belong to one market and the result is ``(width,)``; with it, rows are grouped
    by market and the result is ``(n_markets, width)``. Row index ``-1`` and price NaN where nobody prices
    the outcome; ties go to the lowest row. Grouped with ``np.maximum.at`` / ``np.minimum.at``, no loop per
    market.
    """
    d = validate_decimal(odds, allow_nan=True)
    if d.ndim != 2:
        raise ValueError(f"odds must be 2-D (rows × outcomes), got {d.ndim}-D")
    rows, width = d.shape
    if market_index is None:
        groups = np.zeros(rows, dtype=np.intp)
        count = 1
    else:
        groups = np.asarray(market_index, dtype=np.intp)
        if n_markets is None:
            raise ValueError("n_markets is required with market_index")
        if groups.shape != (rows,) or (rows and (groups.min() < 0 or groups.max() >= n_markets)):
            raise ValueError(f"market_index must have shape ({rows},) with values in [0, {n_markets})")
        count = n_markets
    filled = np.where(np.isnan(d), -np.inf, d)
    best = np.full((count, width), -np.inf)
    np.maximum.at(best, groups, filled)
    is_best = (filled == best[groups]) & np.isfinite(filled)
    row = np.full((count, width), rows, dtype=np.intp)
    np.minimum.at(row, groups, np.where(is_best, np.arange(rows, dtype=np.intp)[:, np.newaxis], rows))
    priced = np.isfinite(best)
    best = np.where(priced, best, np.nan)
    row = np.where(priced, row, -1)
    return (best[0], row[0]) if market_index is None else (best, row)


def arbitrage_margin(best_odds: ArrayLike) -> FloatArray:
    """Arbitrage margin ``1 − Σ 1/d_i`` per market (row); ``> 0`` means a guaranteed profit exists.

    NaN entries are padding for narrower markets and skipped; each row must otherwise hold every outcome of
    its market (a missing outcome would look like an arbitrage). Equal to ``−hold``. Source: Buchdahl; any
    arbitrage text: backing all outcomes returns ``B/Σ(1/d_i)`` for stake ``B``.
    """
    return -hold(best_odds)


@dataclass(frozen=True)
class ArbitrageStakes:
    """Stakes for backing every outcome of one market; all money fields in bankroll units."""

    stakes: FloatArray
    """Stake per outcome (after rounding to ``stake_unit``)."""
    payouts: FloatArray
    """Total return ``stake_i · d_i`` if outcome ``i`` wins (after rounding)."""
    total_stake: float
    guaranteed_profit: float
    """``min(payouts) − total_stake``: what is won whatever happens (negative when there is no arbitrage)."""
    roi: float
    """``guaranteed_profit / total_stake``."""
    margin: float
    """``1 − Σ 1/d_i`` of the prices used (> 0 for an arbitrage)."""

    @property
    def is_arbitrage(self) -> bool:
        return self.guaranteed_profit > 0


def arbitrage_stakes(
    best_odds: ArrayLike, bankroll: float, stake_unit: float | None = None
) -> ArbitrageStakes:
    """Equal-payout stakes ``s_i = B·(1/d_i)/Σ_j(1/d_j)`` for one market's best prices (1-D).

    Every outcome then returns ``B/Σ(1/d_j)``, so the profit ``B/Σ − B`` is the same whatever wins. With
    ``stake_unit`` each stake is rounded to the nearest multiple (bookmakers refuse odd cents), and payouts,
    profit and ROI are reported after rounding (the payouts then differ slightly). Source: Buchdahl,
    "Squares & Sharps", arbitrage chapter.
    """
    d = validate_decimal(best_odds)
    if d.ndim != 1 or d.size < 2:
        raise ValueError(f"best_odds must be 1-D with at least two outcomes, got shape {d.shape}")
    if not bankroll > 0:
        raise ValueError(f"bankroll must be > 0, got {bankroll!r}")
    if stake_unit is not None and not stake_unit > 0:
        raise ValueError(f"stake_unit must be > 0, got {stake_unit!r}")
    inverse = 1.0 / d
    booksum = float(inverse.sum())
    stakes = bankroll * inverse / booksum
    if stake_unit is not None:
        stakes = np.round(stakes / stake_unit) * stake_unit
    payouts = stakes * d
    total = float(stakes.sum())
    profit = float(payouts.min()) - total
    return ArbitrageStakes(
        stakes=stakes,
        payouts=payouts,
        total_stake=total,
        guaranteed_profit=profit,
        roi=profit / total if total > 0 else float("nan"),
        margin=1.0 - booksum,
    )
