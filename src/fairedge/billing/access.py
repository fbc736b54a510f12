"""Who is asking and what their plan lets them see: the one dependency every data endpoint takes.

Resolves the caller (access token, API key, or nobody) to an :class:`Access`: the user (if any), the
effective plan (billing/plans.py) and the client IP the rate limiter and ``auth_failed`` use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from fairedge.billing.plans import Plan, plan_named
from fairedge.config import Settings
from fairedge.errors import Unauthorized


@dataclass(frozen=True)
class Access:
    plan: Plan
    client_ip: str
    user_id: int | None = None
    role: str | None = None
    api_key_id: int | None = None


def get_access(request: Request) -> Access:
    settings: Settings = request.app.state.settings
    client_ip = getattr(request.state, "client_ip", None) or (request.client.host if request.client else "")
    anonymous = settings.anonymous_plan
    if anonymous is None:
        raise Unauthorized("credentials required", headers={"WWW-Authenticate": "Bearer"})
    return Access(plan=plan_named(anonymous, settings), client_ip=client_ip)


AccessDep = Annotated[Access, Depends(get_access)]
