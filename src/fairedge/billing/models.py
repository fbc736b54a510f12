"""Stripe billing's tables: which Stripe customer is which user, each subscription's state, every event seen.

A subscription row holds what the last applied event said (status, plan, period end, cancel at period end)
and that event's ``created`` time: an older event arriving later is ignored, so a late delivery never rolls a
subscription back. ``payment_failed_at`` starts the grace period; whether the plan is still granted is
decided when read (``STRIPE_GRACE_DAYS`` after it), never stored. Each webhook event id is stored once, with
what it did: a replay changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, BigIntId

USERS_ID = "auth.users.id"


class StripeCustomer(Base):
    """The Stripe customer a user paid as (from the Checkout Session that carried their id)."""

    __tablename__ = "billing_customers"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey(USERS_ID, ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Subscription(Base):
    __tablename__ = "billing_subscriptions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(64), unique=True)  # sub_…
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    # None until the user is known (an event may name the customer before the checkout that links it).
    user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey(USERS_ID, ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(24))  # Stripe's: active, trialing, past_due, canceled…
    plan: Mapped[str | None] = mapped_column(String(16))  # from the price; None: a price we cannot place
    price_id: Mapped[str | None] = mapped_column(String(64))
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_failed_at: Mapped[datetime | None]  # the first failure of the current dunning; None when paid
    last_event_at: Mapped[datetime]  # `created` of the last event applied
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookEvent(Base):
    """One row per Stripe event id: a duplicate delivery finds it and does nothing."""

    __tablename__ = "billing_webhook_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]  # the event's `created`
    received_at: Mapped[datetime] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(24))  # applied, stale, unlinked, unknown, ignored
    subscription_id: Mapped[str | None] = mapped_column(String(64))
