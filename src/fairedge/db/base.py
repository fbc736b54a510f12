"""Declarative base with a constraint naming convention and portable column types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.schema import BLANK_SCHEMA

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite stores naive values; we store UTC and re-attach it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: FairEdge stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSON everywhere, JSONB on PostgreSQL.
PortableJSON = JSON().with_variant(JSONB(), "postgresql")
# 64-bit ids on PostgreSQL; SQLite only auto-increments a plain INTEGER PRIMARY KEY.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


# PostgreSQL schemas beyond the default one (the operations guide queries auth.users and audit.*). SQLite has
# no schemas: its engine translates these names away, and migrations compare against a schema-less copy.
SCHEMAS = ("auth", "audit")
SQLITE_SCHEMA_MAP: dict[str | None, str | None] = dict.fromkeys(SCHEMAS)


def without_schemas(metadata: MetaData) -> MetaData:
    """A copy of ``metadata`` with every table in the default schema: what a SQLite database holds."""
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        # None (the default schema) and BLANK_SCHEMA are documented values; the stubs are narrower.
        table.to_metadata(
            copy,
            schema=None,  # type: ignore[arg-type]
            referred_schema_fn=lambda *_args: BLANK_SCHEMA,  # type: ignore[arg-type]
        )
    return copy


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}
