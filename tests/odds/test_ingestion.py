"""Ingestion: validation of quotes, bulk storage, idempotence and line history — on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import T0, book, event, h2h, snapshot, spreads, totals
from fairedge.odds.ingestion import QuoteError, ingest_snapshot, normalise_market, normalise_snapshot
from fairedge.odds.models import Bookmaker, CurrentQuote, Event, Market, QuoteHistory
from fairedge.odds.providers.base import MarketQuote, Outcome


def _current(session: Session) -> dict[tuple[str, float, str], tuple[float | None, ...]]:
    rows = session.execute(
        select(Market.key, Market.point, Bookmaker.key, CurrentQuote)
        .join(Market, Market.id == CurrentQuote.market_id)
        .join(Bookmaker, Bookmaker.id == CurrentQuote.bookmaker_id)
    )
    return {(m, p, b): (q.price_0, q.price_1, q.price_2) for m, p, b, q in rows}


def _history(session: Session) -> list[QuoteHistory]:
    return list(
        session.execute(
            select(QuoteHistory).order_by(QuoteHistory.superseded_at, QuoteHistory.market_id)
        ).scalars()
    )


@pytest.mark.parametrize(
    ("market", "reason"),
    [
        (h2h(1.0, 2.0), "invalid odds"),
        (h2h(float("nan"), 2.0), "invalid odds"),
        (MarketQuote("h2h", (Outcome("Home", 1.9),)), "missing"),
        (MarketQuote("h2h", (Outcome("Home", 1.9), Outcome("Home", 1.8))), "duplicate outcome"),
        (MarketQuote("h2h", (Outcome("Home", 1.9, 1.5), Outcome("Away", 1.9, -1.5))), "point on an h2h"),
        (MarketQuote("totals", (Outcome("Over", 1.9, 210.5),)), "missing outcome"),
        (
            MarketQuote("totals", (Outcome("Over", 1.9, 210.5), Outcome("Over", 1.8, 210.5))),
            "duplicate outcome",
        ),
        (
            MarketQuote("totals", (Outcome("Over", 1.9, 210.5), Outcome("Under", 1.8, 211.5))),
            "missing outcome",
        ),
        (
            MarketQuote(
                "spreads", (Outcome("Home", 1.9, -3.5), Outcome("Away", 1.9, 3.5), Outcome("Away", 1.8, 3.5))
            ),
            "duplicate outcome",
        ),
        (MarketQuote("spreads", (Outcome("Home", 1.9, -3.5), Outcome("Away", 1.9, 2.5))), "do not mirror"),
        (MarketQuote("outrights", (Outcome("Team A", 3.0), Outcome("Team B", 4.0))), "unknown market shape"),
        (MarketQuote("h2h", (Outcome("Home", 1.9), Outcome("Someone", 1.9))), "do not match the event"),
        # A price as a string: the invalid value under test.
        (MarketQuote("h2h", (Outcome("Home", "2.1"), Outcome("Away", 1.9))), "invalid odds"),  # type: ignore[arg-type]
    ],
)
def test_bad_quote_is_rejected_with_reason(market: MarketQuote, reason: str) -> None:
    good = totals(210.5, 1.9, 1.9)
    quotes, rejected = normalise_snapshot(snapshot(event("e1", book("pinnacle", market, good))))
    assert [m[1] for m in quotes.market_keys()] == ["totals"]
    assert len(rejected) == 1
    assert reason in rejected[0].reason


SHAPES = [
    h2h(2.2, 1.7),
    MarketQuote("h2h", (Outcome("Away", 1.7), Outcome("Home", 2.2))),
    h2h(2.2, 3.1, 3.4),
    MarketQuote("h2h", (Outcome("Draw", 3.4), Outcome("Away", 3.1), Outcome("Home", 2.2))),
    spreads(-1.5, 2.0, 1.8),
    MarketQuote("spreads", (Outcome("Away", 1.8, 1.5), Outcome("Home", 2.0, -1.5))),
    MarketQuote("spreads", (Outcome("Home", 1.9, 0), Outcome("Away", 1.9, 0))),
    totals(210.5, 1.95, 1.87),
    MarketQuote("totals", (Outcome("Under", 1.87, 210.5), Outcome("Over", 1.95, 210.5))),
    MarketQuote(
        "player_points", (Outcome("Over", 1.9, 24.5, "J. Doe"), Outcome("Under", 1.9, 24.5, "J. Doe"))
    ),
    MarketQuote(
        "alternate_spreads",
        (
            Outcome("Home", 1.5, 3.5),
            Outcome("Away", 2.6, -3.5),
            Outcome("Home", 2.5, -3.5),
            Outcome("Away", 1.55, 3.5),
        ),
    ),
]


@pytest.mark.parametrize("market", SHAPES, ids=lambda m: f"{m.key}:{'/'.join(o.name for o in m.outcomes)}")
def test_fast_path_agrees_with_the_full_check(market: MarketQuote) -> None:
    e = event("e1", book("pinnacle", market))
    quotes, rejected = normalise_snapshot(snapshot(e))
    assert not rejected
    expected = normalise_market(e, market)
    assert [m[1:] for m in quotes.market_keys()] == [tuple(identity) for identity, _, _ in expected]
    for i, (_, names, prices) in enumerate(expected):
        got = (quotes.price_0[i], quotes.price_1[i], quotes.price_2[i])
        assert got[: len(prices)] == prices
        assert len(prices) == 3 or math.isnan(got[2])
        assert quotes.outcomes[quotes.market[i]] == names


def test_canonical_outcome_order_and_points() -> None:
    market = MarketQuote("h2h", (Outcome("Draw", 3.4), Outcome("Away", 3.1), Outcome("Home", 2.2)))
    quotes, rejected = normalise_snapshot(
        snapshot(event("e1", book("pinnacle", market, spreads(-1.5, 2.0, 1.8))))
    )
    assert not rejected
    assert quotes.outcomes[quotes.market[0]] == ("Home", "Away", "Draw")
    assert (quotes.price_0[0], quotes.price_1[0], quotes.price_2[0]) == (2.2, 3.1, 3.4)
    assert quotes.market_keys()[1] == ("e1", "spreads", "full", -1.5, "")


def test_book_clock_ahead_of_ours_is_capped_at_the_fetch() -> None:
    ahead = T0 + timedelta(minutes=5)
    market = MarketQuote("h2h", (Outcome("Home", 1.9), Outcome("Away", 2.0)), last_update=ahead)
    quotes, _ = normalise_snapshot(snapshot(event("e1", book("pinnacle", market))))
    assert quotes.last_update == [T0]
    with pytest.raises(QuoteError):
        normalise_market(event("e1"), MarketQuote("h2h", ()))


def test_snapshot_is_stored_with_rejections_skipped(session: Session) -> None:
    snap = snapshot(
        event(
            "e1",
            book("pinnacle", h2h(1.9, 2.0), totals(210.5, 1.95, 1.87)),
            book("draftkings", h2h(0.5, 2.1)),
        )
    )
    report = ingest_snapshot(session, snap, provider="test")
    assert report.prices_inserted == 4 and report.quotes == 2
    assert len(report.rejected) == 1 and report.rejected[0].bookmaker == "draftkings"
    assert _current(session) == {
        ("h2h", 0.0, "pinnacle"): (1.9, 2.0, None),
        ("totals", 210.5, "pinnacle"): (1.95, 1.87, None),
    }
    pinnacle = session.execute(select(Bookmaker).where(Bookmaker.key == "pinnacle")).scalar_one()
    assert pinnacle.is_sharp and pinnacle.sharp_weight > 0


def test_three_way_quote_is_one_row(session: Session) -> None:
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(2.5, 3.0, 3.2)))), provider="test")
    assert _current(session) == {("h2h", 0.0, "pinnacle"): (2.5, 3.0, 3.2)}


def test_same_snapshot_twice_changes_nothing(session: Session) -> None:
    snap = snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)), book("fanduel", h2h(1.85, 2.05))))
    ingest_snapshot(session, snap, provider="test")
    before = [(q.market_id, q.bookmaker_id, q.first_seen) for q in session.scalars(select(CurrentQuote))]
    report = ingest_snapshot(session, snap, provider="test")
    assert report.prices_inserted == 0 and report.prices_unchanged == 4 and report.prices_superseded == 0
    assert [
        (q.market_id, q.bookmaker_id, q.first_seen) for q in session.scalars(select(CurrentQuote))
    ] == before
    assert _history(session) == []
    assert session.execute(select(func.count(Event.id))).scalar_one() == 1


def test_price_change_moves_the_old_quote_to_history(session: Session) -> None:
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)))), provider="test")
    t1, t2 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
    report = ingest_snapshot(
        session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.1))), at=t1), provider="test"
    )
    assert (report.prices_inserted, report.prices_unchanged, report.prices_superseded) == (1, 1, 1)
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.1))), at=t2), provider="test")
    [old] = _history(session)
    assert (old.price_0, old.price_1, old.first_seen, old.last_seen, old.superseded_at) == (
        1.9,
        2.0,
        T0,
        T0,
        t1,
    )
    current = session.execute(select(CurrentQuote)).scalar_one()
    assert (current.price_0, current.price_1, current.first_seen) == (1.9, 2.1, t1)
    ev = session.execute(select(Event)).scalar_one()
    assert ev.last_seen_at == t2  # the unchanged current quote was last confirmed at the latest refresh


def test_pulled_line_leaves_the_board_for_history(session: Session) -> None:
    ingest_snapshot(
        session,
        snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0), totals(200.5, 1.9, 1.9)))),
        provider="test",
    )
    t1 = T0 + timedelta(minutes=1)
    report = ingest_snapshot(
        session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0))), at=t1), provider="test"
    )
    assert report.prices_superseded == 2
    assert set(_current(session)) == {("h2h", 0.0, "pinnacle")}
    [pulled] = _history(session)
    assert (pulled.price_0, pulled.last_seen, pulled.superseded_at) == (1.9, T0, t1)


def test_completed_event_keeps_scores_and_closes_its_lines(session: Session) -> None:
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)))), provider="test")
    done = event("e1", status="completed", scores=(101, 99))
    ingest_snapshot(session, snapshot(done, at=T0 + timedelta(hours=3)), provider="test")
    ev = session.execute(select(Event)).scalar_one()
    assert (ev.status, ev.home_score, ev.away_score) == ("completed", 101, 99)
    assert _current(session) == {}
    assert [(q.price_0, q.price_1) for q in _history(session)] == [(1.9, 2.0)]  # history kept


def test_market_points_are_separate_markets(session: Session) -> None:
    snap = snapshot(
        event("e1", book("pinnacle", totals(210.5, 1.9, 1.9)), book("draftkings", totals(211.5, 1.9, 1.9)))
    )
    ingest_snapshot(session, snap, provider="test")
    points = sorted(session.execute(select(Market.point).where(Market.key == "totals")).scalars())
    assert points == [210.5, 211.5]


def test_quote_with_other_outcomes_than_the_stored_market_is_left_out(session: Session) -> None:
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(2.5, 3.0, 3.2)))), provider="test")
    report = ingest_snapshot(
        session,
        snapshot(event("e1", book("pinnacle", h2h(2.5, 3.0, 3.2)), book("fanduel", h2h(1.9, 2.0)))),
        provider="test",
    )
    assert report.prices_inserted == 0
    assert set(_current(session)) == {("h2h", 0.0, "pinnacle")}


def test_empty_snapshot_stores_nothing(session: Session) -> None:
    report = ingest_snapshot(session, snapshot(), provider="test")
    assert (report.events, report.prices_inserted, report.prices_superseded) == (0, 0, 0)
    assert _current(session) == {} and _history(session) == []


def test_an_event_listed_twice_is_stored_once(session: Session) -> None:
    snap = snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0))), event("e1", book("fanduel", h2h(1.8, 2.1))))
    report = ingest_snapshot(session, snap, provider="test")
    assert session.execute(select(func.count(Event.id))).scalar_one() == 1
    assert report.prices_inserted == 4 and set(_current(session)) == {
        ("h2h", 0.0, "pinnacle"),
        ("h2h", 0.0, "fanduel"),
    }
