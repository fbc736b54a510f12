"""Account rules: registration, sessions, passwords, API keys, roles, plan grants and the audit trail.

Nothing here commits: the request or job owns the transaction. The one exception to "an error undoes the
request's writes" is a revocation made while refusing (refresh-token reuse): those errors keep their writes
(``FairEdgeError.keeps_writes``), so the family stays revoked although the answer is a 401.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fairedge.config import Settings
from fairedge.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PlanLimitReached,
    RateLimited,
    Unauthorized,
)
from fairedge.kit.singleflight import SingleFlight
from fairedge.ratelimit import RateLimiter
from fairedge.users import repository
from fairedge.users.mail import Mail, MailSender
from fairedge.users.models import (
    ROLES,
    ApiKey,
    AuditEvent,
    EmailToken,
    PlanGrant,
    RefreshToken,
    User,
    UserRoleChange,
)
from fairedge.users.security import (
    API_KEY_SHOWN,
    InvalidAccessToken,
    TokenSigner,
    digest,
    hash_password,
    needs_rehash,
    new_api_key,
    new_token,
    verify_password,
)

log = structlog.get_logger(__name__)

BEARER = {"WWW-Authenticate": "Bearer"}
API_KEY_TOUCH_EVERY = timedelta(minutes=1)
RESET_MAILS = "3/hour"  # reset mails to one account


class RefreshTokenReused(Unauthorized):
    """A refresh token presented after it was used: its family was revoked, and that must stand."""

    code = "refresh_token_reused"
    keeps_writes = True


class ApiKeyIdentities:
    """API-key identities this process looked up in the last ``API_KEY_CACHE_SECONDS``, by the key's digest.

    A request with a key seen a moment ago costs no query (the data API's hot path: a script polling the
    list). The price is a bound on how late a change made through another process is seen: a revoked key, a
    disabled user, a new role or plan grant take effect in every API process within that many seconds. A
    change made through this process (:meth:`changed`: revoking a key, a role, a grant, disabling) drops
    every entry at once. Entries are the identity as read (the user and key rows, detached, never written
    through) and never outlive the bound by the application's clock; at most ``max_entries`` are kept (the
    oldest go first).
    """

    _generation = 0  # this process's count of identity changes: an entry from an older one is stale

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[str, tuple[datetime, int, Identity]] = {}
        self._max_entries = max_entries

    @classmethod
    def changed(cls) -> None:
        """A key, user or grant changed in this process: no entry read before is used again."""
        cls._generation += 1

    def get(self, key_digest: str, now: datetime, ttl_seconds: float) -> Identity | None:
        found = self._entries.get(key_digest)
        if found is None:
            return None
        seen_at, generation, identity = found
        fresh = seen_at <= now < seen_at + timedelta(seconds=ttl_seconds)  # not if the clock went back
        if not fresh or generation != ApiKeyIdentities._generation:
            self._entries.pop(key_digest, None)
            return None
        return identity

    def put(self, key_digest: str, identity: Identity, now: datetime, generation: int) -> None:
        self._entries.pop(key_digest, None)  # re-inserted last: dicts keep insertion order
        self._entries[key_digest] = (now, generation, identity)
        while len(self._entries) > self._max_entries:
            self._entries.pop(next(iter(self._entries)), None)

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True)
class Accounts:
    """What the account rules need besides a session: built once per process (runtime.py)."""

    settings: Settings
    signer: TokenSigner
    mailer: MailSender
    limiter: RateLimiter
    api_keys: ApiKeyIdentities = field(default_factory=ApiKeyIdentities)
    api_key_reads: SingleFlight[Identity] = field(default_factory=SingleFlight)  # one read per key at once


@dataclass(frozen=True)
class IssuedSession:
    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_password(password: str, email: str) -> None:
    if password.strip().lower() == email:
        raise InvalidInput(
            "the password must not be the e-mail address",
            details=[{"parameter": "password", "message": "must differ from the e-mail address"}],
        )


def audit(
    session: Session,
    action: str,
    now: datetime,
    *,
    user_id: int | None,
    actor_id: int | None,
    client_ip: str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEvent(
            action=action,
            user_id=user_id,
            actor_id=actor_id,
            client_ip=client_ip,
            details=details,
            created_at=now,
        )
    )


# Registration and e-mail verification


def _send_token(session: Session, accounts: Accounts, user: User, purpose: str, now: datetime) -> None:
    repository.expire_email_tokens(session, user.id, purpose, now)  # only the newest link works
    token = new_token()
    lifetime = (
        timedelta(hours=accounts.settings.VERIFY_TOKEN_HOURS)
        if purpose == "verify"
        else timedelta(minutes=accounts.settings.RESET_TOKEN_MINUTES)
    )
    session.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            token_digest=digest(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    base = accounts.settings.PUBLIC_URL.rstrip("/")
    if purpose == "verify":
        mail = Mail(
            user.email,
            "Confirm your FairEdge e-mail address",
            f"Confirm your address to start using FairEdge:\n\n{base}/verify-email?token={token}\n\n"
            f"Or send the token to POST /api/auth/verify-email: {token}\n\n"
            f"The link works for {accounts.settings.VERIFY_TOKEN_HOURS:g} hours.",
        )
    else:
        mail = Mail(
            user.email,
            "Reset your FairEdge password",
            f"Someone asked to reset your FairEdge password. If it was you:\n\n"
            f"{base}/reset-password?token={token}\n\n"
            f"Or send the token to POST /api/auth/password-reset/confirm: {token}\n\n"
            f"The link works for {accounts.settings.RESET_TOKEN_MINUTES:g} minutes. "
            "If it was not you, ignore this message: your password is unchanged.",
        )
    accounts.mailer.send(mail, user_id=user.id)


def register(session: Session, accounts: Accounts, email: str, password: str, *, now: datetime) -> None:
    """Create an unverified account and mail a verification link. An address already registered gets a
    notice by mail instead; the answer is the same either way, so nobody learns who has an account."""
    email = normalise_email(email)
    _check_password(password, email)
    existing = repository.user_by_email(session, email)
    if existing is not None:
        accounts.mailer.send(
            Mail(
                email,
                "You already have a FairEdge account",
                "Someone tried to register this address again. Log in, or reset your password if you "
                "forgot it.",
            ),
            user_id=existing.id,
        )
        return
    user = User(email=email, password_hash=hash_password(password), role="user", created_at=now)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:  # registered concurrently: the same answer as above
        return
    session.add(
        UserRoleChange(
            user_id=user.id,
            changed_by=None,
            old_role=None,
            new_role="user",
            reason="registered",
            created_at=now,
        )
    )
    audit(session, "user_registered", now, user_id=user.id, actor_id=user.id)
    _send_token(session, accounts, user, "verify", now)


def _redeem(session: Session, token: str, purpose: str, now: datetime) -> User:
    """Use up a mailed token (single use, atomically) and return its user."""
    used = repository.use_email_token(session, digest(token), purpose, now)
    if used is None:
        link = "verification" if purpose == "verify" else "reset"
        raise InvalidInput(
            f"the {link} link is invalid, used or expired; ask for a new one",
            details=[{"parameter": "token", "message": "invalid, used or expired"}],
        )
    user = repository.user_by_id(session, used.user_id)
    assert user is not None  # tokens cascade with their user
    return user


def verify_email(session: Session, token: str, *, now: datetime) -> User:
    user = _redeem(session, token, "verify", now)
    if user.email_verified_at is None:
        user.email_verified_at = now
        audit(session, "email_verified", now, user_id=user.id, actor_id=user.id)
    return user


def resend_verification(session: Session, accounts: Accounts, email: str, *, now: datetime) -> None:
    user = repository.user_by_email(session, normalise_email(email))
    if user is not None and user.email_verified_at is None and user.disabled_at is None:
        _send_token(session, accounts, user, "verify", now)


# Sessions: login, refresh, logout


def _issue(
    session: Session, accounts: Accounts, user: User, now: datetime, family_id: str | None = None
) -> IssuedSession:
    refresh = new_token()
    refresh_expires = now + timedelta(days=accounts.settings.REFRESH_TOKEN_DAYS)
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or uuid.uuid4().hex,
            token_digest=digest(refresh),
            created_at=now,
            expires_at=refresh_expires,
        )
    )
    access, access_expires = accounts.signer.issue(user.id, user.session_version, now)
    return IssuedSession(user, access, access_expires, refresh, refresh_expires)


def login(
    session: Session, accounts: Accounts, email: str, password: str, *, client_ip: str, now: datetime
) -> IssuedSession:
    """Throttled before the hash is computed: every attempt per IP, failures per account and per IP.

    Those limits fail closed (503) when the limiter's store is down: logins are what attackers hammer.
    """
    settings, limiter = accounts.settings, accounts.limiter
    email = normalise_email(email)
    limiter.hit("login_ip", f"ip:{client_ip}", settings.RATE_LIMIT_LOGIN_IP, fail_closed=True)
    failures = settings.RATE_LIMIT_LOGIN_FAILURES
    # The account's bucket is named by a digest: no e-mail address in Redis keys or in the limiter's logs.
    account = f"account:{digest(email)[:24]}"
    for identity in (account, f"ip:{client_ip}"):
        limiter.peek("login_failures", identity, failures, fail_closed=True)
    user = repository.user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        for identity in (account, f"ip:{client_ip}"):
            with contextlib.suppress(RateLimited):  # this attempt is answered 401; the next one 429
                limiter.hit("login_failures", identity, failures, fail_closed=True)
        log.warning(
            "auth_failed", reason="bad_credentials", user_id=user.id if user else None, client_ip=client_ip
        )
        raise Unauthorized("wrong e-mail or password", headers=BEARER)
    if user.disabled_at is not None:
        log.warning("auth_failed", reason="disabled", user_id=user.id, client_ip=client_ip)
        raise Forbidden("this account is disabled")
    if user.email_verified_at is None:
        log.warning("auth_failed", reason="email_not_verified", user_id=user.id, client_ip=client_ip)
        raise Forbidden(
            "confirm your e-mail address first: the link is in the mail we sent "
            "(POST /api/auth/verify-email/resend sends a new one)",
            details={"reason": "email_not_verified"},
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    limiter.reset("login_failures", account, failures)  # the owner got in: earlier typos are forgiven
    user.last_login_at = now
    return _issue(session, accounts, user, now)


def refresh(
    session: Session, accounts: Accounts, refresh_token: str, *, client_ip: str, now: datetime
) -> IssuedSession:
    """Rotate: the token is used up and a new one of the same family comes back. A used token presented
    again means two parties hold it; the whole family is revoked."""
    token_digest = digest(refresh_token)
    used = repository.use_refresh_token(session, token_digest, now)
    if used is None:
        known = repository.refresh_token_by_digest(session, token_digest)
        if known is not None and known.used_at is not None and known.revoked_at is None:
            repository.revoke_family(session, known.family_id, now)
            log.warning(
                "auth_failed", reason="refresh_token_reused", user_id=known.user_id, client_ip=client_ip
            )
            raise RefreshTokenReused(
                "this session was ended: its refresh token was used twice", headers=BEARER
            )
        log.warning("auth_failed", reason="refresh_token_invalid", client_ip=client_ip)
        raise Unauthorized("the session has expired or was ended; log in again", headers=BEARER)
    user = repository.user_by_id(session, used.user_id)
    if user is None or user.disabled_at is not None:
        repository.revoke_family(session, used.family_id, now)
        raise Unauthorized("the session has expired or was ended; log in again", headers=BEARER)
    return _issue(session, accounts, user, now, family_id=used.family_id)


def logout(session: Session, refresh_token: str, *, now: datetime) -> None:
    known = repository.refresh_token_by_digest(session, digest(refresh_token))
    if known is not None:
        repository.revoke_family(session, known.family_id, now)


def end_all_sessions(session: Session, user: User, now: datetime) -> None:
    """Every refresh-token family and every access token of the user stop working now."""
    repository.revoke_user_refresh_tokens(session, user.id, now)
    user.session_version += 1


# Passwords


def change_password(
    session: Session,
    accounts: Accounts,
    user: User,
    current_password: str,
    new_password: str,
    *,
    client_ip: str,
    now: datetime,
) -> IssuedSession:
    if not verify_password(user.password_hash, current_password):
        log.warning("auth_failed", reason="bad_current_password", user_id=user.id, client_ip=client_ip)
        raise Forbidden("the current password is wrong")
    _check_password(new_password, user.email)
    user.password_hash = hash_password(new_password)
    end_all_sessions(session, user, now)
    audit(session, "password_changed", now, user_id=user.id, actor_id=user.id, client_ip=client_ip)
    return _issue(session, accounts, user, now)  # this client stays logged in; every other session ends


def request_password_reset(
    session: Session, accounts: Accounts, email: str, *, client_ip: str, now: datetime
) -> None:
    """Mail a reset link when the account exists; the answer never says whether it does."""
    email = normalise_email(email)
    limiter = accounts.limiter
    limiter.hit("password_reset", f"ip:{client_ip}", accounts.settings.RATE_LIMIT_LOGIN_IP, fail_closed=True)
    user = repository.user_by_email(session, email)
    if user is None or user.disabled_at is not None:
        return
    # At most a few mails an hour to one address, silently: the answer must not differ.
    try:
        limiter.hit("password_reset_mail", f"user:{user.id}", RESET_MAILS, fail_closed=True)
    except RateLimited:
        return
    _send_token(session, accounts, user, "reset", now)


def reset_password(session: Session, token: str, new_password: str, *, client_ip: str, now: datetime) -> User:
    user = _redeem(session, token, "reset", now)
    _check_password(new_password, user.email)
    user.password_hash = hash_password(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = now  # the reset link proved the address
    end_all_sessions(session, user, now)
    audit(session, "password_reset", now, user_id=user.id, actor_id=user.id, client_ip=client_ip)
    return user


# Who is calling


@dataclass(frozen=True)
class Identity:
    """A request's authenticated caller: the user, their granted plan (if any), the API key used (if any)."""

    user: User
    granted_plan: str | None
    api_key: ApiKey | None = None


def identify_by_access_token(
    session: Session, accounts: Accounts, token: str, *, client_ip: str, now: datetime
) -> Identity:
    try:
        claims = accounts.signer.verify(token, now)
    except InvalidAccessToken as exc:
        log.warning("auth_failed", reason="access_token_invalid", detail=str(exc), client_ip=client_ip)
        raise Unauthorized("the access token is invalid or expired", headers=BEARER) from None
    found = repository.user_with_grant(session, claims.user_id, now)
    user = found[0] if found else None
    if user is None or user.disabled_at is not None or user.session_version != claims.session_version:
        log.warning("auth_failed", reason="session_ended", user_id=claims.user_id, client_ip=client_ip)
        raise Unauthorized("this session was ended; log in again", headers=BEARER)
    return Identity(user, found[1] if found else None)


def known_api_key(accounts: Accounts, key: str, now: datetime) -> Identity | None:
    """The key's identity if this process looked it up within ``API_KEY_CACHE_SECONDS``: no I/O."""
    ttl = accounts.settings.API_KEY_CACHE_SECONDS
    return accounts.api_keys.get(digest(key), now, ttl) if ttl > 0 else None


def identify_by_api_key(
    session: Session, key: str, *, client_ip: str, now: datetime, accounts: Accounts | None = None
) -> Identity:
    """The key's owner, read from the database (and remembered in ``accounts.api_keys`` when given)."""
    key_digest = digest(key)
    generation = ApiKeyIdentities._generation  # before the read: a change made during it is not missed
    found = repository.api_key_with_user(session, key_digest, now)
    if found is None or found[0].revoked_at is not None or found[1].disabled_at is not None:
        log.warning(
            "auth_failed",
            reason="api_key_invalid",
            client_ip=client_ip,
            user_id=found[1].id if found else None,
        )
        raise Unauthorized("the API key is invalid or was revoked", headers=BEARER)
    api_key, user, granted = found
    repository.touch_api_key(session, api_key.id, now, older_than=now - API_KEY_TOUCH_EVERY)
    identity = Identity(user, granted, api_key)
    if accounts is not None and accounts.settings.API_KEY_CACHE_SECONDS > 0:
        accounts.api_keys.put(key_digest, identity, now, generation)
    return identity


# API keys


def create_api_key(
    session: Session, user: User, name: str, *, allowed: int, plan_name: str, client_ip: str, now: datetime
) -> tuple[ApiKey, str]:
    """A new key, shown once; ``allowed`` is how many live keys the user's plan permits."""
    live = repository.count_live_api_keys(session, user.id)
    if live >= allowed:
        raise PlanLimitReached(
            f"the {plan_name} plan allows {allowed} API keys and you have {live}"
            if allowed
            else f"the {plan_name} plan does not include API access",
            details={"plan": plan_name, "allowed": allowed, "live": live},
        )
    raw = new_api_key()
    key = ApiKey(
        user_id=user.id, name=name, prefix=raw[:API_KEY_SHOWN], key_digest=digest(raw), created_at=now
    )
    session.add(key)
    session.flush()
    audit(
        session,
        "api_key_created",
        now,
        user_id=user.id,
        actor_id=user.id,
        client_ip=client_ip,
        api_key_id=key.id,
        prefix=key.prefix,
    )
    return key, raw


def list_api_keys(session: Session, user: User, *, include_revoked: bool) -> Sequence[ApiKey]:
    return repository.api_keys_of(session, user.id, include_revoked=include_revoked)


def revoke_api_key(session: Session, user: User, key_id: int, *, client_ip: str, now: datetime) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != user.id:  # another user's key does not exist for this one
        raise NotFound(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = now
        ApiKeyIdentities.changed()
        audit(
            session,
            "api_key_revoked",
            now,
            user_id=user.id,
            actor_id=user.id,
            client_ip=client_ip,
            api_key_id=key.id,
            prefix=key.prefix,
        )
    return key


# Administration


def list_users(
    session: Session, *, email: str | None, role: str | None, offset: int, limit: int
) -> tuple[Sequence[User], int]:
    return repository.list_users(session, email=email, role=role, offset=offset, limit=limit)


def get_user(session: Session, user_id: int) -> User:
    user = repository.user_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def change_role(
    session: Session,
    user: User,
    role: str,
    *,
    actor_id: int | None,
    reason: str | None,
    client_ip: str | None,
    now: datetime,
) -> None:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}", details=[{"parameter": "role", "allowed": list(ROLES)}])
    if role == user.role:
        return
    if user.role == "admin" and user.disabled_at is None and repository.count_active_admins(session) <= 1:
        raise Conflict("this is the last active admin; make another admin first")
    old = user.role
    user.role = role
    ApiKeyIdentities.changed()
    session.add(
        UserRoleChange(
            user_id=user.id, changed_by=actor_id, old_role=old, new_role=role, reason=reason, created_at=now
        )
    )
    audit(
        session,
        "role_changed",
        now,
        user_id=user.id,
        actor_id=actor_id,
        client_ip=client_ip,
        old_role=old,
        new_role=role,
        reason=reason,
    )


def set_disabled(
    session: Session,
    user: User,
    disabled: bool,
    *,
    actor_id: int | None,
    reason: str | None,
    client_ip: str | None,
    now: datetime,
) -> None:
    if disabled == (user.disabled_at is not None):
        return
    if disabled:
        if user.role == "admin" and repository.count_active_admins(session) <= 1:
            raise Conflict("this is the last active admin; make another admin first")
        user.disabled_at = now
        end_all_sessions(session, user, now)  # and API keys stop: they are checked against disabled_at
    else:
        user.disabled_at = None
    ApiKeyIdentities.changed()
    audit(
        session,
        "user_disabled" if disabled else "user_enabled",
        now,
        user_id=user.id,
        actor_id=actor_id,
        client_ip=client_ip,
        reason=reason,
    )


def create_admin(session: Session, email: str, password: str, *, now: datetime) -> tuple[User, bool]:
    """The first admin (``fairedge users create-admin``): creates a verified admin, or promotes the
    existing account and sets its password. Returns the user and whether it was created."""
    email = normalise_email(email)
    _check_password(password, email)
    user = repository.user_by_email(session, email)
    created = user is None
    if user is None:
        user = User(
            email=email,
            password_hash=hash_password(password),
            role="user",
            created_at=now,
            email_verified_at=now,
        )
        session.add(user)
        session.flush()
    else:
        user.password_hash = hash_password(password)
        user.email_verified_at = user.email_verified_at or now
        end_all_sessions(session, user, now)
    user.disabled_at = None
    change_role(
        session, user, "admin", actor_id=None, reason="fairedge users create-admin", client_ip=None, now=now
    )
    return user, created


def grant_plan(
    session: Session,
    email: str,
    plan: str,
    *,
    until: datetime | None,
    actor_id: int | None,
    reason: str | None,
    now: datetime,
) -> PlanGrant:
    """A manual grant, stored apart from any subscription; it replaces the user's previous grant."""
    user = repository.user_by_email(session, normalise_email(email))
    if user is None:
        raise NotFound(f"no user with e-mail {normalise_email(email)}")
    if until is not None and until <= now:
        raise InvalidInput("--until must be in the future", details=[{"parameter": "until"}])
    repository.revoke_grants(session, user.id, now)
    grant = PlanGrant(
        user_id=user.id, plan=plan, granted_by=actor_id, reason=reason, created_at=now, expires_at=until
    )
    session.add(grant)
    ApiKeyIdentities.changed()
    audit(
        session,
        "plan_granted",
        now,
        user_id=user.id,
        actor_id=actor_id,
        plan=plan,
        until=until.isoformat() if until else None,
        reason=reason,
    )
    return grant


def active_grant(session: Session, user_id: int, now: datetime) -> PlanGrant | None:
    return repository.active_grant(session, user_id, now)


def active_grants(session: Session, user_ids: Sequence[int], now: datetime) -> dict[int, PlanGrant]:
    return repository.active_grants(session, user_ids, now)


def list_audit(
    session: Session, *, user_id: int | None, action: str | None, offset: int, limit: int
) -> tuple[Sequence[AuditEvent], int]:
    return repository.list_audit(session, user_id=user_id, action=action, offset=offset, limit=limit)


# Housekeeping


def cleanup(session: Session, settings: Settings, *, now: datetime) -> dict[str, int]:
    """The daily user_cleanup: expired tokens, unverified accounts past their grace, old audit rows."""
    return {
        "refresh_tokens": repository.purge_refresh_tokens(session, now),
        "email_tokens": repository.purge_email_tokens(session, now),
        "unverified_users": repository.purge_unverified_users(
            session, now - timedelta(days=settings.UNVERIFIED_ACCOUNT_DAYS)
        ),
        "audit_rows": repository.purge_audit(session, now - timedelta(days=settings.AUDIT_RETENTION_DAYS)),
    }
