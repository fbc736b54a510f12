"""Billing's HTTP shapes: the plan page's subscription, checkout and portal redirects, the webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from fairedge.billing.subscriptions import SubscriptionView


class CheckoutIn(BaseModel):
    plan: Literal["pro", "elite"] = Field(description="The plan to subscribe to.")


class RedirectOut(BaseModel):
    url: str = Field(description="Send the browser here (Stripe's hosted page).")


class SubscriptionOut(BaseModel):
    billing_enabled: bool = Field(
        description="false: billing is off here (no Stripe key); plans are granted by hand."
    )
    plan: str | None = Field(description="The subscription's plan (pro, elite); null: no subscription.")
    status: str | None = Field(
        description="Stripe's status: active, trialing, past_due, canceled, unpaid, incomplete, "
        "incomplete_expired, paused; null: no subscription."
    )
    grants_plan: bool = Field(
        description="The subscription grants its plan now (active, trialing, or in grace)."
    )
    current_period_end: datetime | None = Field(description="End of the period paid for.")
    cancel_at_period_end: bool = Field(description="It ends at current_period_end and will not renew.")
    grace_ends_at: datetime | None = Field(
        description="past_due: the plan is kept until then unless a payment succeeds; null otherwise."
    )
    can_manage: bool = Field(description="The customer portal can open (a Stripe customer exists).")
    plans_for_sale: list[str] = Field(description="Plans a checkout may start here.")

    @classmethod
    def build(cls, view: SubscriptionView) -> SubscriptionOut:
        return cls(
            billing_enabled=view.billing_enabled,
            plan=view.plan,
            status=view.status,
            grants_plan=view.grants_plan,
            current_period_end=view.current_period_end,
            cancel_at_period_end=view.cancel_at_period_end,
            grace_ends_at=view.grace_ends_at,
            can_manage=view.can_manage,
            plans_for_sale=list(view.plans_for_sale),
        )


class WebhookOut(BaseModel):
    received: Literal[True] = True
    outcome: Literal["applied", "duplicate", "stale", "unlinked", "unknown", "ignored"] = Field(
        description="What the event did: applied; duplicate (seen before, nothing changed); stale (older "
        "than the last applied event of its subscription); unlinked (no FairEdge user known yet); unknown "
        "(its subscription is not known); ignored (a type or object FairEdge does not act on)."
    )
