"""Queries about what already happened: closing lines (capture and reads) and which events are stored.

Callers own the transaction. Closing quotes are read from both quote tables (the board and its history) in
one statement per table; the choice of each book's last quote is made by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, union_all
from sqlalchemy.orm import Session

from fairedge.odds.models import (
    Bookmaker,
    ClosingCapture,
    ClosingFairLine,
    ClosingQuote,
    CurrentQuote,
    Event,
    Market,
    QuoteHistory,
)

CHUNK = 500


@dataclass(frozen=True, slots=True)
class StartedEvent:
    id: int
    commence_time: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class PastQuote:
    """A quote first seen before its event started, from the board or the history. ``last_seen``: the last
    fetch that carried it (for one still on the board, the event's last refresh)."""

    event_id: int
    market_id: int
    bookmaker_id: int
    prices: tuple[float, ...]
    first_seen: datetime
    last_seen: datetime


def events_to_capture(session: Session, *, now: datetime, limit: int) -> list[StartedEvent]:
    """Started events without closing lines, or captured for a start time that has changed since."""
    stmt = (
        select(Event.id, Event.commence_time, Event.last_seen_at)
        .outerjoin(ClosingCapture, ClosingCapture.event_id == Event.id)
        .where(
            Event.commence_time <= now,
            or_(ClosingCapture.event_id.is_(None), ClosingCapture.commence_time != Event.commence_time),
        )
        .order_by(Event.commence_time, Event.id)
        .limit(limit)
    )
    return [StartedEvent(*row) for row in session.execute(stmt)]


def quotes_before_start(session: Session, event_ids: Sequence[int]) -> list[PastQuote]:
    """Every quote of these events first seen before its event's start, current and ended."""
    found: list[PastQuote] = []
    for start in range(0, len(event_ids), CHUNK):
        chunk = list(event_ids[start : start + CHUNK])
        parts = []
        for model in (CurrentQuote, QuoteHistory):
            last_seen: Any = QuoteHistory.last_seen if model is QuoteHistory else Event.last_seen_at
            parts.append(
                select(
                    Market.event_id,
                    model.market_id,
                    model.bookmaker_id,
                    model.price_0,
                    model.price_1,
                    model.price_2,
                    model.first_seen,
                    last_seen.label("last_seen"),
                )
                .join(Market, Market.id == model.market_id)
                .join(Event, Event.id == Market.event_id)
                .where(Market.event_id.in_(chunk), model.first_seen < Event.commence_time)
            )
        for event_id, market_id, book_id, p0, p1, p2, first_seen, seen in session.execute(union_all(*parts)):
            prices = (p0, p1) if p2 is None else (p0, p1, p2)
            found.append(PastQuote(event_id, market_id, book_id, prices, first_seen, seen))
    return found


def replace_closing(
    session: Session,
    event: StartedEvent,
    *,
    captured_at: datetime,
    quotes: Sequence[dict[str, Any]],
    fair_lines: Sequence[dict[str, Any]],
) -> None:
    """Store an event's closing lines, replacing any captured for an earlier start time."""
    for model in (ClosingQuote, ClosingFairLine, ClosingCapture):
        session.execute(delete(model).where(model.event_id == event.id))
    if quotes:
        session.execute(insert(ClosingQuote), list(quotes))
    if fair_lines:
        session.execute(insert(ClosingFairLine), list(fair_lines))
    session.execute(
        insert(ClosingCapture).values(
            event_id=event.id, commence_time=event.commence_time, captured_at=captured_at, quotes=len(quotes)
        )
    )


def capture_of(session: Session, event_id: int) -> ClosingCapture | None:
    return session.get(ClosingCapture, event_id)


def closing_quotes(session: Session, event_id: int) -> list[tuple[Market, ClosingQuote, Bookmaker]]:
    stmt = (
        select(Market, ClosingQuote, Bookmaker)
        .join(ClosingQuote, ClosingQuote.market_id == Market.id)
        .join(Bookmaker, Bookmaker.id == ClosingQuote.bookmaker_id)
        .where(ClosingQuote.event_id == event_id)
        .order_by(Market.key, Market.period, Market.player, Market.point, Bookmaker.key)
    )
    return [(m, q, b) for m, q, b in session.execute(stmt)]


def closing_fair_lines(session: Session, event_id: int, method: str) -> dict[int, ClosingFairLine]:
    stmt = select(ClosingFairLine).where(
        and_(ClosingFairLine.event_id == event_id, ClosingFairLine.method == method)
    )
    return {line.market_id: line for line in session.execute(stmt).scalars()}


def known_events(session: Session, provider_ids: Sequence[str]) -> set[str]:
    """Which of these provider event ids the store holds."""
    known: set[str] = set()
    for start in range(0, len(provider_ids), CHUNK):
        chunk = list(provider_ids[start : start + CHUNK])
        known.update(session.execute(select(Event.provider_id).where(Event.provider_id.in_(chunk))).scalars())
    return known
