"""Every query of the feed's state: the credit ledger, each sport's plan, the pause row (``odds_feed_state``).

Upserts differ between SQLite and PostgreSQL: that lives here. Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairedge.odds.models import CreditSpend, FeedSport, FeedState

STATE_ID = 1


def _insert(session: Session, table: Any) -> Any:
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)


# --- credits -----------------------------------------------------------------------------------------------


def credits_spent(session: Session, *, since: date, today: date) -> tuple[int, int]:
    """Credits spent from ``since`` to ``today`` included, and today."""
    month, day = session.execute(
        select(
            func.coalesce(func.sum(CreditSpend.credits), 0),
            func.coalesce(func.sum(CreditSpend.credits).filter(CreditSpend.day == today), 0),
        ).where(CreditSpend.day >= since, CreditSpend.day <= today)
    ).one()
    return int(month), int(day)


def add_credits(session: Session, day: date, credits: int) -> None:
    stmt = _insert(session, CreditSpend).values(day=day, credits=credits, calls=1)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["day"],
            set_={"credits": CreditSpend.credits + stmt.excluded.credits, "calls": CreditSpend.calls + 1},
        )
    )


# --- the state row -----------------------------------------------------------------------------------------


def state(session: Session, *, for_update: bool = False) -> FeedState:
    """The state row, created empty the first time."""
    session.execute(_insert(session, FeedState).values(id=STATE_ID, refused_keys={}).on_conflict_do_nothing())
    stmt = select(FeedState).where(FeedState.id == STATE_ID)
    return session.execute(stmt.with_for_update() if for_update else stmt).scalar_one()


def read_state(session: Session) -> FeedState | None:
    """The state row as it is, None before anything wrote it (readers never write)."""
    return session.get(FeedState, STATE_ID)


def update_state(session: Session, **values: Any) -> None:
    state(session)
    session.execute(update(FeedState).where(FeedState.id == STATE_ID).values(**values))


# --- sports ------------------------------------------------------------------------------------------------


def feed_sports(session: Session) -> list[FeedSport]:
    return list(session.execute(select(FeedSport).order_by(FeedSport.sport_key)).scalars())


def save_sports(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert the plans (``tracked_since`` and ``last_refresh_at`` kept) and drop the sports not listed."""
    keys = [row["sport_key"] for row in rows]
    session.execute(delete(FeedSport).where(FeedSport.sport_key.not_in(keys)))
    if not rows:
        return
    stmt = _insert(session, FeedSport).values(list(rows))
    kept = {"sport_key", "tracked_since", "last_refresh_at"}
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["sport_key"],
            set_={name: getattr(stmt.excluded, name) for name in rows[0] if name not in kept},
        )
    )


def sport_refreshed(session: Session, sport: str, now: datetime) -> None:
    session.execute(update(FeedSport).where(FeedSport.sport_key == sport).values(last_refresh_at=now))
