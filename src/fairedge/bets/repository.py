"""Every query of the bet tracker. Callers own the transaction.

Reads of the odds store (events, markets, closing lines) are plain selects on its tables: the tracker only
reads them, by the ids it keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from fairedge.bets.models import Bet
from fairedge.odds.models import (
    Bookmaker,
    ClosingCapture,
    ClosingFairLine,
    ClosingQuote,
    Event,
    Market,
    Sport,
)


@dataclass(frozen=True, slots=True)
class BetFilter:
    status: str | None = None  # open | settled
    sport: str | None = None  # sport key
    bookmaker: str | None = None
    market: str | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None


def add(session: Session, bets: Sequence[Bet]) -> None:
    session.add_all(bets)
    session.flush()


def get(session: Session, user_id: int, bet_id: int) -> Bet | None:
    return session.execute(select(Bet).where(Bet.id == bet_id, Bet.user_id == user_id)).scalar_one_or_none()


def remove(session: Session, bet: Bet) -> None:
    session.execute(delete(Bet).where(Bet.id == bet.id))


def _filtered(user_id: int, filters: BetFilter) -> Any:
    stmt = select(Bet).where(Bet.user_id == user_id)
    if filters.status == "open":
        stmt = stmt.where(Bet.result.is_(None))
    elif filters.status == "settled":
        stmt = stmt.where(Bet.result.is_not(None))
    if filters.sport:
        stmt = stmt.where(Bet.sport_key == filters.sport)
    if filters.bookmaker:
        stmt = stmt.where(Bet.bookmaker == filters.bookmaker)
    if filters.market:
        stmt = stmt.where(Bet.market_key == filters.market)
    if filters.placed_from:
        stmt = stmt.where(Bet.placed_at >= filters.placed_from)
    if filters.placed_to:
        stmt = stmt.where(Bet.placed_at < filters.placed_to)
    return stmt


def page(
    session: Session, user_id: int, filters: BetFilter, *, offset: int, limit: int
) -> tuple[list[Bet], int]:
    """The user's bets, newest placement first, and how many match."""
    stmt = _filtered(user_id, filters)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Bet.placed_at.desc(), Bet.id.desc()).offset(offset).limit(limit))
    return list(rows.scalars()), int(total)


def every(session: Session, user_id: int, filters: BetFilter) -> list[Bet]:
    """All the user's matching bets, oldest placement first (summary, export)."""
    stmt = _filtered(user_id, filters).order_by(Bet.placed_at, Bet.id)
    return list(session.execute(stmt).scalars())


# --- the odds store, read -----------------------------------------------------------------------------------


def event(session: Session, event_id: int) -> tuple[Event, Sport] | None:
    row = session.execute(
        select(Event, Sport).join(Sport, Sport.id == Event.sport_id).where(Event.id == event_id)
    ).first()
    return None if row is None else (row[0], row[1])


def market(session: Session, event_id: int, key: str, period: str, point: float) -> Market | None:
    return session.execute(
        select(Market).where(
            Market.event_id == event_id,
            Market.key == key,
            Market.period == period,
            Market.point == point,
            Market.player == "",
        )
    ).scalar_one_or_none()


def market_by_id(session: Session, market_id: int) -> Market | None:
    return session.get(Market, market_id)


def has_three_way_h2h(session: Session, event_id: int, period: str) -> bool:
    found = session.execute(
        select(Market.outcomes).where(
            Market.event_id == event_id, Market.key == "h2h", Market.period == period
        )
    ).scalar_one_or_none()
    return found is not None and len(found) == 3


def closing_captured(session: Session, event_id: int) -> bool:
    return session.get(ClosingCapture, event_id) is not None


def closing_quote(session: Session, market_id: int, bookmaker: str) -> ClosingQuote | None:
    return session.execute(
        select(ClosingQuote)
        .join(Bookmaker, Bookmaker.id == ClosingQuote.bookmaker_id)
        .where(ClosingQuote.market_id == market_id, Bookmaker.key == bookmaker)
    ).scalar_one_or_none()


def closing_fair_line(session: Session, market_id: int, method: str) -> ClosingFairLine | None:
    return session.get(ClosingFairLine, (market_id, method))


# --- the settlement job -------------------------------------------------------------------------------------


def open_bets_on_finished_events(session: Session, *, limit: int) -> list[tuple[Bet, Event]]:
    """Open bets settled by nobody yet whose event is completed with a final score."""
    stmt = (
        select(Bet, Event)
        .join(Event, Event.id == Bet.event_id)
        .where(
            Bet.result.is_(None),
            Bet.period == "full",  # the final score grades full-game markets only
            Event.status == "completed",
            Event.home_score.is_not(None),
            Event.away_score.is_not(None),
        )
        .order_by(Bet.id)
        .limit(limit)
    )
    return [(bet, ev) for bet, ev in session.execute(stmt).all()]


def open_bets_on_moved_events(session: Session) -> list[tuple[Bet, Event]]:
    """Open bets whose event now starts later than when they were placed, and is not finished (few: the
    caller judges by how much)."""
    stmt = (
        select(Bet, Event)
        .join(Event, Event.id == Bet.event_id)
        .where(Bet.result.is_(None), Event.commence_time > Bet.commence_time, Event.status != "completed")
        .order_by(Bet.id)
    )
    return [(bet, ev) for bet, ev in session.execute(stmt).all()]


def bets_awaiting_clv(session: Session, *, limit: int) -> list[Bet]:
    """Bets with a CLV still pending whose event's closing lines are captured, or whose event is gone."""
    stmt = (
        select(Bet)
        .outerjoin(ClosingCapture, ClosingCapture.event_id == Bet.event_id)
        .where(
            or_(Bet.price_clv_status == "pending", Bet.prob_clv_status == "pending"),
            or_(ClosingCapture.event_id.is_not(None), Bet.event_id.is_(None)),
        )
        .order_by(Bet.id)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def sports_awaiting_scores(
    session: Session, *, started_after: datetime, started_before: datetime
) -> dict[str, datetime]:
    """Sport key → the earliest start among the events of open bets that started between the two instants
    and have no final score yet."""
    stmt = (
        select(Sport.key, func.min(Event.commence_time))
        .select_from(Bet)
        .join(Event, Event.id == Bet.event_id)
        .join(Sport, Sport.id == Event.sport_id)
        .where(
            Bet.result.is_(None),
            Event.status != "completed",
            Event.commence_time <= started_before,
            Event.commence_time > started_after,
        )
        .group_by(Sport.key)
    )
    return {str(key): earliest for key, earliest in session.execute(stmt).all()}
