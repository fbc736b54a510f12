"""Shared fixtures: real SQLite and real PostgreSQL databases, migrated with Alembic, one per test run.

Every database test runs twice, once per backend (``db_backend`` parameter). PostgreSQL gets a database
created for the run (one per xdist worker) and dropped after. Each test runs inside a transaction that is
rolled back, so tests never see each other's rows. With FAIREDGE_REQUIRE_SERVICES=1 (CI) a missing
PostgreSQL fails the run instead of skipping its tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from fairedge.config import Settings
from fairedge.db import migrate
from fairedge.db.engine import make_engine

# Fixtures shared by several test packages, kept in modules of their own (``make_env`` and ``env``: the app
# with accounts; ``redis_proxy``: the real Redis behind a TCP proxy that can hang or drop).
pytest_plugins = ["accounts_env", "redis_scratch"]

PG_ADMIN_URL = os.environ.get("FAIREDGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_SERVICES = os.environ.get("FAIREDGE_REQUIRE_SERVICES") == "1"


def _unavailable(message: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (FAIREDGE_REQUIRE_SERVICES=1: services are required)")
    pytest.skip(message)


@contextmanager
def scratch_pg_database(prefix: str) -> Iterator[str]:
    """A PostgreSQL database created for one test (or run) and dropped after, whatever happens."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _unavailable(f"PostgreSQL unavailable at {PG_ADMIN_URL}: {type(exc).__name__}")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with scratch_pg_database("fairedge_test") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'fairedge.db'}"


def make_settings(url: str, **overrides: Any) -> Settings:
    return Settings(_env_file=None, ENVIRONMENT="testing", DATABASE_URL=url, **overrides)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(db_backend: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url" if db_backend == "postgresql" else "sqlite_url"))


@pytest.fixture(scope="session")
def engine(database_url: str, migrated_engines: dict[str, Engine]) -> Engine:
    if database_url not in migrated_engines:
        migrate.upgrade(database_url)
        created = make_engine(make_settings(database_url))
        if created.dialect.name == "sqlite":
            _real_sqlite_transactions(created)
        migrated_engines[database_url] = created
    return migrated_engines[database_url]


def _real_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy emit BEGIN itself, so savepoints nest inside the test's rolled-back transaction.

    Python's sqlite3 driver opens its transaction lazily, at the first write: a test's outer ``begin()``
    then opens nothing, and a session's ``commit()`` of its savepoint would commit for real and leak rows
    into the next test (SQLAlchemy's documented pysqlite recipe).
    """

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions that commit into savepoints of the test's rolled-back transaction."""
    return sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s
