"""Who is asking and what their plan lets them do: the one dependency every data endpoint takes.

Resolves the caller (access token, API key, or nobody) to an :class:`Access`: the user (if any), the
effective plan (plans.py) and the client IP, and spends one request of the plan's rate limit. The bucket is
the user's, whether the request came with a session or any of their API keys (more keys are not more
requests), or the client IP for anonymous requests. Responses carry ``RateLimit-*``; a refusal is a 429 with
``Retry-After``. The limiter fails open here: a cache outage must not take the data API down.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request, Response

from fairedge.billing.plans import Plan, effective_plan, plan_named
from fairedge.config import Settings
from fairedge.errors import PlanLimitReached, Unauthorized
from fairedge.observability import metrics
from fairedge.ratelimit import RateDecision, RateLimiter
from fairedge.users.deps import Caller, CallerDep, client_ip_of
from fairedge.users.service import BEARER


@dataclass(frozen=True)
class Access:
    plan: Plan
    client_ip: str
    user_id: int | None = None
    role: str | None = None
    api_key_id: int | None = None
    rate: RateDecision | None = None  # what this request spent, for the ``RateLimit-*`` headers

    def rate_headers(self) -> dict[str, str]:
        return {} if self.rate is None else self.rate.headers()

    @property
    def rate_identity(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else f"ip:{self.client_ip}"


async def get_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.runtime.limiter
    return limiter


LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]


async def get_access(request: Request, response: Response, caller: CallerDep) -> Access:
    """Walked twice by every data request (the routers' plan check and the endpoint's ``AccessDep``; FastAPI
    calls it once but solves its dependencies each time): it depends on the caller only and reads the
    settings, client IP and limiter from the app, so the second walk is short."""
    access = await access_of(request, caller)
    response.headers.update(access.rate_headers())
    return access


async def access_of(request: Request, caller: Caller) -> Access:
    """The caller's plan, and one request spent from its rate limit (429 when none is left)."""
    settings: Settings = request.app.state.settings
    client_ip = client_ip_of(request)
    if caller.user is None:
        anonymous = settings.anonymous_plan
        if anonymous is None:
            raise Unauthorized(
                "credentials required: an access token or an API key (X-API-Key)", headers=BEARER
            )
        access = Access(plan=plan_named(anonymous, settings), client_ip=client_ip)
    else:
        user = caller.user
        subscribed = await request.app.state.subscribed.plan_of(user.id)
        plan = effective_plan(settings, role=user.role, granted=caller.granted_plan, subscribed=subscribed)
        if caller.api_key is not None and plan.api_keys == 0:
            raise PlanLimitReached(
                f"the {plan.title} plan does not include API access; use the web app or upgrade",
                details={"plan": plan.name},
            )
        access = Access(
            plan=plan,
            client_ip=client_ip,
            user_id=user.id,
            role=user.role,
            api_key_id=caller.api_key.id if caller.api_key else None,
        )
    metrics.API_REQUESTS_BY_PLAN.labels(plan=access.plan.name).inc()
    if access.plan.rate_limit is None:
        return access
    # Spent in the event loop (async Redis, the limiter's timeouts and breaker): no worker thread.
    limiter: RateLimiter = request.app.state.runtime.limiter
    decision = await limiter.ahit("api", access.rate_identity, access.plan.rate_limit)
    return replace(access, rate=decision)


AccessDep = Annotated[Access, Depends(get_access)]
