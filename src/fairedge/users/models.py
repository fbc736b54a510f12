"""Accounts, their credentials and the audit trail.

Users and credentials live in the PostgreSQL schema ``auth``, the audit trail in ``audit``, as the operations
guide's SQL expects (``SELECT role, count(*) FROM auth.users …``); on SQLite the engine translates the schemas
away (db/engine.py).

Secrets are never stored: passwords as argon2id hashes, refresh, e-mail and API-key tokens as SHA-256 digests
(they are long random strings, so a fast digest is safe and costs microseconds per request). Access tokens are
JWTs checked against ``session_version``: raising it ends every access token of the user at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, BigIntId, PortableJSON

ROLES = ("user", "analyst", "admin")
EMAIL_PURPOSES = ("verify", "reset")
AUTH = "auth"
AUDIT = "audit"


def _user_fk() -> ForeignKey:
    return ForeignKey(f"{AUTH}.users.id", ondelete="CASCADE")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'analyst', 'admin')", name="role"),
        {"schema": AUTH},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    email_verified_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # The web app's preferences, only what the user set (users/preferences.py fills in the defaults).
    preferences: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)


class RefreshToken(Base):
    """One link of a rotating refresh-token chain; a family is one login. A used link presented again
    (reuse) revokes its whole family."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"), {"schema": AUTH})

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, _user_fk(), index=True)
    family_id: Mapped[str] = mapped_column(String(32))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class EmailToken(Base):
    """A single-use token sent by mail: e-mail verification or password reset."""

    __tablename__ = "email_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('verify', 'reset')", name="purpose"),
        {"schema": AUTH},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, _user_fk(), index=True)
    purpose: Mapped[str] = mapped_column(String(8))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = ({"schema": AUTH},)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, _user_fk(), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so a user can tell keys apart
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class PlanGrant(Base):
    """A plan granted by an operator, apart from any subscription; the effective plan is the higher."""

    __tablename__ = "plan_grants"
    __table_args__ = ({"schema": AUTH},)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, _user_fk(), index=True)
    plan: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[int | None] = mapped_column(BigIntId)  # None: an operator at the CLI
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class UserRoleChange(Base):
    """Every role change (the operations guide queries this table). No foreign keys: audit outlives users."""

    __tablename__ = "user_role_changes"
    __table_args__ = ({"schema": AUDIT},)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, index=True)
    changed_by: Mapped[int | None] = mapped_column(BigIntId)  # None: an operator at the CLI
    old_role: Mapped[str | None] = mapped_column(String(16))  # None: the account was created with new_role
    new_role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class AuditEvent(Base):
    """Everything an administrator may need to reconstruct: role changes, plan grants, disables, API keys."""

    __tablename__ = "account_events"
    __table_args__ = ({"schema": AUDIT},)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int | None] = mapped_column(BigIntId, index=True)  # whom it concerns
    actor_id: Mapped[int | None] = mapped_column(BigIntId)  # who did it; None: the CLI or the system
    client_ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)


__all__ = ["ApiKey", "AuditEvent", "EmailToken", "PlanGrant", "RefreshToken", "User", "UserRoleChange"]
