"""PostgreSQL's binary formats to and from numpy columns, without a Python step per row.

Writes: ``COPY … (FORMAT BINARY)`` payloads.

A binary row is a field count, then per field its byte length and big-endian value. Rows whose fields are
all present have one fixed layout, so a block of them is one numpy structured array written with
``tobytes()``: about 25 ms for 180,000 rows, against 150 ms to format the same rows as COPY text (and the
server parses binary faster). A NULL field (length −1, no value) changes the layout, so rows are grouped
by which of their float columns are NaN (stored as NULL), one structured array per group.

Reads: rows packed server-side into one ``bytea`` of fixed-width records (:func:`packed_select`), read
by one numpy view (:func:`unpack_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

PgType = Literal["int2", "int4", "int8", "float8", "timestamptz"]

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
PG_EPOCH_MICROS = 946_684_800_000_000  # 2000-01-01T00:00:00Z, PostgreSQL's epoch, in µs since 1970
_CODES: dict[str, str] = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8", "timestamptz": ">i8"}


def binary_copy(columns: Sequence[tuple[PgType, NDArray[Any]]]) -> bytes:
    """The COPY payload of ``columns`` (type, values), rows in their order within each NULL pattern.

    ``timestamptz`` values are integer microseconds since 1970-01-01 UTC; NaN in a ``float8`` column is
    written as NULL.
    """
    if not columns:
        raise ValueError("binary_copy needs at least one column")
    rows = len(columns[0][1])
    if any(len(values) != rows for _, values in columns):
        raise ValueError("binary_copy columns must have the same length")
    nulls = [np.isnan(v) if kind == "float8" else None for kind, v in columns]
    pattern = np.zeros(rows, dtype=np.int64)
    for bit, null in enumerate(nulls):
        if null is not None:
            pattern |= null.astype(np.int64) << bit
    parts = [HEADER]
    for value in np.unique(pattern).tolist():
        which = pattern == value
        present = [not (value >> bit) & 1 for bit in range(len(columns))]
        parts.append(_block(columns, present, which))
    parts.append(TRAILER)
    return b"".join(parts)


def _block(
    columns: Sequence[tuple[PgType, NDArray[Any]]], present: list[bool], which: NDArray[np.bool_]
) -> bytes:
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i, (kind, _) in enumerate(columns):
        fields.append((f"length{i}", ">i4"))
        if present[i]:
            fields.append((f"value{i}", _CODES[kind]))
    block = np.empty(int(which.sum()), dtype=fields)
    block["count"] = len(columns)
    for i, (kind, values) in enumerate(columns):
        if not present[i]:
            block[f"length{i}"] = -1
            continue
        block[f"length{i}"] = np.dtype(_CODES[kind]).itemsize
        selected = values[which]
        block[f"value{i}"] = selected - PG_EPOCH_MICROS if kind == "timestamptz" else selected
    return block.tobytes()


_SEND = {"int2": "int2send", "int4": "int4send", "int8": "int8send", "float8": "float8send",
         "timestamptz": "timestamptz_send"}  # fmt: skip


def packed_select(sql: str, types: Sequence[PgType]) -> str:
    """A query returning the rows of ``sql`` as one ``bytea`` of fixed-width big-endian records, and its
    row count: what :func:`unpack_rows` reads.

    Each value goes through its type's binary send function and the records are concatenated by
    ``string_agg`` server-side: one value crosses to Python instead of one message per row (a binary
    ``COPY TO STDOUT`` hands psycopg 90,000 messages for 90,000 quotes, 4 µs each). ``sql`` must not
    return NULLs (a NULL would drop its whole record): coalesce them.
    """
    names = [f"c{i}" for i in range(len(types))]
    record = " || ".join(f"{_SEND[kind]}(q.{name})" for kind, name in zip(types, names, strict=True))
    return f"SELECT string_agg({record}, ''::bytea), count(*) FROM ({sql}) AS q({', '.join(names)})"


def unpack_rows(packed: bytes | None, count: int, types: Sequence[PgType]) -> list[NDArray[Any]]:
    """The columns of :func:`packed_select`'s answer, one numpy array each (native byte order).

    ``timestamptz`` columns come back as integer microseconds since 1970-01-01 UTC.
    """
    dtype = np.dtype([(f"value{i}", _CODES[kind]) for i, kind in enumerate(types)])
    records = np.frombuffer(packed or b"", dtype=dtype)
    if records.size != count:
        raise ValueError(f"packed rows hold {records.size} records for {count} rows (a NULL value?)")
    columns: list[NDArray[Any]] = []
    for i, kind in enumerate(types):
        values = records[f"value{i}"].astype(_CODES[kind][1:])
        columns.append(values + PG_EPOCH_MICROS if kind == "timestamptz" else values)
    return columns
