"""Every billing query, and the one SQLite/PostgreSQL difference billing has (insert-if-absent)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairedge.billing.models import StripeCustomer, Subscription, WebhookEvent


def _insert_if_absent(session: Session, model: type[Any], values: dict[str, Any], key: str) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: True when this call inserted the row. Two concurrent deliveries of
    one event: PostgreSQL holds the second until the first commits, then it conflicts."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(getattr(model, key))  # rowcount is not reliable here (psycopg answers -1)
    )
    return session.execute(statement).first() is not None


def record_event(
    session: Session,
    *,
    event_id: str,
    type_: str,
    created_at: datetime,
    received_at: datetime,
    subscription_id: str | None,
) -> bool:
    """Store an event id once; False when it was stored before (a replay or a duplicate delivery)."""
    return _insert_if_absent(
        session,
        WebhookEvent,
        {
            "event_id": event_id,
            "type": type_,
            "created_at": created_at,
            "received_at": received_at,
            "outcome": "received",
            "subscription_id": subscription_id,
        },
        "event_id",
    )


def set_event_outcome(session: Session, event_id: str, outcome: str) -> None:
    session.execute(update(WebhookEvent).where(WebhookEvent.event_id == event_id).values(outcome=outcome))


def subscription_for_update(session: Session, subscription_id: str) -> Subscription | None:
    """The subscription, locked until the transaction ends (PostgreSQL; SQLite has one writer anyway)."""
    return session.scalars(
        select(Subscription).where(Subscription.subscription_id == subscription_id).with_for_update()
    ).one_or_none()


def create_subscription(session: Session, values: dict[str, Any]) -> Subscription:
    """A new subscription row (or the one a concurrent event just created), locked."""
    _insert_if_absent(session, Subscription, values, "subscription_id")
    found = subscription_for_update(session, values["subscription_id"])
    assert found is not None  # inserted now or by the concurrent event the conflict waited for
    session.refresh(found)
    return found


def customer_user(session: Session, customer_id: str) -> int | None:
    return session.scalar(select(StripeCustomer.user_id).where(StripeCustomer.customer_id == customer_id))


def customer_of(session: Session, user_id: int) -> str | None:
    return session.scalar(select(StripeCustomer.customer_id).where(StripeCustomer.user_id == user_id))


def link_customer(session: Session, user_id: int, customer_id: str, now: datetime) -> None:
    """The user pays as ``customer_id`` (their latest checkout's customer)."""
    found = session.get(StripeCustomer, user_id, with_for_update=True)
    if found is None:
        session.add(StripeCustomer(user_id=user_id, customer_id=customer_id, created_at=now, updated_at=now))
    elif found.customer_id != customer_id:
        found.customer_id = customer_id
        found.updated_at = now
    session.flush()


def link_subscriptions(session: Session, customer_id: str, user_id: int, now: datetime) -> int:
    """Subscriptions of the customer that arrived before their user was known now name the user."""
    result = session.execute(
        update(Subscription)
        .where(Subscription.customer_id == customer_id, Subscription.user_id.is_(None))
        .values(user_id=user_id, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def subscriptions_of(session: Session, user_ids: Sequence[int]) -> dict[int, list[Subscription]]:
    """Each user's subscriptions, most recently changed first, in one query."""
    found: dict[int, list[Subscription]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    rows = session.scalars(
        select(Subscription)
        .where(Subscription.user_id.in_(list(user_ids)))
        .order_by(Subscription.last_event_at.desc(), Subscription.id.desc())
    )
    for row in rows:
        if row.user_id is not None:
            found[row.user_id].append(row)
    return found


def counts_by_plan_and_status(session: Session) -> list[tuple[str | None, str, int]]:
    rows = session.execute(
        select(Subscription.plan, Subscription.status, func.count()).group_by(
            Subscription.plan, Subscription.status
        )
    ).all()
    return [(plan, status, int(n)) for plan, status, n in rows]


def past_due(session: Session) -> Sequence[Subscription]:
    """Subscriptions in dunning (the gauges split them by grace left)."""
    return session.scalars(select(Subscription).where(Subscription.status == "past_due")).all()
