"""Every opportunities query, and the atomic replacement of the active set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.orm import Session

from fairedge.odds.models import Event, Sport
from fairedge.odds.repository import sport_filter
from fairedge.opportunities.models import Opportunity

CHUNK = 5000


@dataclass(slots=True)
class ReplaceStats:
    inserted: int = 0
    updated: int = 0
    closed: int = 0


def replace_active(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> ReplaceStats:
    """Make ``rows`` (keyed by ``key``) the active set, in the caller's transaction.

    Found again: same id, values and ``last_seen`` move, ``first_seen`` stays. New: inserted. Gone: closed
    with ``ended_at`` and kept as history. Rows found again are rewritten as delete + insert with their old
    ids: two statements instead of one UPDATE per row.
    """
    stats = ReplaceStats()
    conn = session.connection()
    active = {
        key: (oid, first_seen, count)
        for key, oid, first_seen, count in conn.execute(
            select(Opportunity.key, Opportunity.id, Opportunity.first_seen, Opportunity.scan_count).where(
                Opportunity.active
            )
        )
    }
    incoming = {row["key"]: row for row in rows}
    gone = [oid for key, (oid, _, _) in active.items() if key not in incoming]
    again = [
        {
            **row,
            "id": active[key][0],
            "active": True,
            "first_seen": active[key][1],
            "last_seen": now,
            "ended_at": None,
            "scan_count": active[key][2] + 1,
        }
        for key, row in incoming.items()
        if key in active
    ]
    new = [
        {**row, "active": True, "first_seen": now, "last_seen": now, "ended_at": None, "scan_count": 1}
        for key, row in incoming.items()
        if key not in active
    ]
    for start in range(0, len(gone), CHUNK):
        conn.execute(
            update(Opportunity)
            .where(Opportunity.id.in_(gone[start : start + CHUNK]))
            .values(active=False, ended_at=now)
        )
    again_ids = [row["id"] for row in again]
    for start in range(0, len(again_ids), CHUNK):
        conn.execute(delete(Opportunity).where(Opportunity.id.in_(again_ids[start : start + CHUNK])))
    for batch in (again, new):
        if batch:
            conn.execute(insert(Opportunity), batch)
    stats.closed, stats.updated, stats.inserted = len(gone), len(again), len(new)
    return stats


@dataclass(frozen=True, slots=True)
class OpportunityFilter:
    kind: str | None = None
    sport: str | None = None
    league: str | None = None
    market: str | None = None
    bookmaker: str | None = None
    min_ev: float | None = None
    max_age_seconds: float | None = None
    method: str | None = None
    event_id: int | None = None
    include_ended: bool = False


SORTS: dict[str, Any] = {
    "ev": (Opportunity.ev.desc(), Opportunity.id),
    "start_time": (Opportunity.commence_time, Opportunity.ev.desc(), Opportunity.id),
    "age": (Opportunity.quote_age_seconds, Opportunity.ev.desc(), Opportunity.id),
    "first_seen": (Opportunity.first_seen.desc(), Opportunity.id),
}


def _filtered(f: OpportunityFilter) -> Select[Opportunity, Event, Sport]:
    stmt = (
        select(Opportunity, Event, Sport)
        .join(Event, Event.id == Opportunity.event_id)
        .join(Sport, Sport.id == Event.sport_id)
    )
    if not f.include_ended:
        stmt = stmt.where(Opportunity.active)
    if f.kind:
        stmt = stmt.where(Opportunity.kind == f.kind)
    stmt = sport_filter(stmt, f.sport, f.league)
    if f.market:
        stmt = stmt.where(Opportunity.market_key == f.market)
    if f.bookmaker:
        # A multi-leg opportunity matches when any leg is at that book.
        stmt = stmt.where(
            (Opportunity.bookmaker == f.bookmaker)
            | Opportunity.bookmaker.startswith(f.bookmaker + " / ")
            | Opportunity.bookmaker.endswith(" / " + f.bookmaker)
            | Opportunity.bookmaker.contains(" / " + f.bookmaker + " / ")
        )
    if f.min_ev is not None:
        stmt = stmt.where(Opportunity.ev >= f.min_ev)
    if f.max_age_seconds is not None:
        stmt = stmt.where(Opportunity.quote_age_seconds <= f.max_age_seconds)
    if f.method:
        # The method picks which fair line +EV bets are measured against; arbitrage and middles have none.
        stmt = stmt.where((Opportunity.devig_method == f.method) | (Opportunity.kind != "ev"))
    if f.event_id is not None:
        stmt = stmt.where(Opportunity.event_id == f.event_id)
    return stmt


def list_opportunities(
    session: Session, f: OpportunityFilter, *, sort: str, offset: int, limit: int
) -> tuple[list[tuple[Opportunity, Event, Sport]], int]:
    stmt = _filtered(f)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(*SORTS[sort]).offset(offset).limit(limit)).all()
    return list(rows), int(total)


def get_opportunity(session: Session, opportunity_id: int) -> tuple[Opportunity, Event, Sport] | None:
    row = session.execute(
        select(Opportunity, Event, Sport)
        .join(Event, Event.id == Opportunity.event_id)
        .join(Sport, Sport.id == Event.sport_id)
        .where(Opportunity.id == opportunity_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None
