"""Plans and accounts as billing shows them: the plan, its limits and the caller's usage."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from fairedge.billing.plans import Plan
from fairedge.kit.pagination import PageMeta
from fairedge.ratelimit import RateDecision
from fairedge.users.models import PlanGrant
from fairedge.users.preferences import Preferences
from fairedge.users.schemas import UserOut


class PlanOut(BaseModel):
    name: str
    title: str
    kinds: list[str] = Field(description="Opportunity kinds shown.")
    markets: list[str] | None = Field(description="Market keys shown; null: every market.")
    sports: list[str] | None = Field(description="Sport groups shown; null: every sport.")
    delay_seconds: float = Field(description="An opportunity is shown once it has been found this long ago.")
    max_results: int | None = Field(description="At most this many opportunities per list; null: no cap.")
    api_keys: int = Field(description="API keys the plan allows (0: no API access with keys).")
    rate_limit: str | None = Field(description="Requests allowed, e.g. 60/minute; null: unlimited.")

    @classmethod
    def build(cls, plan: Plan) -> PlanOut:
        return cls(
            name=plan.name,
            title=plan.title,
            kinds=sorted(plan.kinds),
            markets=sorted(plan.markets) if plan.markets is not None else None,
            sports=sorted(plan.sports) if plan.sports is not None else None,
            delay_seconds=plan.delay_seconds,
            max_results=plan.max_results,
            api_keys=plan.api_keys,
            rate_limit=plan.rate_limit,
        )


class GrantOut(BaseModel):
    plan: str
    expires_at: datetime | None
    reason: str | None
    created_at: datetime

    @classmethod
    def build(cls, grant: PlanGrant | None) -> GrantOut | None:
        if grant is None:
            return None
        return cls(
            plan=grant.plan, expires_at=grant.expires_at, reason=grant.reason, created_at=grant.created_at
        )


class RateUsage(BaseModel):
    limit: int
    remaining: int
    reset_seconds: float = Field(description="Seconds until the whole quota is back.")
    known: bool = Field(description="false while the limiter's store is unreachable (limits not enforced).")

    @classmethod
    def build(cls, decision: RateDecision, now_epoch: float) -> RateUsage:
        return cls(
            limit=decision.limit,
            remaining=decision.remaining,
            reset_seconds=max(0.0, round(decision.reset_at - now_epoch, 3)),
            known=not decision.degraded,
        )


class KeyUsage(BaseModel):
    live: int
    allowed: int


class Me(BaseModel):
    user: UserOut
    plan: PlanOut
    grant: GrantOut | None = Field(description="A plan granted by an operator, apart from any subscription.")
    requests: RateUsage | None = Field(description="This plan's request quota now; null: unlimited.")
    api_keys: KeyUsage
    preferences: Preferences = Field(description="The web app's preferences, defaults filled in.")


class AdminUserOut(UserOut):
    plan: str = Field(description="The effective plan.")
    grant: GrantOut | None


class AdminUserPage(BaseModel):
    items: list[AdminUserOut]
    page: PageMeta
