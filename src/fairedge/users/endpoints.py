"""HTTP for accounts: sessions, passwords, API keys (list, revoke), role and audit administration.

The web app's session is an httpOnly cookie holding the refresh token (path /api/auth, SameSite=Strict,
Secure in production) plus a readable CSRF cookie; a request authenticated by the refresh cookie must echo
the CSRF cookie in ``X-CSRF-Token`` (double submit). Access tokens travel in ``Authorization`` only, so
nothing else the cookie could authenticate.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, Response

from fairedge.api_schemas import (
    BAD_BODY,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    RATE_LIMITED,
    UNAUTHORIZED,
    UNAVAILABLE,
    invalid,
)
from fairedge.deps import NowDep, PageDep, SessionDep
from fairedge.errors import Forbidden, Unauthorized
from fairedge.users import service
from fairedge.users.deps import AccountsDep, AdminUser, ClientIpDep, CurrentUser
from fairedge.users.schemas import (
    Accepted,
    AuditEventOut,
    AuditPage,
    Credentials,
    EmailOnly,
    PasswordChange,
    PasswordReset,
    RefreshRequest,
    Registration,
    TokenOnly,
    TokenPair,
    UserOut,
    UserUpdate,
)
from fairedge.users.security import new_token
from fairedge.users.service import BEARER, IssuedSession

REFRESH_COOKIE = "fairedge_refresh"
CSRF_COOKIE = "fairedge_csrf"
CSRF_HEADER = "x-csrf-token"

auth_router = APIRouter(prefix="/api/auth", tags=["auth"], responses=UNAVAILABLE | RATE_LIMITED | BAD_BODY)
keys_router = APIRouter(
    prefix="/api/keys", tags=["account"], responses=UNAVAILABLE | UNAUTHORIZED | FORBIDDEN
)
admin_router = APIRouter(
    prefix="/api/admin", tags=["admin"], responses=UNAVAILABLE | UNAUTHORIZED | FORBIDDEN
)


def _issue_response(
    issued: IssuedSession, response: Response, accounts: AccountsDep, *, use_cookie: bool
) -> TokenPair:
    """The token pair; with ``use_cookie`` the refresh token goes into the httpOnly cookie instead."""
    if use_cookie:
        secure = accounts.settings.is_production
        max_age = int((issued.refresh_expires_at - issued.access_expires_at).total_seconds())
        response.set_cookie(
            REFRESH_COOKIE,
            issued.refresh_token,
            max_age=max_age,
            path="/api/auth",
            httponly=True,
            secure=secure,
            samesite="strict",
        )
        response.set_cookie(
            CSRF_COOKIE,
            new_token(),
            max_age=max_age,
            path="/",
            httponly=False,
            secure=secure,
            samesite="strict",
        )
    return TokenPair(
        access_token=issued.access_token,
        expires_in=int(accounts.signer.lifetime.total_seconds()),
        refresh_token=None if use_cookie else issued.refresh_token,
        refresh_expires_at=issued.refresh_expires_at,
    )


@auth_router.post(
    "/register", status_code=202, response_model=Accepted, responses=invalid("a password equal to the e-mail")
)
def register(body: Registration, session: SessionDep, accounts: AccountsDep, now: NowDep) -> Accepted:
    service.register(session, accounts, body.email, body.password, now=now)
    return Accepted(message="check your mailbox for a link to confirm the address")


@auth_router.post(
    "/verify-email", response_model=UserOut, responses=invalid("a token invalid, used or expired")
)
def verify_email(body: TokenOnly, session: SessionDep, now: NowDep) -> UserOut:
    return UserOut.build(service.verify_email(session, body.token, now=now))


@auth_router.post("/verify-email/resend", status_code=202, response_model=Accepted, responses=invalid())
def resend_verification(body: EmailOnly, session: SessionDep, accounts: AccountsDep, now: NowDep) -> Accepted:
    service.resend_verification(session, accounts, body.email, now=now)
    return Accepted(message="if the address has an unconfirmed account, a new link is on its way")


@auth_router.post("/login", response_model=TokenPair, responses=UNAUTHORIZED | FORBIDDEN | invalid())
def login(
    body: Credentials,
    response: Response,
    session: SessionDep,
    accounts: AccountsDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> TokenPair:
    issued = service.login(session, accounts, body.email, body.password, client_ip=client_ip, now=now)
    return _issue_response(issued, response, accounts, use_cookie=body.use_cookie)


@auth_router.post("/token", response_model=TokenPair, responses=UNAUTHORIZED | FORBIDDEN | invalid())
def token(
    username: Annotated[str, Form(min_length=1, max_length=254, description="The e-mail address.")],
    password: Annotated[str, Form(min_length=1, max_length=128)],
    response: Response,
    session: SessionDep,
    accounts: AccountsDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> TokenPair:
    """The OAuth2 password flow (``username`` is the e-mail), so /docs can log in; other OAuth2 form
    fields (grant_type, scope, client_id) are accepted and ignored."""
    issued = service.login(session, accounts, username, password, client_ip=client_ip, now=now)
    return _issue_response(issued, response, accounts, use_cookie=False)


def _refresh_token_from(request: Request, body: RefreshRequest | None) -> tuple[str, bool]:
    """The presented refresh token and whether it came from the cookie (which then needs CSRF proof)."""
    if body is not None and body.refresh_token:
        return body.refresh_token, False
    cookie = request.cookies.get(REFRESH_COOKIE)
    if not cookie:
        raise Unauthorized("no refresh token: send refresh_token, or the session cookie", headers=BEARER)
    sent, expected = request.headers.get(CSRF_HEADER, ""), request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the X-CSRF-Token header must repeat the fairedge_csrf cookie")
    return cookie, True


@auth_router.post("/refresh", response_model=TokenPair, responses=UNAUTHORIZED | FORBIDDEN | invalid())
def refresh(
    request: Request,
    response: Response,
    session: SessionDep,
    accounts: AccountsDep,
    client_ip: ClientIpDep,
    now: NowDep,
    body: RefreshRequest | None = None,
) -> TokenPair:
    presented, from_cookie = _refresh_token_from(request, body)
    issued = service.refresh(session, accounts, presented, client_ip=client_ip, now=now)
    return _issue_response(issued, response, accounts, use_cookie=from_cookie)


@auth_router.post("/logout", status_code=204, responses=UNAUTHORIZED | FORBIDDEN | invalid())
def logout(
    request: Request, session: SessionDep, now: NowDep, body: RefreshRequest | None = None
) -> Response:
    presented, _ = _refresh_token_from(request, body)
    service.logout(session, presented, now=now)
    response = Response(status_code=204)
    response.delete_cookie(REFRESH_COOKIE, path="/api/auth")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@auth_router.post("/password", response_model=TokenPair, responses=UNAUTHORIZED | FORBIDDEN | invalid())
def change_password(
    body: PasswordChange,
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    accounts: AccountsDep,
    client_ip: ClientIpDep,
    now: NowDep,
) -> TokenPair:
    """Change the password: every other session and access token ends; this client gets a new session."""
    issued = service.change_password(
        session, accounts, user, body.current_password, body.new_password, client_ip=client_ip, now=now
    )
    return _issue_response(issued, response, accounts, use_cookie=REFRESH_COOKIE in request.cookies)


@auth_router.post("/password-reset", status_code=202, response_model=Accepted, responses=invalid())
def request_password_reset(
    body: EmailOnly, session: SessionDep, accounts: AccountsDep, client_ip: ClientIpDep, now: NowDep
) -> Accepted:
    service.request_password_reset(session, accounts, body.email, client_ip=client_ip, now=now)
    return Accepted(message="if the address has an account, a reset link is on its way")


@auth_router.post(
    "/password-reset/confirm", response_model=UserOut, responses=invalid("a token invalid, used or expired")
)
def reset_password(body: PasswordReset, session: SessionDep, client_ip: ClientIpDep, now: NowDep) -> UserOut:
    """Set a new password from a mailed token: every session of the account ends; log in again."""
    return UserOut.build(
        service.reset_password(session, body.token, body.new_password, client_ip=client_ip, now=now)
    )


@admin_router.patch(
    "/users/{user_id}", response_model=UserOut, responses=NOT_FOUND | CONFLICT | BAD_BODY | invalid()
)
def update_user(
    body: UserUpdate,
    admin: AdminUser,
    session: SessionDep,
    client_ip: ClientIpDep,
    now: NowDep,
    user_id: Annotated[int, Path(ge=1, le=2**62)],
) -> UserOut:
    """Change a user's role or disable them (every session and API key stops at once); audited."""
    user = service.get_user(session, user_id)
    if body.role is not None:
        service.change_role(
            session, user, body.role, actor_id=admin.id, reason=body.reason, client_ip=client_ip, now=now
        )
    if body.disabled is not None:
        service.set_disabled(
            session, user, body.disabled, actor_id=admin.id, reason=body.reason, client_ip=client_ip, now=now
        )
    return UserOut.build(user)


@admin_router.get("/audit", response_model=AuditPage, responses=invalid())
def list_audit(
    _admin: AdminUser,
    session: SessionDep,
    page: PageDep,
    user_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    action: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
) -> AuditPage:
    rows, total = service.list_audit(
        session, user_id=user_id, action=action, offset=page.offset, limit=page.limit
    )
    return AuditPage(items=[AuditEventOut.build(e) for e in rows], page=page.meta(total))
