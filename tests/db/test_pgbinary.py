"""Binary COPY payloads from numpy columns, and packed rows back, through a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Connection, create_engine

from fairedge.db.engine import normalise_url
from fairedge.db.pgbinary import PgType, binary_copy, packed_select, unpack_rows

TYPES: tuple[PgType, ...] = ("int4", "int2", "int8", "float8", "timestamptz")


@pytest.fixture
def pg(pg_url: str) -> Iterator[Connection]:
    """PostgreSQL only: these are its binary formats (no SQLite twin to skip)."""
    engine = create_engine(normalise_url(pg_url))
    with engine.connect() as conn:
        outer = conn.begin()
        conn.exec_driver_sql(
            "CREATE TEMP TABLE copied (a int4, b int2, c int8, d float8, e timestamptz) ON COMMIT DROP"
        )
        yield conn
        outer.rollback()
    engine.dispose()


def _driver(conn: Connection) -> Any:
    return conn.connection.driver_connection


def test_round_trip_with_nulls_and_times(pg: Connection) -> None:
    micros = np.array([1_796_106_615_123_457, 0, -1], dtype=np.int64)  # 2026, the epoch, just before it
    columns = [
        np.array([1, -2, 2**31 - 1]),
        np.array([0, 2, 3]),
        np.array([2**40, 5, 6]),
        np.array([1.5, np.nan, -0.25]),
        micros,
    ]
    dbapi = _driver(pg)
    with dbapi.cursor() as cursor, cursor.copy("COPY copied FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(binary_copy(list(zip(TYPES, columns, strict=True))))
    rows = pg.exec_driver_sql(
        "SELECT a, b, c, d, (extract(epoch FROM e) * 1000000)::int8 FROM copied ORDER BY b"
    ).all()
    assert rows == [(1, 0, 2**40, 1.5, micros[0]), (-2, 2, 5, None, 0), (2**31 - 1, 3, 6, -0.25, -1)]

    sql = "SELECT a, b, c, coalesce(d, 'NaN'), e FROM copied ORDER BY b"
    packed, count = dbapi.execute(packed_select(sql, TYPES)).fetchone()
    back = unpack_rows(packed, count, TYPES)
    for got, sent in zip(back, columns, strict=True):
        np.testing.assert_array_equal(got, sent)


def test_a_null_is_refused_not_dropped(pg: Connection) -> None:
    sql = packed_select("SELECT 1.5::float8 UNION ALL SELECT NULL", ["float8"])
    packed, count = _driver(pg).execute(sql).fetchone()
    with pytest.raises(ValueError, match="1 records for 2 rows"):
        unpack_rows(packed, count, ["float8"])


def test_no_rows_are_empty_columns(pg: Connection) -> None:
    packed, count = _driver(pg).execute(packed_select("SELECT 1::int4 WHERE false", ["int4"])).fetchone()
    [column] = unpack_rows(packed, count, ["int4"])
    assert column.size == 0


def test_columns_must_line_up() -> None:
    with pytest.raises(ValueError, match="same length"):
        binary_copy([("int4", np.array([1, 2])), ("float8", np.array([1.0]))])
