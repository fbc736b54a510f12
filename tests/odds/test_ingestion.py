"""Ingestion: validation of quotes, bulk storage, idempotence and line history — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factories import T0, book, event, h2h, snapshot, spreads, totals
from fairedge.odds.ingestion import ingest_snapshot, normalise_snapshot
from fairedge.odds.models import Bookmaker, Event, Market, Price
from fairedge.odds.providers.base import MarketQuote, Outcome


def _prices(session: Session) -> list[Price]:
    return list(session.execute(select(Price).order_by(Price.id)).scalars())


def _current(session: Session) -> dict[tuple[str, str, int], float]:
    rows = session.execute(
        select(Market.key, Bookmaker.key, Price.outcome_index, Price.price)
        .join(Market, Market.id == Price.market_id)
        .join(Bookmaker, Bookmaker.id == Price.bookmaker_id)
        .where(Price.superseded_at.is_(None))
    )
    return {(m, b, i): p for m, b, i, p in rows}


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
            MarketQuote(
                "spreads", (Outcome("Home", 1.9, -3.5), Outcome("Away", 1.9, 3.5), Outcome("Away", 1.8, 3.5))
            ),
            "duplicate outcome",
        ),
        (MarketQuote("spreads", (Outcome("Home", 1.9, -3.5), Outcome("Away", 1.9, 2.5))), "do not mirror"),
        (MarketQuote("outrights", (Outcome("Team A", 3.0), Outcome("Team B", 4.0))), "unknown market shape"),
        (MarketQuote("h2h", (Outcome("Home", 1.9), Outcome("Someone", 1.9))), "do not match the event"),
    ],
)
def test_bad_quote_is_rejected_with_reason(market: MarketQuote, reason: str) -> None:
    good = totals(210.5, 1.9, 1.9)
    quotes, rejected = normalise_snapshot(snapshot(event("e1", book("pinnacle", market, good))))
    assert [q.market.key for q in quotes] == ["totals"]
    assert len(rejected) == 1
    assert reason in rejected[0].reason


def test_canonical_outcome_order_and_points() -> None:
    market = MarketQuote("h2h", (Outcome("Draw", 3.4), Outcome("Away", 3.1), Outcome("Home", 2.2)))
    quotes, rejected = normalise_snapshot(
        snapshot(event("e1", book("pinnacle", market, spreads(-1.5, 2.0, 1.8))))
    )
    assert not rejected
    assert quotes[0].outcomes == ("Home", "Away", "Draw")
    assert quotes[0].prices == (2.2, 3.1, 3.4)
    assert quotes[1].market.point == -1.5 and quotes[1].outcomes == ("Home", "Away")


def test_snapshot_is_stored_with_rejections_skipped(session: Session) -> None:
    snap = snapshot(
        event(
            "e1",
            book("pinnacle", h2h(1.9, 2.0), totals(210.5, 1.95, 1.87)),
            book("draftkings", h2h(0.5, 2.1)),
        )
    )
    report = ingest_snapshot(session, snap, provider="test")
    assert report.prices_inserted == 4
    assert len(report.rejected) == 1 and report.rejected[0].bookmaker == "draftkings"
    assert _current(session) == {
        ("h2h", "pinnacle", 0): 1.9,
        ("h2h", "pinnacle", 1): 2.0,
        ("totals", "pinnacle", 0): 1.95,
        ("totals", "pinnacle", 1): 1.87,
    }
    pinnacle = session.execute(select(Bookmaker).where(Bookmaker.key == "pinnacle")).scalar_one()
    assert pinnacle.is_sharp and pinnacle.sharp_weight > 0


def test_same_snapshot_twice_changes_nothing(session: Session) -> None:
    snap = snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)), book("fanduel", h2h(1.85, 2.05))))
    ingest_snapshot(session, snap, provider="test")
    before = [(p.id, p.price, p.superseded_at) for p in _prices(session)]
    report = ingest_snapshot(session, snap, provider="test")
    assert report.prices_inserted == 0 and report.prices_unchanged == 4 and report.prices_superseded == 0
    assert [(p.id, p.price, p.superseded_at) for p in _prices(session)] == before
    assert session.execute(select(func.count(Event.id))).scalar_one() == 1


def test_price_change_adds_history_and_unchanged_price_only_moves_last_seen(session: Session) -> None:
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)))), provider="test")
    t1 = T0 + timedelta(minutes=1)
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.8, 2.1))), at=t1), provider="test")
    t2 = T0 + timedelta(minutes=2)
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.8, 2.1))), at=t2), provider="test")
    rows = _prices(session)
    assert [(r.outcome_index, r.price) for r in rows] == [(0, 1.9), (1, 2.0), (0, 1.8), (1, 2.1)]
    old, new = rows[:2], rows[2:]
    assert all(r.superseded_at == t1 and r.last_seen == T0 for r in old)
    assert all(r.superseded_at is None and r.first_seen == t1 for r in new)
    ev = session.execute(select(Event)).scalar_one()
    assert ev.last_seen_at == t2  # the unchanged current price was last seen at the latest refresh


def test_pulled_line_is_superseded(session: Session) -> None:
    ingest_snapshot(
        session,
        snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0), totals(200.5, 1.9, 1.9)))),
        provider="test",
    )
    t1 = T0 + timedelta(minutes=1)
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0))), at=t1), provider="test")
    assert set(_current(session)) == {("h2h", "pinnacle", 0), ("h2h", "pinnacle", 1)}


def test_completed_event_keeps_scores_and_closes_its_lines(session: Session) -> None:
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)))), provider="test")
    done = event("e1", status="completed", scores=(101, 99))
    ingest_snapshot(session, snapshot(done, at=T0 + timedelta(hours=3)), provider="test")
    ev = session.execute(select(Event)).scalar_one()
    assert (ev.status, ev.home_score, ev.away_score) == ("completed", 101, 99)
    assert _current(session) == {}
    assert len(_prices(session)) == 2  # history kept


def test_market_points_are_separate_markets(session: Session) -> None:
    snap = snapshot(
        event("e1", book("pinnacle", totals(210.5, 1.9, 1.9)), book("draftkings", totals(211.5, 1.9, 1.9)))
    )
    ingest_snapshot(session, snap, provider="test")
    points = sorted(session.execute(select(Market.point).where(Market.key == "totals")).scalars())
    assert points == [210.5, 211.5]


def test_empty_snapshot_stores_nothing(session: Session) -> None:
    report = ingest_snapshot(session, snapshot(), provider="test")
    assert (report.events, report.prices_inserted, report.prices_superseded) == (0, 0, 0)
    assert _prices(session) == []
