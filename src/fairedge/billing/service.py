"""Billing rules over accounts: each user's effective plan (the higher of a grant and a subscription)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from fairedge.billing.plans import Plan, effective_plan
from fairedge.billing.subscriptions import subscribed_plans
from fairedge.config import Settings
from fairedge.users import service as users
from fairedge.users.models import PlanGrant, User


def plans_of(
    session: Session, settings: Settings, people: Sequence[User], now: datetime
) -> dict[int, tuple[Plan, PlanGrant | None]]:
    """Each user's effective plan and live grant, with one query for the grants of them all and one for
    their subscriptions."""
    grants = users.active_grants(session, [u.id for u in people], now)
    subscribed = subscribed_plans(session, settings, [u.id for u in people], now)
    found: dict[int, tuple[Plan, PlanGrant | None]] = {}
    for user in people:
        grant = grants.get(user.id)
        granted = grant.plan if grant else None
        plan = effective_plan(settings, role=user.role, granted=granted, subscribed=subscribed.get(user.id))
        found[user.id] = (plan, grant)
    return found
