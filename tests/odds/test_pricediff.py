"""The quote diff: changed, new, unchanged and pulled quotes, counted in prices."""

from __future__ import annotations

import numpy as np

from fairedge.odds.pricediff import diff_quotes
from fairedge.odds.quotes import QuoteArrays

NAN = np.nan


def _quotes(*rows: tuple[int, int, float, float, float]) -> QuoteArrays:
    data = np.array(rows, dtype=np.float64).reshape(-1, 5)
    n = len(rows)
    return QuoteArrays(
        data[:, 0].astype(np.int64),
        data[:, 1].astype(np.int64),
        data[:, 2:],
        np.full(n, 1_000_000, dtype=np.int64),
        np.full(n, 1_000_000, dtype=np.int64),
    )


def test_changed_new_unchanged_and_pulled() -> None:
    current = _quotes((1, 1, 1.9, 2.0, NAN), (1, 2, 1.8, 2.1, NAN), (2, 1, 2.5, 3.0, 3.2))
    snapshot = _quotes((2, 1, 2.5, 3.1, 3.2), (1, 1, 1.9, 2.0, NAN), (3, 1, 1.5, 2.7, NAN))
    diff = diff_quotes(current, snapshot)
    assert diff.changed.tolist() == [0] and diff.replaced.tolist() == [2]  # market 2 moved one price
    assert diff.new.tolist() == [2]
    assert diff.pulled.tolist() == [1]
    assert diff.prices_changed == 1 + 2  # one outcome of market 2, both of the new quote
    assert diff.prices_unchanged == 2 + 2  # market 1 book 1, and market 2's two other outcomes
    assert diff.prices_superseded == 1 + 2  # the moved outcome and the pulled quote's two


def test_prices_within_tolerance_are_unchanged() -> None:
    current = _quotes((1, 1, 1.9, 2.0, NAN))
    diff = diff_quotes(current, _quotes((1, 1, 1.9 + 1e-12, 2.0, NAN)))
    assert diff.changed.size == 0 and diff.prices_unchanged == 2


def test_a_quote_named_twice_counts_once() -> None:
    snapshot = _quotes((1, 1, 1.9, 2.0, NAN), (1, 1, 1.7, 2.2, NAN))
    diff = diff_quotes(_quotes(), snapshot)
    assert diff.new.tolist() == [0] and diff.prices_changed == 2


def test_empty_sides() -> None:
    assert diff_quotes(_quotes(), _quotes()).prices_changed == 0
    everything_pulled = diff_quotes(_quotes((5, 3, 1.5, 2.5, NAN)), _quotes())
    assert everything_pulled.pulled.tolist() == [0] and everything_pulled.prices_superseded == 2
