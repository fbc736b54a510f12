"""Who is calling: credentials from the request resolved once per request.

An access token (``Authorization: Bearer <jwt>``) or an API key (``X-API-Key: fe_…``, or
``Authorization: Bearer fe_…``). API keys reach the data endpoints; managing an account (keys, password,
administration) takes a logged-in session, so a leaked key cannot mint more keys or lock its owner out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import anyio
import structlog
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from fairedge.db.session import SessionDep, SessionOpener, held
from fairedge.errors import Forbidden, Unauthorized
from fairedge.users import service
from fairedge.users.models import ApiKey, User
from fairedge.users.security import digest, is_api_key
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


async def credential_of(request: Request) -> str | None:
    """The request's credential as the two security schemes read it (X-API-Key first, then Bearer)."""
    return credential_from(await bearer_scheme(request), await api_key_scheme(request))


def credential_from(bearer: str | None, header_key: str | None) -> str | None:
    return (header_key or bearer or "").strip() or None


async def caller_of(request: Request, credential: str | None, sessions: SessionOpener) -> Caller:
    """The caller ``credential`` names (None: nobody), named in every log line of the rest of the request.

    Async: a request without credentials, or with an API key this process identified within
    ``API_KEY_CACHE_SECONDS``, costs no worker thread and no session; any other credential is read from the
    database in a worker thread, with a session from ``sessions``. An API key's requests in flight when its
    identity runs out share one read. Logs are bound here, in the request's own context: a binding made
    inside a worker thread would stay in that thread.
    """
    if credential is None:
        return ANONYMOUS
    runtime = request.app.state.runtime
    accounts: Accounts = runtime.accounts
    client_ip = client_ip_of(request)

    async def read(identify: Callable[[Session], service.Identity]) -> service.Identity:
        async with sessions() as session:
            return await anyio.to_thread.run_sync(identify, session)

    if is_api_key(credential):

        async def read_key() -> service.Identity:
            now = runtime.clock()
            known = service.known_api_key(accounts, credential, now)  # a read that just ended
            if known is not None:
                return known
            return await read(
                lambda session: service.identify_by_api_key(
                    session, credential, client_ip=client_ip, now=now, accounts=accounts
                )
            )

        identity = service.known_api_key(accounts, credential, runtime.clock())
        if identity is None:
            identity = await accounts.api_key_reads.run(digest(credential), read_key)
    else:
        identity = await read(
            lambda session: service.identify_by_access_token(
                session, accounts, credential, client_ip=client_ip, now=runtime.clock()
            )
        )
    request.state.user_id = identity.user.id  # the request log line names the user
    structlog.contextvars.bind_contextvars(user_id=identity.user.id)
    return Caller(identity.user, identity.api_key, identity.granted_plan)


async def get_caller(
    request: Request,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Caller:
    """The caller, with the request's session. Every data request walks this (twice: the routers' plan check
    and the endpoint's ``AccessDep``), so it takes only what it cannot read from the app itself: no further
    dependencies to solve."""
    return await caller_of(request, credential_from(bearer, header_key), held(session))


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
