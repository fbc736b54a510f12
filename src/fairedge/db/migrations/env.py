"""Alembic environment: the URL from FairEdge settings, every model's metadata, batch mode on SQLite."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from fairedge.config import get_settings
from fairedge.db.base import SCHEMAS, Base, without_schemas
from fairedge.db.engine import make_engine, normalise_url
from fairedge.db.models import load_all_models

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

load_all_models()
url = config.attributes.get("url") or get_settings().DATABASE_URL
# SQLite holds the tables of every schema in its one namespace (the engine translates auth.x to x).
target_metadata = without_schemas(Base.metadata) if url.startswith("sqlite") else Base.metadata


def _our_schemas(name: str | None, type_: str, _parents: object) -> bool:
    return type_ != "schema" or name is None or name in SCHEMAS


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),  # SQLite cannot ALTER most things: copy-and-move tables
        compare_type=True,
        include_schemas=True,
        include_name=_our_schemas,
        **kwargs,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    _configure(url=normalise_url(url), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(get_settings(), url=url)
    try:
        with engine.connect() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
