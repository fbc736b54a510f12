"""Engine and session factories for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fairedge.config import Settings
from fairedge.db.base import SQLITE_SCHEMA_MAP
from fairedge.observability.dbpool import instrument_pool

log = structlog.get_logger(__name__)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (as the operations guide writes them)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(settings: Settings, *, url: str | None = None) -> Engine:
    """One pool of ``DB_POOL_SIZE`` connections for requests (see db/session.py) plus ``DB_MAX_OVERFLOW`` for
    the scheduler's lanes and the health checks, on SQLite files as on PostgreSQL."""
    db_url = make_url(normalise_url(url or settings.DATABASE_URL))
    pool: dict[str, Any] = {
        "pool_size": settings.DB_POOL_SIZE,
        "max_overflow": settings.DB_MAX_OVERFLOW,
        "pool_timeout": settings.DB_POOL_TIMEOUT,
    }
    if db_url.get_backend_name() == "sqlite":
        database = db_url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # one shared in-memory connection: SQLAlchemy's own pool for it takes no sizes
        engine = create_engine(
            db_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            execution_options={"schema_translate_map": SQLITE_SCHEMA_MAP},  # auth.users is users here
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(
            db_url,
            # A database that does not answer fails a health check in seconds, not after TCP's minutes.
            connect_args={"connect_timeout": 5},
            pool_pre_ping=True,
            pool_recycle=1800,
            **pool,
        )
    _log_slow_queries(engine, settings.DB_SLOW_QUERY_MS)
    instrument_pool(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the scheduler writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _log_slow_queries(engine: Engine, threshold_ms: float) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        conn.info.setdefault("query_start", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        started = conn.info["query_start"].pop()
        duration_ms = (time.perf_counter() - started) * 1000
        if duration_ms >= threshold_ms:
            # Only the statement text: parameters may carry user data.
            log.warning("slow_query", duration_ms=round(duration_ms, 1), statement=statement[:500])


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for a job or CLI command: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def pool_stats(engine: Engine) -> dict[str, Any]:
    pool: Any = engine.pool
    stats: dict[str, Any] = {"class": type(pool).__name__}
    for name in ("size", "checkedin", "checkedout", "overflow"):
        method = getattr(pool, name, None)
        if callable(method):
            stats[name] = method()
    return stats
