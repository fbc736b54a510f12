"""Quote periods → each outcome's price changes; quote arrays."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from factories import T0
from fairedge.odds.quotes import PricePoint, QuoteArrays, QuotePeriod, price_points

T1, T2, T3 = (T0 + timedelta(minutes=m) for m in (1, 2, 3))


def test_an_outcome_that_did_not_move_keeps_one_point() -> None:
    periods = [
        QuotePeriod((1.9, 2.0), T0, T0, T0, T1),  # outcome 1 moves at T1
        QuotePeriod((1.9, 2.1), T1, T1, None, None),
    ]
    assert price_points(periods) == [
        PricePoint(0, 1.9, T0, T0, None, None),
        PricePoint(1, 2.0, T0, T0, T0, T1),
        PricePoint(1, 2.1, T1, T1, None, None),
    ]


def test_a_line_pulled_and_quoted_again_is_a_new_point() -> None:
    periods = [QuotePeriod((1.9, 2.0), T0, T0, T0, T1), QuotePeriod((1.9, 2.0), T2, T2, T2, T3)]
    points = price_points(periods)
    assert [(p.outcome_index, p.first_seen, p.superseded_at) for p in points] == [
        (0, T0, T1),
        (0, T2, T3),
        (1, T0, T1),
        (1, T2, T3),
    ]


def test_three_way_quote_has_three_series() -> None:
    points = price_points([QuotePeriod((2.5, 3.0, 3.2), T0, T0, None, None)])
    assert [(p.outcome_index, p.price) for p in points] == [(0, 2.5), (1, 3.0), (2, 3.2)]


def test_quote_arrays_take_concat_and_width() -> None:
    ints = np.array([1, 2], dtype=np.int64)
    arrays = QuoteArrays(ints, ints, np.array([[1.9, 2.0, np.nan], [2.5, 3.0, 3.2]]), ints, ints)
    assert arrays.width().tolist() == [2, 3]
    both = QuoteArrays.concat([arrays.take(np.array([1])), arrays.take(np.array([0]))])
    assert both.market_id.tolist() == [2, 1] and len(both) == 2
    assert len(QuoteArrays.concat([])) == 0
