"""The connection pool's gauges: size, checked out and overflow, current without anyone calling an endpoint.

Updated on every checkout and checkin (a few microseconds: a write to the process's metrics file) and by the
health probe, which also catches what the events cannot see: an overflow connection closed after its checkin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool

from fairedge.observability import metrics


def record_pool(engine: Engine, *, returning: int = 0) -> None:
    """Set the gauges from the engine's pool; ``returning`` connections are being checked in right now."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):  # an in-memory SQLite engine keeps one connection, no sizes
        return
    metrics.DB_POOL_SIZE.set(pool.size())
    metrics.DB_POOL_CHECKED_OUT.set(pool.checkedout() - returning)
    # QueuePool counts overflow from -size up: negative while the pool itself still has room.
    metrics.DB_POOL_OVERFLOW.set(max(pool.overflow(), 0))


def instrument_pool(engine: Engine) -> None:
    """Keep the pool gauges current on the engine's checkouts and checkins."""

    def checked_out(_dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        record_pool(engine)

    def checked_in(_dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy fires checkin before the connection is back in the pool: it still counts as out.
        record_pool(engine, returning=1)

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)
    record_pool(engine)
