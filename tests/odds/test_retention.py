"""Retention: superseded history and long-unseen events go; current prices and recent history stay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from factories import T0, book, event, h2h, snapshot
from fairedge.odds.ingestion import ingest_snapshot
from fairedge.odds.models import CurrentQuote, Event, Market, QuoteHistory
from fairedge.odds.service import prune_history


def _count(session: Session, column: InstrumentedAttribute[Any]) -> int:
    return int(session.execute(select(func.count(column))).scalar_one())


def test_prune_keeps_current_prices_and_drops_old_history(session: Session) -> None:
    ingest_snapshot(session, snapshot(event("e1", book("pinnacle", h2h(1.9, 2.0)))), provider="test")
    later = T0 + timedelta(days=20)
    moved = snapshot(event("e1", book("pinnacle", h2h(1.8, 2.1))), at=later)
    ingest_snapshot(session, moved, provider="test")
    assert _count(session, QuoteHistory.market_id) == 1
    stats = prune_history(session, days=14, now=later + timedelta(hours=1))
    assert stats.prices == 1 and stats.events == 0
    assert _count(session, QuoteHistory.market_id) == 0
    current = session.execute(select(CurrentQuote.price_0, CurrentQuote.price_1)).one()
    assert tuple(current) == (1.8, 2.1)


def test_prune_removes_unseen_events_with_their_markets_and_quotes(session: Session) -> None:
    old = event("old", book("pinnacle", h2h(1.95, 1.95)), book("fanduel", h2h(2.2, 1.7)))
    ingest_snapshot(session, snapshot(old), provider="test")
    recent = T0 + timedelta(days=30)
    fresh = snapshot(event("new", book("pinnacle", h2h(1.9, 2.0))), at=recent)
    ingest_snapshot(session, fresh, provider="test")
    stats = prune_history(session, days=14, now=recent)
    assert stats.events == 1
    assert session.execute(select(Event.provider_id)).scalars().all() == ["new"]
    assert _count(session, Market.id) == 1
    assert _count(session, CurrentQuote.market_id) == 1
