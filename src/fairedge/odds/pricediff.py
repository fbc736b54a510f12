"""What a snapshot changes on the board: changed, new, unchanged and pulled quotes. Pure numpy.

Both sides are keyed by one int64 per (market, bookmaker) and matched with a sorted search, so the diff
costs a few sorts of the board, not a Python step per price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fairedge.odds.quotes import QuoteArrays

PRICE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class QuoteDiff:
    """Indexes into the snapshot's quotes and into the current ones (for the same events).

    ``changed[i]`` replaces current ``replaced[i]``; ``new`` quotes have no current quote; ``pulled``
    current quotes are absent from the snapshot. Counts are in prices (one per outcome).
    """

    changed: NDArray[np.intp]
    replaced: NDArray[np.intp]
    new: NDArray[np.intp]
    pulled: NDArray[np.intp]
    prices_changed: int  # prices that differ from the current one, or are new
    prices_unchanged: int
    prices_superseded: int  # current prices that differ from the snapshot's, or were pulled


def quote_keys(market_id: NDArray[np.int64], bookmaker_id: NDArray[np.int64], span: int) -> NDArray[np.int64]:
    """One int64 per (market, bookmaker); ``span`` is above every bookmaker id."""
    return market_id * span + bookmaker_id


def diff_quotes(current: QuoteArrays, snapshot: QuoteArrays, tolerance: float = PRICE_TOLERANCE) -> QuoteDiff:
    """Diff a snapshot against the current quotes of its events.

    A quote the snapshot names twice counts once (its first entry). A quote is unchanged when every price
    is within ``tolerance`` of the current one and it has the same outcomes.
    """
    span = int(max(current.bookmaker_id.max(initial=0), snapshot.bookmaker_id.max(initial=0))) + 1
    snap_keys, first = np.unique(
        quote_keys(snapshot.market_id, snapshot.bookmaker_id, span), return_index=True
    )
    cur_keys = quote_keys(current.market_id, current.bookmaker_id, span)
    order = np.argsort(cur_keys, kind="stable")
    sorted_keys = cur_keys[order]
    pos = np.searchsorted(sorted_keys, snap_keys)
    found = pos < sorted_keys.size
    found[found] = sorted_keys[pos[found]] == snap_keys[found]
    matched_cur = order[pos[found]]
    matched_snap = first[found]

    old, new = current.prices[matched_cur], snapshot.prices[matched_snap]
    same_price = (np.abs(old - new) <= tolerance) | (np.isnan(old) & np.isnan(new))
    same = same_price.all(axis=1)
    differing = (~same_price).sum(axis=1)

    cur_found = np.zeros(cur_keys.size, dtype=bool)
    cur_found[matched_cur] = True
    pulled = np.flatnonzero(~cur_found)
    new_quotes = first[~found]
    new_prices = int(snapshot.width()[new_quotes].sum())
    return QuoteDiff(
        changed=matched_snap[~same],
        replaced=matched_cur[~same],
        new=new_quotes,
        pulled=pulled,
        prices_changed=int(differing.sum()) + new_prices,
        prices_unchanged=int((~np.isnan(new)).sum() - differing.sum()),
        prices_superseded=int(differing.sum()) + int(current.width()[pulled].sum()),
    )
