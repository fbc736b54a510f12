"""Accounts: users, credentials and plan grants in schema ``auth``; the audit trail in ``audit``; secrets.

The schemas exist on PostgreSQL only (the operations guide queries ``auth.users`` and
``audit.user_role_changes`` verbatim); on SQLite the engine translates them away.

Revision ID: d7a3e5b90c12
Revises: c4e8b21f7a90
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import fairedge.db.base

revision: str = "d7a3e5b90c12"
down_revision: str | None = "c4e8b21f7a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS auth")
        op.execute("CREATE SCHEMA IF NOT EXISTS audit")
    op.create_table(
        "account_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
        schema="audit",
    )
    op.create_index(
        op.f("ix_account_events_action"), "account_events", ["action"], unique=False, schema="audit"
    )
    op.create_index(
        op.f("ix_account_events_created_at"),
        "account_events",
        ["created_at"],
        unique=False,
        schema="audit",
    )
    op.create_index(
        op.f("ix_account_events_user_id"), "account_events", ["user_id"], unique=False, schema="audit"
    )
    op.create_table(
        "user_role_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("old_role", sa.String(length=16), nullable=True),
        sa.Column("new_role", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_role_changes")),
        schema="audit",
    )
    op.create_index(
        op.f("ix_user_role_changes_created_at"),
        "user_role_changes",
        ["created_at"],
        unique=False,
        schema="audit",
    )
    op.create_index(
        op.f("ix_user_role_changes_user_id"),
        "user_role_changes",
        ["user_id"],
        unique=False,
        schema="audit",
    )
    op.create_table(
        "secrets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retire_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secrets")),
        sa.UniqueConstraint("name", "kid", name=op.f("uq_secrets_name_kid")),
        schema="auth",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), server_default="user", nullable=False),
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("email_verified_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('user', 'analyst', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        schema="auth",
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth.users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_digest", name=op.f("uq_api_keys_key_digest")),
        schema="auth",
    )
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"], unique=False, schema="auth")
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('verify', 'reset')", name=op.f("ck_email_tokens_purpose")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth.users.id"], name=op.f("fk_email_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_email_tokens_token_digest")),
        schema="auth",
    )
    op.create_index(
        op.f("ix_email_tokens_expires_at"), "email_tokens", ["expires_at"], unique=False, schema="auth"
    )
    op.create_index(op.f("ix_email_tokens_user_id"), "email_tokens", ["user_id"], unique=False, schema="auth")
    op.create_table(
        "plan_grants",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("granted_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth.users.id"], name=op.f("fk_plan_grants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_grants")),
        schema="auth",
    )
    op.create_index(op.f("ix_plan_grants_user_id"), "plan_grants", ["user_id"], unique=False, schema="auth")
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", fairedge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth.users.id"], name=op.f("fk_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_refresh_tokens_token_digest")),
        schema="auth",
    )
    op.create_index(
        op.f("ix_refresh_tokens_expires_at"),
        "refresh_tokens",
        ["expires_at"],
        unique=False,
        schema="auth",
    )
    op.create_index(
        op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"], unique=False, schema="auth"
    )
    op.create_index("ix_refresh_tokens_family", "refresh_tokens", ["family_id"], unique=False, schema="auth")


def downgrade() -> None:
    op.drop_index("ix_refresh_tokens_family", table_name="refresh_tokens", schema="auth")
    op.drop_index(op.f("ix_refresh_tokens_user_id"), table_name="refresh_tokens", schema="auth")
    op.drop_index(op.f("ix_refresh_tokens_expires_at"), table_name="refresh_tokens", schema="auth")
    op.drop_table("refresh_tokens", schema="auth")
    op.drop_index(op.f("ix_plan_grants_user_id"), table_name="plan_grants", schema="auth")
    op.drop_table("plan_grants", schema="auth")
    op.drop_index(op.f("ix_email_tokens_user_id"), table_name="email_tokens", schema="auth")
    op.drop_index(op.f("ix_email_tokens_expires_at"), table_name="email_tokens", schema="auth")
    op.drop_table("email_tokens", schema="auth")
    op.drop_index(op.f("ix_api_keys_user_id"), table_name="api_keys", schema="auth")
    op.drop_table("api_keys", schema="auth")
    op.drop_table("users", schema="auth")
    op.drop_table("secrets", schema="auth")
    op.drop_index(op.f("ix_user_role_changes_user_id"), table_name="user_role_changes", schema="audit")
    op.drop_index(op.f("ix_user_role_changes_created_at"), table_name="user_role_changes", schema="audit")
    op.drop_table("user_role_changes", schema="audit")
    op.drop_index(op.f("ix_account_events_user_id"), table_name="account_events", schema="audit")
    op.drop_index(op.f("ix_account_events_created_at"), table_name="account_events", schema="audit")
    op.drop_index(op.f("ix_account_events_action"), table_name="account_events", schema="audit")
    op.drop_table("account_events", schema="audit")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SCHEMA IF EXISTS audit")
        op.execute("DROP SCHEMA IF EXISTS auth")
