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
from fairedge.errors import Forbidden, Unauthorized
from fairedge.users import service
from fairedge.users.models import ApiKey, User
from fairedge.users.security import is_api_key
from fairedge.users.service import BEARER, Accounts


async def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.runtime.accounts
    return accounts


def client_ip_of(request: Request) -> str:
    """The client's address: the peer, or X-Forwarded-For's when the peer is a trusted proxy (middleware)."""
    found = getattr(request.state, "client_ip", None)
    return str(found) if found else (request.client.host if request.client else "unknown")


async def get_client_ip(request: Request) -> str:
    return client_ip_of(request)


AccountsDep = Annotated[Accounts, Depends(get_accounts)]
ClientIpDep = Annotated[str, Depends(get_client_ip)]


@dataclass(frozen=True)
class Caller:
    user: User | None = None
    api_key: ApiKey | None = None
    granted_plan: str | None = None  # the user's live manual grant, read with the user


ANONYMOUS = Caller()


# Declared as security schemes so the OpenAPI document (and /docs' Authorize button) knows both ways in.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_caller(
    request: Request,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Caller:
    """The caller, named in every log line of the rest of the request.

    Every data request walks this (twice: the routers' plan check and the endpoint's ``AccessDep``), so
    it takes only what it cannot read from the app itself: no further dependencies to solve. Async: a
    request without credentials, or with an API key this process saw within ``API_KEY_CACHE_SECONDS``,
    costs no worker thread; any other credential is checked in one. Logs are bound here, in the request's
    own context: a binding made inside a worker thread would stay in that thread.
    """
    credential = (header_key or bearer or "").strip() or None
    if credential is None:
        return ANONYMOUS
    runtime = request.app.state.runtime
    accounts: Accounts = runtime.accounts
    now = runtime.clock()
    identity = service.known_api_key(accounts, credential, now) if is_api_key(credential) else None
    if identity is None:
        client_ip = client_ip_of(request)
        if is_api_key(credential):
            identify = partial(
                service.identify_by_api_key,
                session,
                credential,
                client_ip=client_ip,
                now=now,
                accounts=accounts,
            )
        else:
            identify = partial(
                service.identify_by_access_token, session, accounts, credential, client_ip=client_ip, now=now
            )
        identity = await anyio.to_thread.run_sync(identify)
    request.state.user_id = identity.user.id  # the request log line names the user
    structlog.contextvars.bind_contextvars(user_id=identity.user.id)
    return Caller(identity.user, identity.api_key, identity.granted_plan)


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
