"""The vectorised scan on hand-built boards: +EV, arbitrage, middles, staleness and commission."""

from __future__ import annotations

from typing import Any

import pytest

from fairedge.odds.board import BookFacts, QuoteBoard, build_quotes
from fairedge.opportunities.scan import Found, ScanConfig, Shape, scan

# id, key, sharp weight, commission
BOOKS = BookFacts.build(
    [
        (1, "pinnacle", 1.0, 0.0),
        (2, "softbook", 0.0, 0.0),
        (3, "otherbook", 0.0, 0.0),
        (4, "exchange", 0.0, 0.05),
    ]
)
NOW = 1_000_000.0


def board(*quotes: tuple[int, int, list[float], float]) -> QuoteBoard:
    """(market_id, book_id, prices, age_seconds) → the board the scan reads."""
    market_id: list[int] = []
    bookmaker_id: list[int] = []
    outcome_index: list[int] = []
    price: list[float] = []
    confirmed_at: list[float] = []
    for market, book_id, prices, age in quotes:
        for i, p in enumerate(prices):
            market_id.append(market)
            bookmaker_id.append(book_id)
            outcome_index.append(i)
            price.append(p)
            confirmed_at.append(NOW - age)
    return build_quotes(market_id, bookmaker_id, outcome_index, price, confirmed_at=confirmed_at, books=BOOKS)


def run(quotes: QuoteBoard, shapes: dict[int, Shape] | None = None, **config: Any) -> list[Found]:
    return scan(quotes, BOOKS, shapes or {}, ScanConfig(**config), now=NOW)


def test_soft_price_above_fair_is_ev() -> None:
    found = run(board((10, 1, [1.95, 1.95], 5), (10, 2, [2.10, 1.80], 5)))
    ev = [f for f in found if f.kind == "ev"]
    assert len(ev) == 1
    bet = ev[0]
    (leg,) = bet.legs
    assert (leg.bookmaker, leg.outcome_index, leg.price, leg.stake) == ("softbook", 0, 2.10, 1.0)
    assert bet.fair_prob == pytest.approx(0.5)
    assert bet.ev == pytest.approx(0.05)
    assert bet.kelly_fraction == pytest.approx((1.1 * 0.5 - 0.5) / 1.1)
    assert bet.sharp_books == ["pinnacle"]
    assert bet.fair_source == "sharp"
    assert bet.confirmed_at == NOW - 5


def test_min_ev_threshold_and_stale_quotes() -> None:
    quotes = board((10, 1, [1.95, 1.95], 5), (10, 2, [2.01, 1.80], 5))
    assert [f for f in run(quotes) if f.kind == "ev"] == []  # EV 0.5% < 1%
    assert len([f for f in run(quotes, min_ev=0.004) if f.kind == "ev"]) == 1
    stale = board((10, 1, [1.95, 1.95], 5), (10, 2, [2.30, 1.60], 5000))
    assert [f for f in run(stale) if f.kind == "ev"] == []


def test_exchange_commission_is_applied_before_ev() -> None:
    # 2.08 at a 5% exchange pays 1 + 1.08 * 0.95 = 2.026: EV 1.3%, not 4%.
    found = [f for f in run(board((10, 1, [1.95, 1.95], 5), (10, 4, [2.08, 1.8], 5))) if f.kind == "ev"]
    assert len(found) == 1
    assert found[0].ev == pytest.approx(0.5 * 2.026 - 1)


def test_consensus_when_no_sharp_book_quotes() -> None:
    found = run(board((10, 2, [1.80, 2.00], 5), (10, 3, [2.20, 1.70], 5)))
    ev = [f for f in found if f.kind == "ev"]
    assert ev and all(f.fair_source == "consensus" and f.sharp_books == [] for f in ev)


def test_arbitrage_found_with_equal_payout_stakes() -> None:
    found = run(board((10, 1, [1.95, 1.95], 5), (10, 2, [2.10, 1.80], 5), (10, 3, [1.70, 2.15], 5)))
    arbs = [f for f in found if f.kind == "arbitrage"]
    assert len(arbs) == 1
    arb = arbs[0]
    # The guaranteed return on the total stake, not the book-sum margin 1 − Σ1/d.
    margin = arb.profit_margin
    assert margin == pytest.approx(1 / (1 / 2.10 + 1 / 2.15) - 1)
    assert margin is not None
    assert arb.ev is None
    legs = arb.legs
    assert [leg.bookmaker for leg in legs] == ["softbook", "otherbook"]
    assert [leg.stake * leg.net_price for leg in legs] == pytest.approx([leg.payout for leg in legs])
    assert legs[0].payout == pytest.approx(1 + margin)
    assert legs[1].payout == pytest.approx(1 + margin)
    assert sum(leg.stake for leg in legs) == pytest.approx(1.0)


def test_no_arbitrage_when_book_sum_is_one_or_more() -> None:
    found = run(board((10, 1, [2.0, 2.0], 5), (10, 2, [1.9, 2.0], 5)))
    assert [f for f in found if f.kind == "arbitrage"] == []


def test_totals_middle_across_points() -> None:
    shapes = {20: Shape(1, "totals", "full", 220.5, ""), 21: Shape(1, "totals", "full", 222.5, "")}
    found = run(board((20, 1, [1.95, 1.95], 5), (21, 2, [1.80, 2.02], 5)), shapes)
    middles = [f for f in found if f.kind == "middle"]
    assert len(middles) == 1
    m = middles[0]
    assert m.window == (220.5, 222.5)
    assert m.axis == "total"
    d_a, d_b = 1.95, 2.02
    assert m.max_loss == pytest.approx(1 - d_a * d_b / (d_a + d_b))  # a share of the total stake
    assert sum(leg.stake for leg in m.legs) == pytest.approx(1.0)
    assert m.legs[0].payout + m.legs[1].payout - 1 > 0.9  # both win: nearly doubles the stake
    assert m.fair_prob is None and m.hit_probability is not None and 0 <= m.hit_probability < 0.2
    assert m.ev is not None and m.devig_method == "shin"


def test_spread_middle_on_home_margin_axis() -> None:
    # Home +6.5 at one book, home +5.5 (away -5.5) at another: both win when the home side loses by 6.
    shapes = {30: Shape(1, "spreads", "full", 6.5, ""), 31: Shape(1, "spreads", "full", 5.5, "")}
    found = run(board((30, 2, [1.95, 1.90], 5), (31, 3, [1.85, 2.00], 5)), shapes, min_ev=1.0)
    middles = [f for f in found if f.kind == "middle"]
    assert len(middles) == 1
    m = middles[0]
    assert m.window == (-6.5, -5.5)
    assert m.axis == "home_margin"
    assert [leg.bookmaker for leg in m.legs] == ["softbook", "otherbook"]
    assert [leg.outcome_index for leg in m.legs] == [0, 1]


def test_no_middle_without_a_whole_number_inside() -> None:
    shapes = {20: Shape(1, "totals", "full", 220.0, ""), 21: Shape(1, "totals", "full", 221.0, "")}
    found = run(board((20, 2, [1.95, 1.95], 5), (21, 3, [1.95, 1.95], 5)), shapes)
    assert [f for f in found if f.kind == "middle"] == []


def test_every_method_configured_gives_its_own_ev_bets() -> None:
    quotes = board((10, 1, [1.50, 2.70], 5), (10, 2, [1.45, 3.10], 5))
    found = run(quotes, methods=("shin", "multiplicative", "worst_case"))
    methods = {f.devig_method for f in found if f.kind == "ev"}
    assert methods == {"shin", "multiplicative", "worst_case"}
    by_method = {f.devig_method: f.fair_prob for f in found if f.kind == "ev" and f.fair_prob is not None}
    assert by_method["worst_case"] <= min(by_method["shin"], by_method["multiplicative"]) + 1e-12


def test_empty_board() -> None:
    quotes = build_quotes([], [], [], [], confirmed_at=[], books=BOOKS)
    assert quotes.odds.shape == (0, 1)
    assert scan(quotes, BOOKS, {}, ScanConfig(), now=NOW) == []


def test_a_stale_sharp_book_leaves_the_fair_line_to_the_fresh_ones() -> None:
    # Pinnacle's quote was last confirmed long ago: the line falls back to the consensus of fresh books.
    found = run(board((10, 1, [1.50, 2.70], 5000), (10, 2, [2.10, 1.80], 5), (10, 3, [1.95, 1.95], 5)))
    ev = [f for f in found if f.kind == "ev"]
    assert ev and all(f.fair_source == "consensus" for f in ev)
    assert all(leg.bookmaker != "pinnacle" for f in found for leg in f.legs)


def test_confirmed_at_of_a_multi_leg_opportunity_is_its_oldest_leg() -> None:
    found = run(board((10, 1, [1.95, 1.95], 5), (10, 2, [2.10, 1.80], 40), (10, 3, [1.70, 2.15], 9)))
    (arb,) = [f for f in found if f.kind == "arbitrage"]
    assert arb.confirmed_at == NOW - 40
