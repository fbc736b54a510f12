"""The fair line of a market from several books: devig each sharp book, then combine them by weight.

Why sharp books: their prices move first and carry the smallest margins, so the market's best estimate of
the true probability is a weighted average of their devigged lines (Buchdahl, "Wisdom of the Crowd";
Pinnacle's own articles on closing-line efficiency). Exchange prices are first made net of commission,
since that is what a backer actually receives, and then devigged like any other book.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fairedge.pricing.devig import canonical_method, devig
from fairedge.pricing.odds import FloatArray, net_of_commission, validate_decimal

__all__ = [
    "SOURCE_CONSENSUS",
    "SOURCE_NONE",
    "SOURCE_SHARP",
    "FairLine",
    "fair_line",
    "net_of_commission",
]

SOURCE_NONE, SOURCE_SHARP, SOURCE_CONSENSUS = 0, 1, 2


@dataclass(frozen=True)
class FairLine:
    """Fair probabilities per market and where they came from."""

    prob: FloatArray
    """``(n_markets, width)`` fair probabilities; NaN for outcomes the market does not have, or no line."""
    source: NDArray[np.int8]
    """``(n_markets,)``: :data:`SOURCE_SHARP`, :data:`SOURCE_CONSENSUS` or :data:`SOURCE_NONE`."""
    books_used: NDArray[np.int64]
    """``(n_markets,)``: number of book rows combined into the line."""


def fair_line(
    odds: ArrayLike,
    market_index: ArrayLike,
    weights: ArrayLike,
    *,
    n_markets: int,
    method: str = "shin",
    commission: ArrayLike | None = None,
    age_seconds: ArrayLike | None = None,
    max_age_seconds: float | None = None,
) -> FairLine:
    """Combine book rows into one fair line per market, for the whole board at once.

    ``odds`` ``(rows, width)``: one book's full quote of one market per row, NaN-padded; ``market_index``
    ``(rows,)`` its market; ``weights`` ``(rows,)`` its sharp weight (0 = not sharp); ``commission``
    ``(rows,)`` applied as ``1 + (d − 1)(1 − c)`` before devigging.

    1. Drop rows older than ``max_age_seconds`` (NaN age counts as too old) and rows missing an outcome that
       another remaining row of the same market prices (a partial quote cannot be devigged on its own).
    2. Devig every remaining row in one :func:`~fairedge.pricing.devig.devig` call with ``on_error="nan"``;
       rows the method cannot handle (e.g. Shin on an arbitrage book) are dropped too.
    3. Per market ``p = Σ w_r p_r / Σ w_r`` over rows with ``w_r > 0``, renormalised to sum 1 except for
       ``worst_case`` (a per-outcome minimum, not a distribution) (source SHARP);
       with no sharp row, the equal-weight mean of all remaining rows (source CONSENSUS); with none, NaN and
       SOURCE_NONE. Sums use ``np.bincount`` over flattened ``(market, outcome)`` cells: no loop per market.
    """
    d = validate_decimal(odds, allow_nan=True)
    if d.ndim != 2:
        raise ValueError(f"odds must be 2-D (rows × outcomes), got {d.ndim}-D")
    rows, width = d.shape
    markets = np.asarray(market_index)
    if markets.shape != (rows,) or not np.issubdtype(markets.dtype, np.integer):
        raise ValueError(
            f"market_index must be integers of shape ({rows},), got {markets.dtype} {markets.shape}"
        )
    if rows and (markets.min() < 0 or markets.max() >= n_markets):
        raise ValueError(f"market_index values must be in [0, {n_markets})")
    w = _per_row(weights, rows, "weights")
    if not bool(np.all((w >= 0) & np.isfinite(w))):
        raise ValueError("weights must be finite and ≥ 0")
    method = canonical_method(method)
    if commission is not None:
        d = net_of_commission(d, _per_row(commission, rows, "commission")[:, np.newaxis])

    keep = np.ones(rows, dtype=np.bool_)
    if max_age_seconds is not None:
        if age_seconds is None:
            raise ValueError("max_age_seconds needs age_seconds")
        keep &= _per_row(age_seconds, rows, "age_seconds") <= max_age_seconds
    priced = ~np.isnan(d)
    cells = markets[:, np.newaxis] * width + np.arange(width)  # flattened (market, outcome) cell per entry
    market_priced = np.bincount(cells[priced & keep[:, np.newaxis]], minlength=n_markets * width) > 0
    market_priced = market_priced.reshape(n_markets, width)
    keep &= ~(market_priced[markets] & ~priced).any(axis=1)

    probs = np.full(d.shape, np.nan)
    if bool(keep.any()):
        probs[keep] = devig(d[keep], method, on_error="nan")
    keep &= ~(np.isnan(probs) & priced).any(axis=1) & priced.any(axis=1)
    filled = np.where(keep[:, np.newaxis] & priced, probs, 0.0)

    sharp = keep & (w > 0)
    normalise = method != "worst_case"
    sharp_line, sharp_rows = _weighted_mean(
        filled, cells, np.where(sharp, w, 0.0), sharp, n_markets, width, normalise
    )
    all_line, all_rows = _weighted_mean(
        filled, cells, keep.astype(np.float64), keep, n_markets, width, normalise
    )
    has_sharp = sharp_rows > 0
    prob = np.where(has_sharp[:, np.newaxis], sharp_line, all_line)
    prob = np.where(market_priced, prob, np.nan)
    source = np.where(has_sharp, SOURCE_SHARP, np.where(all_rows > 0, SOURCE_CONSENSUS, SOURCE_NONE))
    return FairLine(
        prob=prob,
        source=source.astype(np.int8),
        books_used=np.where(has_sharp, sharp_rows, all_rows).astype(np.int64),
    )


def _per_row(values: ArrayLike, rows: int, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (rows,):
        raise ValueError(f"{name} must have shape ({rows},), got {array.shape}")
    return array


def _weighted_mean(
    filled: FloatArray,
    cells: NDArray[np.intp],
    row_weight: FloatArray,
    used: NDArray[np.bool_],
    n_markets: int,
    width: int,
    normalise: bool = True,
) -> tuple[FloatArray, NDArray[np.intp]]:
    """Per market ``Σ w_r p_r / Σ w_r`` (renormalised to sum 1 unless ``normalise`` is false, as for the
    per-outcome ``worst_case``, which is not a distribution) and the number of rows used (NaN if none)."""
    markets = cells[:, 0] // width
    totals = np.bincount(
        cells.ravel(), weights=(filled * row_weight[:, np.newaxis]).ravel(), minlength=n_markets * width
    ).reshape(n_markets, width)
    row_count = np.bincount(markets[used], minlength=n_markets)
    if normalise:
        sums = totals.sum(axis=1, keepdims=True)  # Σw cancels in the renormalisation
    else:
        sums = np.bincount(markets[used], weights=row_weight[used], minlength=n_markets)[:, np.newaxis]
    with np.errstate(invalid="ignore", divide="ignore"):
        line = totals / sums
    return line, row_count
