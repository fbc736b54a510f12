"""What a subscription is worth now: its plan (from the price), whether it still grants it, and the gauges.

A subscription grants its plan while Stripe says ``active`` or ``trialing``, and while ``past_due`` for
``STRIPE_GRACE_DAYS`` after the first failed payment; ``canceled``, ``unpaid``, ``incomplete``,
``incomplete_expired`` and ``paused`` grant nothing (the user falls back to free, or to a manual grant:
plans.effective_plan takes the higher of the two, so billing never cancels a grant). All of it is decided
when read, from the stored instants: the grace period ends on time even if no webhook arrives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairedge.billing import repository
from fairedge.billing.models import Subscription
from fairedge.billing.plans import SOLD_PLANS
from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.errors import ConfigurationError
from fairedge.kit.timeutil import Clock, utcnow
from fairedge.observability import metrics

GRANTING = frozenset({"active", "trialing"})
# Stripe's statuses, `lapsed` (past_due beyond the grace period) and `other` (a status Stripe adds later).
STATUSES = (
    "active",
    "trialing",
    "past_due",
    "lapsed",
    "unpaid",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "paused",
    "other",
)
PAID_PLANS = tuple(name for name in SOLD_PLANS if name != "free")


def price_refs(settings: Settings) -> dict[str, str]:
    """STRIPE_PRICES as {plan: price id or lookup key}; a typo stops the caller with the setting named."""
    found: dict[str, str] = {}
    for entry in settings.STRIPE_PRICES:
        plan, sep, ref = entry.partition(":")
        plan, ref = plan.strip(), ref.strip()
        if not sep or plan not in PAID_PLANS or not ref:
            raise ConfigurationError(
                f"STRIPE_PRICES entry {entry!r}: expected plan:price (plan one of {', '.join(PAID_PLANS)})"
            )
        found[plan] = ref
    return found


def plan_of_price(settings: Settings, price: Mapping[str, Any] | None) -> str | None:
    """The price's ``metadata.tier``, else the plan STRIPE_PRICES maps its id or lookup key to."""
    if not price:
        return None
    tier = (price.get("metadata") or {}).get("tier")
    if tier in SOLD_PLANS:
        return str(tier)
    names = {price.get("id"), price.get("lookup_key")} - {None}
    for plan, ref in price_refs(settings).items():
        if ref in names:
            return plan
    return None


def grace_ends(subscription: Subscription, settings: Settings) -> datetime | None:
    """When a past_due subscription stops granting its plan (None unless past_due)."""
    if subscription.status != "past_due":
        return None
    started = subscription.payment_failed_at or subscription.last_event_at
    return started + timedelta(days=settings.STRIPE_GRACE_DAYS)


def grants(subscription: Subscription, settings: Settings, now: datetime) -> bool:
    if subscription.plan not in PAID_PLANS:
        return False
    if subscription.status in GRANTING:
        return True
    ends = grace_ends(subscription, settings)
    return ends is not None and now < ends


def health_status(subscription: Subscription, settings: Settings, now: datetime) -> str:
    """The gauge's status: Stripe's, with past_due beyond the grace period as ``lapsed``."""
    if subscription.status == "past_due" and not grants(subscription, settings, now):
        return "lapsed"
    return subscription.status if subscription.status in STATUSES else "other"


def _rank(name: str | None) -> int:
    return PAID_PLANS.index(name) if name in PAID_PLANS else -1


def subscribed_plans(
    session: Session, settings: Settings, user_ids: Sequence[int], now: datetime
) -> dict[int, str | None]:
    """Each user's best plan granted by a subscription now (None: none grants one), in one query."""
    found: dict[int, str | None] = {}
    for user_id, rows in repository.subscriptions_of(session, user_ids).items():
        granted = [row.plan for row in rows if grants(row, settings, now)]
        found[user_id] = max(granted, key=_rank) if granted else None
    return found


def subscribed_plan(session: Session, settings: Settings, user_id: int, now: datetime) -> str | None:
    """The plan a subscription grants the user now: what ``effective_plan(subscribed=…)`` takes."""
    return subscribed_plans(session, settings, [user_id], now)[user_id]


@dataclass(frozen=True)
class SubscriptionView:
    billing_enabled: bool
    plan: str | None
    status: str | None
    grants_plan: bool
    current_period_end: datetime | None
    cancel_at_period_end: bool
    grace_ends_at: datetime | None
    can_manage: bool  # a Stripe customer exists: the customer portal can open
    plans_for_sale: tuple[str, ...]


def view(session: Session, settings: Settings, user_id: int, now: datetime) -> SubscriptionView:
    """The user's subscription as the plan page shows it: the one granting the best plan, else the latest."""
    rows = repository.subscriptions_of(session, [user_id])[user_id]
    granting = sorted(
        (r for r in rows if grants(r, settings, now)),
        key=lambda r: _rank(r.plan),
        reverse=True,
    )
    shown = granting[0] if granting else (rows[0] if rows else None)
    enabled = settings.STRIPE_SECRET_KEY is not None
    for_sale = tuple(plan for plan in PAID_PLANS if plan in price_refs(settings)) if enabled else ()
    if shown is None:
        return SubscriptionView(
            enabled,
            None,
            None,
            False,
            None,
            False,
            None,
            _can_manage(session, enabled, user_id),
            for_sale,
        )
    return SubscriptionView(
        billing_enabled=enabled,
        plan=shown.plan,
        status=shown.status,
        grants_plan=bool(granting),
        current_period_end=shown.current_period_end,
        cancel_at_period_end=shown.cancel_at_period_end,
        grace_ends_at=grace_ends(shown, settings),
        can_manage=_can_manage(session, enabled, user_id),
        plans_for_sale=for_sale,
    )


def _can_manage(session: Session, enabled: bool, user_id: int) -> bool:
    return enabled and repository.customer_of(session, user_id) is not None


class SubscriptionGauges:
    """``fairedge_subscriptions{plan,status}`` from the database: a probe reading (HEALTH_PROBE_SECONDS) of
    every API process, so the gauge is true whichever process received the webhooks, and a grace period
    that ends moves a subscription to ``lapsed`` with no event at all. Every plan and status is set, zeros
    included: a series that empties reads 0, not its last value."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        clock: Clock = utcnow,
    ):
        self._session_factory = session_factory
        self._settings = settings
        self._clock = clock

    def counts(self) -> dict[tuple[str, str], int]:
        now = self._clock()
        counts = {(plan, status): 0 for plan in (*PAID_PLANS, "unknown") for status in STATUSES}
        with session_scope(self._session_factory) as session:
            for plan, status, n in repository.counts_by_plan_and_status(session):
                if status == "past_due":
                    continue  # split below by grace left
                key = (
                    plan if plan in PAID_PLANS else "unknown",
                    status if status in STATUSES else "other",
                )
                counts[key] += n
            for row in repository.past_due(session):
                plan = row.plan if row.plan in PAID_PLANS else "unknown"
                counts[(plan, health_status(row, self._settings, now))] += 1
        return counts

    def read(self) -> None:
        for (plan, status), n in self.counts().items():
            metrics.SUBSCRIPTIONS.labels(plan=plan, status=status).set(n)
