"""Every odds query. Upserts, bulk writes and reads differ between SQLite and PostgreSQL: that lives here.

What a refresh writes (which quotes changed, which rows to build) is decided by pure code (``rows``,
``pricediff``); this module runs the statements: ``COPY … (FORMAT BINARY)`` on PostgreSQL, one
``executemany`` on SQLite, never an ORM object or a statement per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    ARRAY,
    Select,
    any_,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairedge.db.pgbinary import PgType, binary_copy, packed_select, unpack_rows
from fairedge.odds.filters import sport_filter
from fairedge.odds.models import Bookmaker, CurrentQuote, Event, Market, QuoteHistory, Sport
from fairedge.odds.quotes import PricePoint, QuoteArrays, QuotePeriod, price_points
from fairedge.odds.rows import MarketRow, micros

AnySelect = Select[*tuple[Any, ...]]
S = TypeVar("S", bound=AnySelect)
CHUNK = 5000  # bound on bound parameters per statement (SQLite allows 32,766)
QUOTE_COLUMNS = ("market_id", "bookmaker_id", "price_0", "price_1", "price_2", "first_seen", "last_update")
QUOTE_TYPES: tuple[PgType, ...] = ("int4", "int4", "float8", "float8", "float8", "timestamptz", "timestamptz")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _upsert(session: Session, table: Any) -> Any:
    return (postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert)(table)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values``: one array parameter on PostgreSQL (a 5,000-item IN list costs ~1 s to plan)."""
    if _dialect(session) == "postgresql":
        return column == any_(bindparam(f"{column.key}_values", list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _batches(session: Session, values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    if _dialect(session) == "postgresql":
        if values:
            yield values
        return
    yield from _chunks(values)


def _driver(session: Session) -> Any:
    """The DB-API connection under the session's transaction (psycopg or sqlite3): COPY, executemany."""
    return session.connection().connection.driver_connection


# --- refresh: sports, bookmakers, events, markets ----------------------------------------------------------


def upsert_sports(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Create or refresh sports; key → id."""
    if not rows:
        return {}
    stmt = _upsert(session, Sport).values(list(rows))
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={"title": stmt.excluded.title, "active": stmt.excluded.active}
    )
    return dict(session.execute(stmt.returning(Sport.key, Sport.id)).all())


def upsert_bookmakers(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Create or refresh bookmakers (policy columns follow configuration on every refresh); key → id."""
    if not rows:
        return {}
    stmt = _upsert(session, Bookmaker).values(list(rows))
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "title": stmt.excluded.title,
            "region": func.coalesce(stmt.excluded.region, Bookmaker.region),
            "is_sharp": stmt.excluded.is_sharp,
            "is_exchange": stmt.excluded.is_exchange,
            "commission": stmt.excluded.commission,
            "sharp_weight": stmt.excluded.sharp_weight,
        },
    )
    return dict(session.execute(stmt.returning(Bookmaker.key, Bookmaker.id)).all())


EVENT_UPDATES = ("commence_time", "status", "home_score", "away_score", "last_seen_at")
EVENT_COLUMNS = (
    ("provider_id", "text"),
    ("sport_id", "int4"),
    ("home_team", "text"),
    ("away_team", "text"),
    ("commence_time", "timestamptz"),
    ("status", "text"),
    ("home_score", "int4"),
    ("away_score", "int4"),
    ("first_seen_at", "timestamptz"),
    ("last_seen_at", "timestamptz"),
)
# One statement: the events as arrays, upserted, with when each known one was last seen before (a CTE reads
# the table as it was before the statement).
EVENT_UPSERT = f"""
WITH before AS (
    SELECT provider_id, last_seen_at FROM events WHERE provider_id = ANY(%(provider_id)s::text[])
), upserted AS (
    INSERT INTO events ({", ".join(name for name, _ in EVENT_COLUMNS)})
    SELECT * FROM unnest({", ".join(f"%({name})s::{kind}[]" for name, kind in EVENT_COLUMNS)})
    ON CONFLICT (provider_id) DO UPDATE SET {", ".join(f"{name} = excluded.{name}" for name in EVENT_UPDATES)}
    RETURNING id, provider_id
)
SELECT upserted.provider_id, upserted.id, before.last_seen_at
FROM upserted LEFT JOIN before ON before.provider_id = upserted.provider_id
"""


def upsert_events(
    session: Session, rows: Sequence[dict[str, Any]]
) -> tuple[dict[str, int], dict[int, datetime]]:
    """Upsert events (one row per provider id); return provider id → event id and when each known event
    was last seen before."""
    if not rows:
        return {}, {}
    if _dialect(session) == "postgresql":
        arrays = {name: [r[name] for r in rows] for name, _ in EVENT_COLUMNS}
        found = _driver(session).execute(EVENT_UPSERT, arrays).fetchall()
        return {pid: eid for pid, eid, _ in found}, {eid: seen for _, eid, seen in found if seen is not None}
    conn = session.connection()
    pids = [r["provider_id"] for r in rows]
    event_ids: dict[str, int] = {}
    previously_seen: dict[int, datetime] = {}
    for batch in _batches(session, pids):
        for pid, eid, seen in conn.execute(
            select(Event.provider_id, Event.id, Event.last_seen_at).where(
                _in(session, Event.provider_id, batch)
            )
        ):
            event_ids[pid] = eid
            previously_seen[eid] = seen
    stmt = _upsert(session, Event)
    stmt = stmt.on_conflict_do_update(
        index_elements=["provider_id"], set_={name: getattr(stmt.excluded, name) for name in EVENT_UPDATES}
    )
    conn.execute(stmt, list(rows))  # executemany: batched by the driver, compiled once
    missing = [pid for pid in pids if pid not in event_ids]
    for batch in _batches(session, missing):
        event_ids.update(
            conn.execute(
                select(Event.provider_id, Event.id).where(_in(session, Event.provider_id, batch))
            ).all()
        )
    return event_ids, previously_seen


def markets_of_events(session: Session, event_ids: Sequence[int]) -> list[MarketRow]:
    """(id, event id, key, period, point, player, number of outcomes) of these events' markets."""
    length = func.jsonb_array_length if _dialect(session) == "postgresql" else func.json_array_length
    conn = session.connection()
    found: list[MarketRow] = []
    for batch in _batches(session, event_ids):
        stmt = select(
            Market.id,
            Market.event_id,
            Market.key,
            Market.period,
            Market.point,
            Market.player,
            length(Market.outcomes),
        ).where(_in(session, Market.event_id, batch))
        found.extend(tuple(row) for row in conn.execute(stmt).all())
    return found


def insert_markets(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Create markets; one that exists already (a concurrent refresh) is left as it is."""
    if rows:
        session.connection().execute(_upsert(session, Market).on_conflict_do_nothing(), list(rows))


# --- refresh: quotes ---------------------------------------------------------------------------------------


def _price(session: Session, column: Any) -> Any:
    """A nullable price as :func:`_columns` reads it: NaN for NULL (a NULL would drop its packed record)."""
    if _dialect(session) == "postgresql":
        return func.coalesce(column, literal_column("'NaN'::float8"))
    return column


def _columns(session: Session, stmt: AnySelect, types: Sequence[PgType]) -> list[NDArray[Any]]:
    """Run a numeric query into one array per column, without a Python object per value.

    PostgreSQL: the rows packed server-side into one ``bytea`` (``pgbinary.packed_select``), read by one
    numpy view: half the time of a binary ``COPY TO STDOUT`` (one message per row), a third of one
    ``array_agg`` per column turned into Python lists. SQLite: its own cursor's tuples (SQLAlchemy rows are
    slower), column by column; NULL is NaN. Times come back as integer microseconds since 1970.
    """
    sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    dbapi = _driver(session)
    if _dialect(session) == "postgresql":
        with dbapi.cursor(binary=True) as cursor:  # the bytea as it is, not as hex text (25 % faster)
            packed, count = cursor.execute(packed_select(sql, types)).fetchone()
        return unpack_rows(packed, count, types)
    rows = dbapi.execute(sql).fetchall()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in types]
    columns: list[NDArray[Any]] = []
    for kind, column in zip(types, values, strict=True):
        if kind == "timestamptz":  # SQLAlchemy's UTC text: a handful of distinct times, converted once each
            stamps = {text_value: _sqlite_micros(text_value) for text_value in set(column)}
            columns.append(np.fromiter((stamps[v] for v in column), dtype=np.int64, count=len(column)))
        else:
            columns.append(np.array(column, dtype=np.float64 if kind == "float8" else np.int64))
    return columns


def current_quotes(session: Session, market_ids: Sequence[int]) -> QuoteArrays:
    """The current quotes of these markets."""
    parts = []
    for batch in _batches(session, market_ids):
        stmt = select(
            CurrentQuote.market_id,
            CurrentQuote.bookmaker_id,
            CurrentQuote.price_0,
            CurrentQuote.price_1,
            _price(session, CurrentQuote.price_2),
            CurrentQuote.first_seen,
            CurrentQuote.last_update,
        ).where(_in(session, CurrentQuote.market_id, batch))
        columns = _columns(session, stmt, QUOTE_TYPES)
        parts.append(
            QuoteArrays(
                columns[0].astype(np.int64),
                columns[1].astype(np.int64),
                np.column_stack(columns[2:5]),
                columns[5],
                columns[6],
            )
        )
    return QuoteArrays.concat(parts)


def _quote_columns(quotes: QuoteArrays) -> list[NDArray[Any]]:
    p = quotes.prices
    return [
        quotes.market_id,
        quotes.bookmaker_id,
        p[:, 0],
        p[:, 1],
        p[:, 2],
        quotes.first_seen,
        quotes.last_update,
    ]


def _sqlite_rows(columns: Sequence[NDArray[Any]], times: Sequence[int]) -> list[tuple[Any, ...]]:
    """Rows for sqlite3: NaN as NULL, the columns at ``times`` (µs since 1970) as SQLAlchemy's UTC text.

    Column by column (a refresh has a handful of distinct times, converted once each), then one zip.
    """
    values: list[list[Any]] = []
    for i, column in enumerate(columns):
        if i in times:
            distinct, index = np.unique(column, return_inverse=True)
            texts = np.array([_sqlite_time(int(us)) for us in distinct.tolist()], dtype=object)
            values.append(texts[index].tolist())
        elif column.dtype.kind == "f" and bool(np.isnan(column).any()):
            nullable = column.astype(object)
            nullable[np.isnan(column)] = None
            values.append(nullable.tolist())
        else:
            values.append(column.tolist())
    return list(zip(*values, strict=True))


def _sqlite_micros(value: str) -> int:
    return micros(datetime.fromisoformat(value).replace(tzinfo=UTC))


def _sqlite_time(us: int) -> str:
    """SQLAlchemy's SQLite text for a UTC instant given in µs since 1970."""
    when = datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def _copy(session: Session, table: str, names: Sequence[str], payload: bytes) -> None:
    dbapi = _driver(session)
    with (
        dbapi.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.write(payload)


def insert_quotes(session: Session, quotes: QuoteArrays) -> None:
    """Add quotes to the board (keys the board does not have)."""
    if not len(quotes):
        return
    if _dialect(session) == "postgresql":
        payload = binary_copy(list(zip(QUOTE_TYPES, _quote_columns(quotes), strict=True)))
        _copy(session, "current_quotes", QUOTE_COLUMNS, payload)
        return
    _driver(session).executemany(
        f"INSERT INTO current_quotes ({', '.join(QUOTE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        _sqlite_rows(_quote_columns(quotes), (5, 6)),
    )


def update_quotes(session: Session, quotes: QuoteArrays) -> None:
    """Replace the prices, first-seen and book times of quotes on the board, in place.

    PostgreSQL: the new values go by binary COPY into a temporary table, then one ``UPDATE … FROM`` (a
    hash join, kept in memory; the table is not analysed on purpose: with statistics the planner picks a
    nested loop of 90,000 index probes, 1.4× slower); no indexed column changes, so the updates are HOT.
    SQLite: one executemany by key.
    """
    if not len(quotes):
        return
    columns = _quote_columns(quotes)
    if _dialect(session) == "postgresql":
        dbapi = _driver(session)
        dbapi.execute(
            "CREATE TEMP TABLE quote_changes (market_id int4, bookmaker_id int4, price_0 float8, "
            "price_1 float8, price_2 float8, first_seen timestamptz, last_update timestamptz)"
        )
        _copy(
            session, "quote_changes", QUOTE_COLUMNS, binary_copy(list(zip(QUOTE_TYPES, columns, strict=True)))
        )
        # The join's hash of 90,000 keys spills to disk at the default 4 MB (this transaction only).
        dbapi.execute("SET LOCAL work_mem = '64MB'")
        dbapi.execute(
            "UPDATE current_quotes AS q SET price_0 = c.price_0, price_1 = c.price_1, price_2 = c.price_2, "
            "first_seen = c.first_seen, last_update = c.last_update FROM quote_changes AS c "
            "WHERE q.market_id = c.market_id AND q.bookmaker_id = c.bookmaker_id"
        )
        dbapi.execute("DROP TABLE quote_changes")
        return
    rows = _sqlite_rows(columns[2:] + columns[:2], (3, 4))
    _driver(session).executemany(
        "UPDATE current_quotes SET price_0 = ?, price_1 = ?, price_2 = ?, first_seen = ?, last_update = ? "
        "WHERE market_id = ? AND bookmaker_id = ?",
        rows,
    )


def delete_quotes(session: Session, market_id: NDArray[np.int64], bookmaker_id: NDArray[np.int64]) -> None:
    """Take quotes off the board (pulled lines)."""
    if not market_id.size:
        return
    if _dialect(session) == "postgresql":
        _driver(session).execute(
            "DELETE FROM current_quotes AS q USING unnest(%s::int4[], %s::int4[]) AS d(market, book) "
            "WHERE q.market_id = d.market AND q.bookmaker_id = d.book",
            (market_id.tolist(), bookmaker_id.tolist()),
        )
        return
    _driver(session).executemany(
        "DELETE FROM current_quotes WHERE market_id = ? AND bookmaker_id = ?",
        list(zip(market_id.tolist(), bookmaker_id.tolist(), strict=True)),
    )


HISTORY_COLUMNS = (*QUOTE_COLUMNS, "last_seen", "superseded_at")


def append_history(
    session: Session, quotes: QuoteArrays, last_seen: NDArray[np.int64], superseded_at: int
) -> None:
    """Append ended quotes: last carried at ``last_seen``, replaced or pulled at ``superseded_at`` (µs)."""
    if not len(quotes):
        return
    columns = [*_quote_columns(quotes), last_seen, np.full(len(quotes), superseded_at, dtype=np.int64)]
    if _dialect(session) == "postgresql":
        types: tuple[PgType, ...] = (*QUOTE_TYPES, "timestamptz", "timestamptz")
        _copy(session, "quote_history", HISTORY_COLUMNS, binary_copy(list(zip(types, columns, strict=True))))
        return
    _driver(session).executemany(
        f"INSERT INTO quote_history ({', '.join(HISTORY_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _sqlite_rows(columns, (5, 6, 7, 8)),
    )


# --- reads -------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BoardRows:
    """The pre-match board as columns: one entry per current price of an event that has not started."""

    market_id: NDArray[np.int64]
    bookmaker_id: NDArray[np.int64]
    outcome_index: NDArray[np.int64]
    price: NDArray[np.float64]
    # Epoch seconds. Confirmed: the last successful fetch that still carried the price (its event's
    # last_seen_at: a price missing from a fetch is taken off the board at once). Book update: the book's
    # own stamp.
    confirmed_at: NDArray[np.float64]
    book_updated_at: NDArray[np.float64]


def load_board(session: Session, *, now: datetime) -> BoardRows:
    stmt = (
        select(
            CurrentQuote.market_id,
            CurrentQuote.bookmaker_id,
            CurrentQuote.price_0,
            CurrentQuote.price_1,
            _price(session, CurrentQuote.price_2),
            Event.last_seen_at,
            CurrentQuote.last_update,
        )
        .join(Market, Market.id == CurrentQuote.market_id)
        .join(Event, Event.id == Market.event_id)
        .where(
            Event.status == "upcoming",
            Event.commence_time > now,
            ~Market.key.endswith("_lay", autoescape=True),
        )
    )
    market, book, price_0, price_1, price_2, confirmed, updated = _columns(session, stmt, QUOTE_TYPES)
    prices = np.column_stack([price_0, price_1, price_2])
    row, outcome = np.nonzero(~np.isnan(prices))  # quote by quote, outcomes in order
    return BoardRows(
        market[row].astype(np.int64),
        book[row].astype(np.int64),
        outcome.astype(np.int64),
        prices[row, outcome],
        confirmed[row] / 1e6,
        updated[row] / 1e6,
    )


@dataclass(frozen=True, slots=True)
class MarketInfo:
    id: int
    event_id: int
    key: str
    period: str
    point: float
    player: str
    outcomes: tuple[str, ...]


def markets_by_id(session: Session, ids: Iterable[int]) -> dict[int, MarketInfo]:
    found: dict[int, MarketInfo] = {}
    columns = (Market.id, Market.event_id, Market.key, Market.period, Market.point, Market.player)
    conn = session.connection()  # plain rows, no ORM identity map: the scan asks for thousands
    for batch in _batches(session, list(set(ids))):
        for mid, event_id, key, period, point, player, outcomes in conn.execute(
            select(*columns, Market.outcomes).where(_in(session, Market.id, batch))
        ):
            found[mid] = MarketInfo(mid, event_id, key, period, point, player, tuple(outcomes))
    return found


@dataclass(frozen=True, slots=True)
class MarketShape:
    id: int
    event_id: int
    key: str
    period: str
    point: float
    player: str


def line_market_shapes(session: Session) -> list[MarketShape]:
    """Markets with a line (spreads, totals, props) of events not completed: what the middle search needs."""
    stmt = (
        select(Market.id, Market.event_id, Market.key, Market.period, Market.point, Market.player)
        .join(Event, Event.id == Market.event_id)
        .where(Event.status != "completed", ~Market.key.startswith("h2h"))
    )
    return [MarketShape(*row) for row in session.connection().execute(stmt)]


def all_bookmakers(session: Session) -> list[Bookmaker]:
    return list(session.execute(select(Bookmaker).order_by(Bookmaker.key)).scalars())


def events_with_sport(session: Session, ids: Iterable[int]) -> dict[int, tuple[Event, Sport]]:
    found: dict[int, tuple[Event, Sport]] = {}
    for chunk in _chunks(list(set(ids))):
        for event, sport in session.execute(
            select(Event, Sport).join(Sport, Sport.id == Event.sport_id).where(Event.id.in_(chunk))
        ):
            found[event.id] = (event, sport)
    return found


def latest_refresh(session: Session) -> datetime | None:
    return session.execute(select(func.max(Event.last_seen_at))).scalar_one_or_none()


def latest_refresh_by_sport(session: Session) -> dict[str, datetime]:
    rows = session.execute(
        select(Sport.key, func.max(Event.last_seen_at))
        .join(Event, Event.sport_id == Sport.id)
        .group_by(Sport.key)
    ).all()
    return {str(key): seen for key, seen in rows}


def list_sports(session: Session) -> list[tuple[Sport, int]]:
    counts = (
        select(Event.sport_id, func.count(Event.id).label("n"))
        .where(Event.status != "completed")
        .group_by(Event.sport_id)
        .subquery()
    )
    stmt = (
        select(Sport, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.sport_id == Sport.id)
        .order_by(Sport.group_name, Sport.key)
    )
    return [(s, int(n)) for s, n in session.execute(stmt)]


def list_events(
    session: Session,
    *,
    sport: str | None,
    league: str | None,
    status: str | None,
    commence_from: datetime | None,
    commence_to: datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[Event, Sport]], int]:
    stmt = select(Event, Sport).join(Sport, Sport.id == Event.sport_id)
    stmt = sport_filter(stmt, sport, league)
    if status:
        stmt = stmt.where(Event.status == status)
    if commence_from:
        stmt = stmt.where(Event.commence_time >= commence_from)
    if commence_to:
        stmt = stmt.where(Event.commence_time <= commence_to)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Event.commence_time, Event.id).offset(offset).limit(limit)).all()
    return [(e, s) for e, s in rows], int(total)


def get_event(session: Session, event_id: int) -> tuple[Event, Sport] | None:
    row = session.execute(
        select(Event, Sport).join(Sport, Sport.id == Event.sport_id).where(Event.id == event_id)
    ).first()
    return (row[0], row[1]) if row else None


def _period(quote: CurrentQuote | QuoteHistory) -> QuotePeriod:
    prices = (
        (quote.price_0, quote.price_1)
        if quote.price_2 is None
        else (quote.price_0, quote.price_1, quote.price_2)
    )
    if isinstance(quote, QuoteHistory):
        return QuotePeriod(prices, quote.first_seen, quote.last_update, quote.last_seen, quote.superseded_at)
    return QuotePeriod(prices, quote.first_seen, quote.last_update, None, None)


def event_board(session: Session, event_id: int) -> list[tuple[Market, PricePoint, Bookmaker]]:
    """Every current price of the event: market, price (by outcome index), bookmaker."""
    stmt = (
        select(Market, CurrentQuote, Bookmaker)
        .join(CurrentQuote, CurrentQuote.market_id == Market.id)
        .join(Bookmaker, Bookmaker.id == CurrentQuote.bookmaker_id)
        .where(Market.event_id == event_id)
        .order_by(Market.key, Market.period, Market.player, Market.point, Bookmaker.key)
    )
    return [
        (market, point, book)
        for market, quote, book in session.execute(stmt)
        for point in price_points([_period(quote)])
    ]


def event_history(
    session: Session, event_id: int, *, market_key: str | None, bookmaker: str | None, limit: int
) -> list[tuple[Market, PricePoint, Bookmaker]]:
    """Each outcome's price changes, ended and current, ordered by market, point, book, outcome and time.

    ``limit`` bounds the quotes read (oldest first per market and book) and the points returned.
    """
    periods: dict[tuple[int, int], tuple[Market, Bookmaker, list[QuotePeriod]]] = {}
    models: tuple[type[QuoteHistory] | type[CurrentQuote], ...] = (QuoteHistory, CurrentQuote)
    for model in models:
        stmt = (
            select(Market, model, Bookmaker)
            .join(model, model.market_id == Market.id)
            .join(Bookmaker, Bookmaker.id == model.bookmaker_id)
            .where(Market.event_id == event_id)
        )
        if market_key:
            stmt = stmt.where(Market.key == market_key)
        if bookmaker:
            stmt = stmt.where(Bookmaker.key == bookmaker)
        stmt = stmt.order_by(Market.key, Market.point, Bookmaker.key, model.first_seen).limit(limit)
        for market, quote, book in session.execute(stmt):
            assert isinstance(quote, CurrentQuote | QuoteHistory)
            periods.setdefault((market.id, book.id), (market, book, []))[2].append(_period(quote))
    ordered = sorted(periods.values(), key=lambda e: (e[0].key, e[0].point, e[1].key, e[0].id))
    found = [
        (market, point, book)
        for market, book, quotes in ordered
        for point in price_points(sorted(quotes, key=lambda q: q.first_seen))
    ]
    return found[:limit]


# --- retention ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PruneStats:
    prices: int = 0  # ended quotes deleted from the history
    events: int = 0


HISTORY_BATCH_BLOCKS = 1_000  # PostgreSQL pages per retention statement (8 MB, about 60,000 ended quotes)
HISTORY_BATCH_ROWS = 50_000  # SQLite rows per retention statement


def _history_ranges(session: Session) -> Iterable[Any]:
    """Conditions that cut ``quote_history`` into physical ranges: pages by ``ctid`` on PostgreSQL (a TID
    range scan), ``rowid`` on SQLite. The table has no key; each range is read once."""
    conn = session.connection()
    if _dialect(session) == "postgresql":
        pages = conn.execute(
            text("SELECT pg_relation_size('quote_history') / current_setting('block_size')::int")
        ).scalar_one()
        for first in range(0, int(pages), HISTORY_BATCH_BLOCKS):
            yield text("ctid >= CAST(:low AS tid) AND ctid < CAST(:high AS tid)").bindparams(
                low=f"({first},0)", high=f"({first + HISTORY_BATCH_BLOCKS},0)"
            )
        return
    last = conn.execute(text("SELECT max(rowid) FROM quote_history")).scalar_one() or 0
    for first in range(0, int(last) + 1, HISTORY_BATCH_ROWS):
        yield text("rowid >= :low AND rowid < :high").bindparams(low=first, high=first + HISTORY_BATCH_ROWS)


def prune_history(session: Session, cutoff: datetime) -> PruneStats:
    """Delete ended quotes last seen before ``cutoff`` and events the feed has not shown since.

    The history goes range by range so each statement stays short. Quotes go first (they carry no foreign
    keys); deleting an event cascades to its markets and opportunities.
    """
    stats = PruneStats()
    conn = session.connection()
    for in_range in list(_history_ranges(session)):
        deleted = conn.execute(delete(QuoteHistory).where(in_range, QuoteHistory.last_seen < cutoff))
        stats.prices += deleted.rowcount
    old_events = conn.execute(select(Event.id).where(Event.last_seen_at < cutoff)).scalars().all()
    for chunk in _chunks(list(old_events), 1000):
        market_ids = conn.execute(select(Market.id).where(Market.event_id.in_(chunk))).scalars().all()
        for markets in _chunks(list(market_ids)):
            conn.execute(delete(QuoteHistory).where(QuoteHistory.market_id.in_(markets)))
            conn.execute(delete(CurrentQuote).where(CurrentQuote.market_id.in_(markets)))
        conn.execute(delete(Event).where(Event.id.in_(chunk)))
        stats.events += len(chunk)
    return stats
