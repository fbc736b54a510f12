"""HTTP where the account meets its plan: ``GET /api/me``, API keys (the plan sets how many) and the
administrators' user list (with each user's effective plan)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Query

from fairedge.api_schemas import ACCESS, BAD_BODY, NOT_FOUND, UNAVAILABLE, invalid
from fairedge.billing.access import AccessDep, LimiterDep
from fairedge.billing.schemas import AdminUserOut, AdminUserPage, GrantOut, KeyUsage, Me, PlanOut, RateUsage
from fairedge.billing.service import plans_of
from fairedge.deps import NowDep, PageDep, SessionDep, SettingsDep
from fairedge.users import preferences
from fairedge.users import service as users
from fairedge.users.deps import AdminUser, ClientIpDep, CurrentUser
from fairedge.users.preferences import Preferences, PreferencesPatch, preferences_of
from fairedge.users.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, Role, UserOut

router = APIRouter(tags=["account"], responses=UNAVAILABLE | ACCESS)


@router.get("/api/me", response_model=Me)
def get_me(
    user: CurrentUser,
    access: AccessDep,
    session: SessionDep,
    limiter: LimiterDep,
    now: NowDep,
) -> Me:
    """Who you are, your plan and its limits, and what you have used of them."""
    plan = access.plan
    requests = (
        RateUsage.build(limiter.usage("api", access.rate_identity, plan.rate_limit), time.time())
        if plan.rate_limit
        else None
    )
    return Me(
        user=UserOut.build(user),
        plan=PlanOut.build(plan),
        grant=GrantOut.build(users.active_grant(session, user.id, now)),
        requests=requests,
        api_keys=KeyUsage(
            live=len(users.list_api_keys(session, user, include_revoked=False)), allowed=plan.api_keys
        ),
        preferences=preferences_of(user),
    )


@router.patch("/api/me/preferences", response_model=Preferences, responses=BAD_BODY | invalid())
def update_preferences(body: PreferencesPatch, user: CurrentUser, session: SessionDep) -> Preferences:
    """Change your preferences: only the fields sent; null puts one back to its default
    (``default_filters``: key by key)."""
    return preferences.update_preferences(session, user.id, body)


@router.get("/api/keys", response_model=list[ApiKeyOut], responses=invalid())
def list_api_keys(
    user: CurrentUser, _access: AccessDep, session: SessionDep, include_revoked: bool = False
) -> list[ApiKeyOut]:
    """Your API keys (their prefixes, never the keys)."""
    return [ApiKeyOut.build(k) for k in users.list_api_keys(session, user, include_revoked=include_revoked)]


@router.post("/api/keys", status_code=201, response_model=ApiKeyCreated, responses=BAD_BODY | invalid())
def create_api_key(
    body: ApiKeyCreate,
    user: CurrentUser,
    access: AccessDep,
    session: SessionDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> ApiKeyCreated:
    """A new API key: the answer is the only time the key is shown. The plan sets how many you may hold."""
    key, raw = users.create_api_key(
        session,
        user,
        body.name,
        allowed=access.plan.api_keys,
        plan_name=access.plan.title,
        client_ip=client_ip,
        now=now,
    )
    return ApiKeyCreated(key=raw, **ApiKeyOut.build(key).model_dump())


@router.delete("/api/keys/{key_id}", response_model=ApiKeyOut, responses=NOT_FOUND | invalid())
def revoke_api_key(
    user: CurrentUser,
    _access: AccessDep,
    session: SessionDep,
    client_ip: ClientIpDep,
    now: NowDep,
    key_id: Annotated[int, Path(ge=1, le=2**62)],
) -> ApiKeyOut:
    """Revoke one of your keys; it stops working at once. Another user's key is a 404."""
    return ApiKeyOut.build(users.revoke_api_key(session, user, key_id, client_ip=client_ip, now=now))


@router.get("/api/admin/users", tags=["admin"], response_model=AdminUserPage, responses=invalid())
def list_users(
    _admin: AdminUser,
    _access: AccessDep,
    session: SessionDep,
    settings: SettingsDep,
    page: PageDep,
    now: NowDep,
    email: Annotated[str | None, Query(max_length=254, description="Part of the e-mail address.")] = None,
    role: Role | None = None,
) -> AdminUserPage:
    rows, total = users.list_users(session, email=email, role=role, offset=page.offset, limit=page.limit)
    plans = plans_of(session, settings, rows, now)
    items = []
    for user in rows:
        plan, grant = plans[user.id]
        shown = UserOut.build(user).model_dump()
        items.append(AdminUserOut(**shown, plan=plan.name, grant=GrantOut.build(grant)))
    return AdminUserPage(items=items, page=page.meta(total))
