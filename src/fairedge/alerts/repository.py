"""Every alerts query: alerts by owner, the deliveries' unique insert, claiming due deliveries, the log and
its retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fairedge.alerts.models import FINISHED_DELIVERY_STATUSES, Alert, AlertDelivery
from fairedge.users.models import User


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def add(session: Session, alert: Alert) -> Alert:
    session.add(alert)
    session.flush()
    return alert


def get(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def of_user(session: Session, user_id: int) -> Sequence[Alert]:
    return session.scalars(select(Alert).where(Alert.user_id == user_id).order_by(Alert.id)).all()


def count_of_user(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).where(Alert.user_id == user_id)) or 0)


def delete(session: Session, alert: Alert) -> None:
    session.delete(alert)
    session.flush()


def active_with_owners(session: Session) -> Sequence[tuple[Alert, User]]:
    """Active alerts of enabled users, oldest first (the plan's cap keeps the first ones)."""
    rows = session.execute(
        select(Alert, User)
        .join(User, User.id == Alert.user_id)
        .where(Alert.status == "active", User.disabled_at.is_(None))
        .order_by(Alert.user_id, Alert.id)
    ).all()
    return [(a, u) for a, u in rows]


def insert_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Pending deliveries, one per (alert, opportunity): a pair already recorded is left as it is."""
    if not rows:
        return 0
    dialect = _dialect(session)
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(AlertDelivery).values(list(rows))
    inserted = session.execute(
        stmt.on_conflict_do_nothing(index_elements=["alert_id", "opportunity_id"]).returning(
            AlertDelivery.id
        ),
        execution_options={"synchronize_session": False},
    )
    return len(inserted.all())  # rowcount is -1 for this statement on psycopg


def pairs_recorded(session: Session, opportunity_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(alert, opportunity) pairs already recorded for these opportunities."""
    found: set[tuple[int, int]] = set()
    for i in range(0, len(opportunity_ids), 5000):  # bound on bound parameters
        batch = opportunity_ids[i : i + 5000]
        rows = session.execute(
            select(AlertDelivery.alert_id, AlertDelivery.opportunity_id).where(
                AlertDelivery.opportunity_id.in_(batch)
            )
        )
        found.update((int(a), int(o)) for a, o in rows)
    return found


def claim_due(session: Session, now: datetime, lease_until: datetime, limit: int) -> Sequence[AlertDelivery]:
    """Pending deliveries of active alerts due at ``now``, at most ``limit``, oldest first; each is leased
    (its next attempt moved to ``lease_until``) so a concurrent run leaves it alone. PostgreSQL skips rows
    another run holds locked."""
    stmt = (
        select(AlertDelivery)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .where(
            AlertDelivery.status == "pending",
            AlertDelivery.next_attempt_at <= now,
            Alert.status == "active",
        )
        .order_by(AlertDelivery.id)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        stmt = stmt.with_for_update(of=AlertDelivery, skip_locked=True)
    claimed = session.scalars(stmt).all()
    for delivery in claimed:
        delivery.next_attempt_at = lease_until
    session.flush()
    return claimed


def alerts_by_id(session: Session, ids: Sequence[int]) -> dict[int, Alert]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(ids)))}


def deliveries_by_id(session: Session, ids: Sequence[int]) -> dict[int, AlertDelivery]:
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(ids)))}


def cancel_pending(session: Session, alert_id: int, reason: str) -> int:
    result = session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.alert_id == alert_id, AlertDelivery.status == "pending")
        .values(status="cancelled", next_attempt_at=None, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def deliveries_page(
    session: Session, alert_id: int, *, offset: int, limit: int
) -> tuple[int, Sequence[AlertDelivery]]:
    total = session.scalar(select(func.count()).where(AlertDelivery.alert_id == alert_id)) or 0
    rows = session.scalars(
        select(AlertDelivery)
        .where(AlertDelivery.alert_id == alert_id)
        .order_by(AlertDelivery.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return int(total), rows


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Alert.status, func.count()).group_by(Alert.status)).all()
    return {str(status): int(n) for status, n in rows}


def prune_deliveries(session: Session, matched_before: datetime, limit: int) -> int:
    """Delete at most ``limit`` finished deliveries that matched before ``matched_before`` (created_at is
    indexed); pending ones are never deleted."""
    batch = (
        select(AlertDelivery.id)
        .where(
            AlertDelivery.status.in_(FINISHED_DELIVERY_STATUSES),
            AlertDelivery.created_at < matched_before,
        )
        .limit(limit)
    )
    result = session.execute(
        sql_delete(AlertDelivery)
        .where(AlertDelivery.id.in_(batch.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
