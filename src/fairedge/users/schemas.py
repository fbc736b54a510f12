"""Accounts as the API reads and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, StrictBool, StringConstraints

from fairedge.kit.pagination import PageMeta
from fairedge.users.models import ApiKey, AuditEvent, User

Password = Annotated[str, Field(min_length=10, max_length=128, description="10 to 128 characters.")]
Token = Annotated[str, StringConstraints(min_length=16, max_length=256, pattern=r"^[A-Za-z0-9_\-]+$")]
Role = Literal["user", "analyst", "admin"]


class Credentials(BaseModel):
    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=128)]
    use_cookie: StrictBool = Field(
        False,
        description="true (the web app): the refresh token goes only into an httpOnly cookie, with a CSRF "
        "cookie beside it. false (scripts): it is returned in the body.",
    )


class Registration(BaseModel):
    email: EmailStr
    password: Password


class EmailOnly(BaseModel):
    email: EmailStr


class TokenOnly(BaseModel):
    token: Token


class PasswordReset(BaseModel):
    token: Token
    new_password: Password


class PasswordChange(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class RefreshRequest(BaseModel):
    refresh_token: Token | None = Field(
        None, description="Scripts send it here; the web app's comes from its cookie (with X-CSRF-Token)."
    )


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    message: str


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token stays valid.")
    refresh_token: str | None = Field(
        None,
        description="Absent when it was set as a cookie (use_cookie); single use: each refresh "
        "returns the next one.",
    )
    refresh_expires_at: datetime


class UserOut(BaseModel):
    id: int
    email: str
    role: Role
    email_verified: bool
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def build(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            role=user.role,
            email_verified=user.email_verified_at is not None,
            disabled=user.disabled_at is not None,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class ApiKeyCreate(BaseModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="Updated at most once a minute.")
    revoked_at: datetime | None

    @classmethod
    def build(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, stored only as a digest.")


class UserUpdate(BaseModel):
    role: Role | None = None
    disabled: StrictBool | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class AuditEventOut(BaseModel):
    id: int
    action: str
    user_id: int | None
    actor_id: int | None = Field(description="Who did it; null for the CLI or the system.")
    client_ip: str | None
    details: dict[str, Any]
    created_at: datetime

    @classmethod
    def build(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=event.id,
            action=event.action,
            user_id=event.user_id,
            actor_id=event.actor_id,
            client_ip=event.client_ip,
            details=event.details,
            created_at=event.created_at,
        )


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    page: PageMeta
