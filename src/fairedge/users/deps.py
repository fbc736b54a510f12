"""Who is calling: credentials from the request resolved once per request.

An access token (``Authorization: Bearer <jwt>``) or an API key (``X-API-Key: fe_…``, or
``Authorization: Bearer fe_…``). API keys reach the data endpoints; managing an account (keys, password,
administration) takes a logged-in session, so a leaked key cannot mint more keys or lock its owner out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated

import anyio
import structlog
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from fairedge.db.session import SessionDep
from fairedge.deps import NowDep
from fairedge.errors import Forbidden, Unauthorized
from fairedge.users import service
from fairedge.users.models import ApiKey, User
from fairedge.users.security import is_api_key
from fairedge.users.service import BEARER, Accounts


async def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.runtime.accounts
    return accounts


async def get_client_ip(request: Request) -> str:
    """The client's address: the peer, or X-Forwarded-For's when the peer is a trusted proxy (middleware)."""
    found = getattr(request.state, "client_ip", None)
    return str(found) if found else (request.client.host if request.client else "unknown")


AccountsDep = Annotated[Accounts, Depends(get_accounts)]
ClientIpDep = Annotated[str, Depends(get_client_ip)]


@dataclass(frozen=True)
class Caller:
    user: User | None = None
    api_key: ApiKey | None = None
    granted_plan: str | None = None  # the user's live manual grant, read with the user


# Declared as security schemes so the OpenAPI document (and /docs' Authorize button) knows both ways in.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


async def _resolve_caller(
    session: SessionDep,
    accounts: AccountsDep,
    client_ip: ClientIpDep,
    now: NowDep,
    bearer: Annotated[str | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Caller:
    # Async: a request without credentials costs no worker thread; a credential is checked in one.
    credential = (header_key or bearer or "").strip() or None
    if credential is None:
        return Caller()
    if is_api_key(credential):
        identify = partial(service.identify_by_api_key, session, credential, client_ip=client_ip, now=now)
    else:
        identify = partial(
            service.identify_by_access_token, session, accounts, credential, client_ip=client_ip, now=now
        )
    identity = await anyio.to_thread.run_sync(identify)
    return Caller(identity.user, identity.api_key, identity.granted_plan)


async def get_caller(request: Request, caller: Annotated[Caller, Depends(_resolve_caller)]) -> Caller:
    """The caller, named in every log line of the rest of the request. Bound here, in the request's own
    context: a binding made inside a sync dependency's worker thread would stay in that thread."""
    if caller.user is not None:
        request.state.user_id = caller.user.id  # the request log line names the user
        structlog.contextvars.bind_contextvars(user_id=caller.user.id)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_current_user(caller: CallerDep) -> User:
    if caller.user is None:
        raise Unauthorized("log in first", headers=BEARER)
    if caller.api_key is not None:
        raise Forbidden("API keys reach the data endpoints; log in to manage the account")
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin(user: CurrentUser) -> User:
    if user.role != "admin":
        raise Forbidden("administrators only")
    return user


AdminUser = Annotated[User, Depends(get_admin)]
