"""Every query of the accounts domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from fairedge.users.models import (
    ApiKey,
    AuditEvent,
    EmailToken,
    PlanGrant,
    RefreshToken,
    User,
    UserRoleChange,
)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# Users


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def list_users(
    session: Session, *, email: str | None, role: str | None, offset: int, limit: int
) -> tuple[Sequence[User], int]:
    query = select(User)
    if email:
        query = query.where(User.email.contains(email.lower(), autoescape=True))
    if role:
        query = query.where(User.role == role)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.id).offset(offset).limit(limit)).all()
    return rows, total


def count_active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).where(User.role == "admin", User.disabled_at.is_(None))) or 0


# Refresh tokens


def use_refresh_token(session: Session, token_digest: str, now: datetime) -> RefreshToken | None:
    """Mark a live refresh token used, atomically: of two requests presenting it, one wins."""
    result = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.token_digest == token_digest,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if _count(result) != 1:
        return None
    return session.scalar(select(RefreshToken).where(RefreshToken.token_digest == token_digest))


def refresh_token_by_digest(session: Session, token_digest: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_digest == token_digest))


def revoke_family(session: Session, family_id: str, now: datetime) -> int:
    return _count(
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
    )


def revoke_user_refresh_tokens(session: Session, user_id: int, now: datetime) -> int:
    return _count(
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
    )


# E-mail tokens


def use_email_token(session: Session, token_digest: str, purpose: str, now: datetime) -> EmailToken | None:
    result = session.execute(
        update(EmailToken)
        .where(
            EmailToken.token_digest == token_digest,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if _count(result) != 1:
        return None
    return session.scalar(select(EmailToken).where(EmailToken.token_digest == token_digest))


def expire_email_tokens(session: Session, user_id: int, purpose: str, now: datetime) -> None:
    session.execute(
        update(EmailToken)
        .where(EmailToken.user_id == user_id, EmailToken.purpose == purpose, EmailToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


# API keys


def _granted_plan(now: datetime) -> ScalarSelect[str]:
    """The plan of a user's live grant, as a column of a query on users (one round trip per request)."""
    return (
        select(PlanGrant.plan)
        .where(
            PlanGrant.user_id == User.id,
            PlanGrant.revoked_at.is_(None),
            or_(PlanGrant.expires_at.is_(None), PlanGrant.expires_at > now),
        )
        .order_by(PlanGrant.id.desc())
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )


def user_with_grant(session: Session, user_id: int, now: datetime) -> tuple[User, str | None] | None:
    row = session.execute(select(User, _granted_plan(now)).where(User.id == user_id)).first()
    return None if row is None else (row[0], row[1])


def api_key_with_user(
    session: Session, key_digest: str, now: datetime
) -> tuple[ApiKey, User, str | None] | None:
    row = session.execute(
        select(ApiKey, User, _granted_plan(now))
        .join(User, User.id == ApiKey.user_id)
        .where(ApiKey.key_digest == key_digest)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def api_keys_of(session: Session, user_id: int, *, include_revoked: bool) -> Sequence[ApiKey]:
    query = select(ApiKey).where(ApiKey.user_id == user_id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return session.scalars(query.order_by(ApiKey.id)).all()


def count_live_api_keys(session: Session, user_id: int) -> int:
    return (
        session.scalar(select(func.count()).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None)))
        or 0
    )


def touch_api_key(session: Session, key_id: int, now: datetime, *, older_than: datetime) -> None:
    """Record use at most once a minute per key: not a write per request."""
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < older_than))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


# Plan grants


def active_grant(session: Session, user_id: int, now: datetime) -> PlanGrant | None:
    return session.scalar(
        select(PlanGrant)
        .where(
            PlanGrant.user_id == user_id,
            PlanGrant.revoked_at.is_(None),
            or_(PlanGrant.expires_at.is_(None), PlanGrant.expires_at > now),
        )
        .order_by(PlanGrant.id.desc())
        .limit(1)
    )


def active_grants(session: Session, user_ids: Sequence[int], now: datetime) -> dict[int, PlanGrant]:
    rows = session.scalars(
        select(PlanGrant)
        .where(
            PlanGrant.user_id.in_(user_ids),
            PlanGrant.revoked_at.is_(None),
            or_(PlanGrant.expires_at.is_(None), PlanGrant.expires_at > now),
        )
        .order_by(PlanGrant.id)
    ).all()
    return {row.user_id: row for row in rows}  # the newest grant of each user wins


def revoke_grants(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(PlanGrant)
        .where(PlanGrant.user_id == user_id, PlanGrant.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


# Audit


def list_audit(
    session: Session, *, user_id: int | None, action: str | None, offset: int, limit: int
) -> tuple[Sequence[AuditEvent], int]:
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).offset(offset).limit(limit)
    ).all()
    return rows, total


# Housekeeping (user_cleanup): set-based deletes, each one statement.


def purge_refresh_tokens(session: Session, now: datetime) -> int:
    return _count(session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now)))


def purge_email_tokens(session: Session, now: datetime) -> int:
    return _count(
        session.execute(
            delete(EmailToken).where(or_(EmailToken.expires_at < now, EmailToken.used_at.is_not(None)))
        )
    )


def purge_unverified_users(session: Session, created_before: datetime) -> int:
    return _count(
        session.execute(
            delete(User).where(and_(User.email_verified_at.is_(None), User.created_at < created_before))
        )
    )


def purge_audit(session: Session, before: datetime) -> int:
    events = _count(session.execute(delete(AuditEvent).where(AuditEvent.created_at < before)))
    roles = _count(session.execute(delete(UserRoleChange).where(UserRoleChange.created_at < before)))
    return events + roles
