"""A migrated database of a test module's own, on the run's backend: for tests whose app runs background
threads or other processes, which must not share the test's one rolled-back connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import scratch_pg_database
from fairedge.db import migrate


@contextmanager
def migrated_scratch(db_backend: str, folder: Path, prefix: str) -> Iterator[str]:
    """Its URL: a SQLite file in ``folder``, or a PostgreSQL database created and dropped around it."""
    if db_backend == "sqlite":
        url = f"sqlite:///{folder / (prefix + '.db')}"
        migrate.upgrade(url)
        yield url
        return
    with scratch_pg_database(prefix) as url:
        migrate.upgrade(url)
        yield url
