"""Every odds query. Upserts and bulk paths differ between SQLite and PostgreSQL; that lives here only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ARRAY, Float, Select, any_, bindparam, cast, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairedge.odds.bookmakers import SharpBook, book_policy
from fairedge.odds.filters import sport_filter
from fairedge.odds.models import Bookmaker, Event, Market, Price, Sport
from fairedge.odds.providers.base import Snapshot
from fairedge.odds.quotes import Quote

PRICE_TOLERANCE = 1e-9
AnySelect = Select[*tuple[Any, ...]]
S = TypeVar("S", bound=AnySelect)
CHUNK = 5000  # bound on bound parameters per statement (SQLite allows 32,766)


@dataclass(slots=True)
class StoreStats:
    new_markets: int = 0
    inserted: int = 0
    unchanged: int = 0
    superseded: int = 0


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _upsert(session: Session, table: Any) -> Any:
    return (postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert)(table)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_sports(session: Session, snapshot: Snapshot) -> dict[str, int]:
    rows = {
        s.key: {
            "key": s.key,
            "group_name": s.group,
            "title": s.title,
            "active": s.active,
            "has_outrights": s.has_outrights,
        }
        for s in snapshot.sports
    }
    for event in snapshot.events:  # a provider that omits the catalogue still names each event's sport
        rows.setdefault(
            event.sport_key,
            {
                "key": event.sport_key,
                "group_name": event.sport_key.split("_")[0].title(),
                "title": event.sport_title,
                "active": True,
                "has_outrights": False,
            },
        )
    if rows:
        stmt = _upsert(session, Sport).values(list(rows.values()))
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"title": stmt.excluded.title, "active": stmt.excluded.active}
        )
        session.execute(stmt)
    return dict(session.execute(select(Sport.key, Sport.id).where(Sport.key.in_(list(rows)))).all())


def upsert_bookmakers(
    session: Session, books: dict[str, tuple[str, str | None]], sharp: Sequence[SharpBook]
) -> dict[str, int]:
    """Create or refresh bookmakers. Sharpness follows configuration (SHARP_BOOKS) on every refresh."""
    if not books:
        return {}
    sharp_by_key = {s.key: s for s in sharp}
    rows = []
    for key, (title, region) in books.items():
        policy = book_policy(key, sharp_by_key)
        rows.append(
            {
                "key": key,
                "title": title,
                "region": region,
                "is_sharp": policy.is_sharp,
                "is_exchange": policy.is_exchange,
                "commission": policy.commission,
                "sharp_weight": policy.sharp_weight,
            }
        )
    stmt = _upsert(session, Bookmaker).values(rows)
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
    session.execute(stmt)
    return dict(
        session.execute(select(Bookmaker.key, Bookmaker.id).where(Bookmaker.key.in_(list(books)))).all()
    )


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


MarketKey = tuple[int, str, str, float, str]


def _markets_of(session: Session, event_ids: Sequence[int]) -> dict[MarketKey, tuple[int, int]]:
    """(event, key, period, point, player) → (market id, number of outcomes) for these events."""
    length = func.jsonb_array_length if _dialect(session) == "postgresql" else func.json_array_length
    conn = session.connection()
    found: dict[MarketKey, tuple[int, int]] = {}
    for batch in _batches(session, event_ids):
        for mid, eid, key, period, point, player, n in conn.execute(
            select(
                Market.id,
                Market.event_id,
                Market.key,
                Market.period,
                Market.point,
                Market.player,
                length(Market.outcomes),
            ).where(_in(session, Market.event_id, batch))
        ):
            found[(eid, key, period, point, player)] = (mid, n)
    return found


def store_snapshot(
    session: Session, snapshot: Snapshot, quotes: Sequence[Quote], sharp: Sequence[SharpBook] = ()
) -> StoreStats:
    """Write a validated snapshot: events, markets, changed prices; supersede changed and pulled prices."""
    stats = StoreStats()
    sport_ids = upsert_sports(session, snapshot)
    book_ids = upsert_bookmakers(session, _books_of(snapshot), sharp)
    event_ids, previously_seen = _upsert_events(session, snapshot, sport_ids)
    quote_keys = [
        (event_ids[q.event_id], q.market.key, q.market.period, q.market.point, q.market.player)
        for q in quotes
    ]
    markets, stats.new_markets = _ensure_markets(session, list(set(event_ids.values())), quote_keys, quotes)
    current = _current_prices(session, list(set(event_ids.values())))
    board = _SnapshotPrices.build(quotes, quote_keys, markets, book_ids)

    # Diff on one int64 key per (market, book, outcome), both sides sorted.
    span = max(max(book_ids.values(), default=0), int(current[:, 1].max(initial=0))) + 1
    cur_key = _price_key(current[:, 0], current[:, 1], current[:, 2], span)
    order = np.argsort(cur_key)
    cur_key, current = cur_key[order], current[order]
    snap_key, first = np.unique(_price_key(board.market, board.book, board.index, span), return_index=True)
    pos = np.minimum(np.searchsorted(cur_key, snap_key), max(cur_key.size - 1, 0))
    found = (cur_key[pos] == snap_key) if cur_key.size else np.zeros(snap_key.size, dtype=bool)
    same = (
        found & (np.abs(current[pos, 4] - board.price[first]) <= PRICE_TOLERANCE) if cur_key.size else found
    )
    stats.unchanged = int(same.sum())

    # Changed prices and pulled lines (current for these events, absent from the snapshot) are superseded;
    # their last sighting is their event's previous refresh.
    gone = ~np.isin(cur_key, snap_key)
    if cur_key.size:
        gone[pos[found & ~same]] = True
    event_of_market = {mid: key[0] for key, (mid, _) in markets.items()}
    stats.superseded = _supersede(
        session,
        current[gone],
        snapshot.fetched_at,
        lambda market: previously_seen.get(event_of_market[market]),
    )
    new = first[~same]  # in key order (np.unique sorted them): index inserts land on neighbouring pages
    if new.size:
        _insert_prices(session, board.rows(new, snapshot.fetched_at))
    stats.inserted = int(new.size)
    return stats


def _books_of(snapshot: Snapshot) -> dict[str, tuple[str, str | None]]:
    regions = {b.key: b.region for b in snapshot.bookmakers}
    books: dict[str, tuple[str, str | None]] = {}
    for event in snapshot.events:
        for book in event.bookmakers:
            books.setdefault(book.key, (book.title, regions.get(book.key)))
    return books


def _upsert_events(
    session: Session, snapshot: Snapshot, sport_ids: dict[str, int]
) -> tuple[dict[str, int], dict[int, datetime]]:
    """Upsert the snapshot's events; return provider id → event id and when each was last seen before."""
    conn = session.connection()
    t = snapshot.fetched_at
    pids = [e.id for e in snapshot.events]
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
    rows = [
        {
            "provider_id": e.id,
            "sport_id": sport_ids[e.sport_key],
            "home_team": e.home_team,
            "away_team": e.away_team,
            "commence_time": e.commence_time,
            "status": e.status,
            "home_score": e.home_score,
            "away_score": e.away_score,
            "first_seen_at": t,
            "last_seen_at": t,
        }
        for e in snapshot.events
    ]
    if rows:
        stmt = _upsert(session, Event)
        updated = ("commence_time", "status", "home_score", "away_score", "last_seen_at")
        stmt = stmt.on_conflict_do_update(
            index_elements=["provider_id"], set_={name: getattr(stmt.excluded, name) for name in updated}
        )
        conn.execute(stmt, rows)  # executemany: batched by the driver, compiled once
    missing = [pid for pid in pids if pid not in event_ids]
    for batch in _batches(session, missing):
        event_ids.update(
            conn.execute(
                select(Event.provider_id, Event.id).where(_in(session, Event.provider_id, batch))
            ).all()
        )
    return event_ids, previously_seen


def _ensure_markets(
    session: Session, event_ids: list[int], keys: Sequence[MarketKey], quotes: Sequence[Quote]
) -> tuple[dict[MarketKey, tuple[int, int]], int]:
    """Markets of these events by key, creating the ones the quotes name for the first time."""
    markets = _markets_of(session, event_ids)
    wanted: dict[MarketKey, tuple[str, ...]] = {}
    for key, q in zip(keys, quotes, strict=True):
        wanted.setdefault(key, q.outcomes)
    new = [
        {"event_id": k[0], "key": k[1], "period": k[2], "point": k[3], "player": k[4], "outcomes": list(v)}
        for k, v in wanted.items()
        if k not in markets
    ]
    if new:
        session.connection().execute(_upsert(session, Market).on_conflict_do_nothing(), new)
        markets.update(_markets_of(session, list({k[0] for k in wanted if k not in markets})))
    return markets, len(new)


def _current_prices(session: Session, event_ids: list[int]) -> NDArray[np.float64]:
    """(market, book, outcome, price id, price) of the current prices of these events."""
    parts = [np.empty((0, 5))]
    for batch in _batches(session, event_ids):
        stmt = (
            select(Price.market_id, Price.bookmaker_id, Price.outcome_index, Price.id, Price.price)
            .join(Market, Market.id == Price.market_id)
            .where(_in(session, Market.event_id, batch), Price.superseded_at.is_(None))
        )
        parts.append(_fetch_matrix(session, stmt, 5))
    return np.vstack(parts)


@dataclass(slots=True)
class _SnapshotPrices:
    """The snapshot's prices as columns, one entry per price, built with one loop over quotes."""

    market: NDArray[np.int64]
    book: NDArray[np.int64]
    index: NDArray[np.int64]
    price: NDArray[np.float64]
    quote: NDArray[np.int64]  # which quote each price came from
    quote_update: list[datetime]

    @classmethod
    def build(
        cls,
        quotes: Sequence[Quote],
        keys: Sequence[MarketKey],
        markets: dict[MarketKey, tuple[int, int]],
        book_ids: dict[str, int],
    ) -> _SnapshotPrices:
        mids: list[int] = []
        books: list[int] = []
        sizes: list[int] = []
        updates: list[datetime] = []
        prices: list[float] = []
        for key, q in zip(keys, quotes, strict=True):
            mid, n_outcomes = markets[key]
            if n_outcomes != len(q.outcomes):
                continue  # e.g. a 2-way quote of a stored 3-way market: outcome indexes would not line up
            mids.append(mid)
            books.append(book_ids[q.bookmaker])
            sizes.append(n_outcomes)
            updates.append(q.last_update)
            prices.extend(q.prices)
        size = np.asarray(sizes, dtype=np.int64)
        quote = np.repeat(np.arange(size.size), size)
        return cls(
            market=np.asarray(mids, dtype=np.int64)[quote],
            book=np.asarray(books, dtype=np.int64)[quote],
            index=np.arange(quote.size) - np.repeat(np.cumsum(size) - size, size),
            price=np.asarray(prices, dtype=np.float64),
            quote=quote,
            quote_update=updates,
        )

    def rows(
        self, which: NDArray[np.intp], seen: datetime
    ) -> list[tuple[int, int, int, float, datetime, datetime]]:
        """Price rows for the entries ``which``: (market, book, outcome, price, first seen, book's update)."""
        quotes = self.quote[which].tolist()
        return list(
            zip(
                self.market[which].tolist(),
                self.book[which].tolist(),
                self.index[which].tolist(),
                self.price[which].tolist(),
                [seen] * len(quotes),
                [self.quote_update[i] for i in quotes],
                strict=True,
            )
        )


def _supersede(
    session: Session, rows: NDArray[np.float64], at: datetime, last_seen: Callable[[int], datetime | None]
) -> int:
    """Close current price rows (market, book, outcome, id, price): ``superseded_at`` and ``last_seen``."""
    by_last_seen: dict[datetime, list[int]] = defaultdict(list)
    for market_id, price_id in zip(
        rows[:, 0].astype(np.int64).tolist(), rows[:, 3].astype(np.int64).tolist(), strict=True
    ):
        by_last_seen[last_seen(market_id) or at].append(price_id)
    conn = session.connection()
    for seen, ids in by_last_seen.items():
        ids.sort()  # heap order: neighbouring rows share pages
        for batch in _batches(session, ids):
            conn.execute(
                update(Price).where(_in(session, Price.id, batch)).values(superseded_at=at, last_seen=seen)
            )
    return len(rows)


def _price_key(market: Any, book: Any, index: Any, span: int) -> NDArray[np.int64]:
    # One int64 per (market, book, outcome): outcome indexes are < 64, book ids < span.
    return (np.asarray(market, dtype=np.int64) * span + np.asarray(book, dtype=np.int64)) * 64 + np.asarray(
        index, dtype=np.int64
    )


def _driver(session: Session) -> Any:
    """The DB-API connection under the session's transaction (psycopg or sqlite3): COPY, executemany."""
    return session.connection().connection.driver_connection


def _fetch_matrix(session: Session, stmt: AnySelect, columns: int) -> NDArray[np.float64]:
    """Run a numeric query into a (rows, columns) float64 array without building a Python row per result.

    PostgreSQL returns each column as one binary array (``array_agg``): one row instead of 155,000, about
    half the time of a row fetch or a text COPY. SQLite's own cursor returns plain tuples, which numpy
    converts quickly (SQLAlchemy rows it does not).
    """
    sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    dbapi = _driver(session)
    if _dialect(session) != "postgresql":
        return np.array(dbapi.execute(sql).fetchall(), dtype=np.float64).reshape(-1, columns)
    names = [f"c{i}" for i in range(columns)]
    aggregated = ", ".join(f"array_agg(q.{name})" for name in names)  # one scan: every array in one row order
    with dbapi.cursor(binary=True) as cursor:
        row = cursor.execute(f"SELECT {aggregated} FROM ({sql}) AS q({', '.join(names)})").fetchone()
    if row is None or row[0] is None:
        return np.empty((0, columns))
    return np.column_stack([np.asarray(column, dtype=np.float64) for column in row])


PRICE_COLUMNS = ("market_id", "bookmaker_id", "outcome_index", "price", "first_seen", "last_update")


def _insert_prices(session: Session, rows: Sequence[tuple[int, int, int, float, datetime, datetime]]) -> None:
    """Append price rows: COPY on PostgreSQL, one executemany on SQLite (no ORM objects, no per-row SQL)."""
    if _dialect(session) == "postgresql":
        stamps: dict[datetime, str] = {}

        def stamp(value: datetime) -> str:
            text_value = stamps.get(value)
            if text_value is None:
                text_value = stamps[value] = value.isoformat()
            return text_value

        buffer = "".join(
            f"{m}\t{b}\t{i}\t{p!r}\t{stamp(first)}\t{stamp(last)}\n" for m, b, i, p, first, last in rows
        )
        dbapi = _driver(session)
        with (
            dbapi.cursor() as cursor,
            cursor.copy(f"COPY prices ({', '.join(PRICE_COLUMNS)}) FROM STDIN") as copy,
        ):
            copy.write(buffer)
        return
    # SQLite stores naive UTC text in SQLAlchemy's DateTime format (what UTCDateTime writes and reads).
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    texts: dict[datetime, str] = {}

    def naive(value: datetime) -> str:
        text_value = texts.get(value)
        if text_value is None:
            text_value = texts[value] = value.astimezone(UTC).strftime(fmt)
        return text_value

    dbapi = _driver(session)
    dbapi.executemany(
        f"INSERT INTO prices ({', '.join(PRICE_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
        [(m, b, i, p, naive(first), naive(last)) for m, b, i, p, first, last in rows],
    )


# --- reads -------------------------------------------------------------------------------------------------


def _epoch(session: Session, column: Any) -> Any:
    """Seconds since the epoch as a float, computed in the database (the scan wants numbers)."""
    if _dialect(session) == "postgresql":
        return cast(func.extract("epoch", column), Float)  # extract() is numeric since PostgreSQL 14: slow
    return (func.julianday(column) - 2440587.5) * 86400.0


@dataclass(slots=True)
class BoardRows:
    """The pre-match board as columns: one entry per current price of an event that has not started."""

    market_id: NDArray[np.int64]
    bookmaker_id: NDArray[np.int64]
    outcome_index: NDArray[np.int64]
    price: NDArray[np.float64]
    # Epoch seconds. Confirmed: the last successful fetch that still carried the price (its event's
    # last_seen_at: a price missing from a fetch is superseded at once). Book update: the book's own stamp.
    confirmed_at: NDArray[np.float64]
    book_updated_at: NDArray[np.float64]


def load_board(session: Session, *, now: datetime) -> BoardRows:
    book_updated = func.coalesce(Price.last_update, Price.first_seen)
    stmt = (
        select(
            Price.market_id,
            Price.bookmaker_id,
            Price.outcome_index,
            Price.price,
            _epoch(session, Event.last_seen_at),
            _epoch(session, book_updated),
        )
        .join(Market, Market.id == Price.market_id)
        .join(Event, Event.id == Market.event_id)
        .where(
            Price.superseded_at.is_(None),
            Event.status == "upcoming",
            Event.commence_time > now,
            ~Market.key.endswith("_lay", autoescape=True),
        )
    )
    board = _fetch_matrix(session, stmt, 6)
    ints = board[:, :3].astype(np.int64)
    return BoardRows(
        ints[:, 0], ints[:, 1], ints[:, 2], board[:, 3].copy(), board[:, 4].copy(), board[:, 5].copy()
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
    id_list = list(set(ids))
    for chunk in _chunks(id_list):
        for row in session.execute(select(Market).where(Market.id.in_(chunk))).scalars():
            found[row.id] = MarketInfo(
                row.id, row.event_id, row.key, row.period, row.point, row.player, tuple(row.outcomes)
            )
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


def event_board(session: Session, event_id: int) -> list[tuple[Market, Price, Bookmaker]]:
    stmt = (
        select(Market, Price, Bookmaker)
        .join(Price, Price.market_id == Market.id)
        .join(Bookmaker, Bookmaker.id == Price.bookmaker_id)
        .where(Market.event_id == event_id, Price.superseded_at.is_(None))
        .order_by(Market.key, Market.period, Market.player, Market.point, Bookmaker.key, Price.outcome_index)
    )
    return list(session.execute(stmt))


def event_history(
    session: Session, event_id: int, *, market_key: str | None, bookmaker: str | None, limit: int
) -> list[tuple[Market, Price, Bookmaker]]:
    stmt = (
        select(Market, Price, Bookmaker)
        .join(Price, Price.market_id == Market.id)
        .join(Bookmaker, Bookmaker.id == Price.bookmaker_id)
        .where(Market.event_id == event_id)
    )
    if market_key:
        stmt = stmt.where(Market.key == market_key)
    if bookmaker:
        stmt = stmt.where(Bookmaker.key == bookmaker)
    stmt = stmt.order_by(
        Market.key, Market.point, Bookmaker.key, Price.outcome_index, Price.first_seen
    ).limit(limit)
    return list(session.execute(stmt))


# --- retention ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PruneStats:
    prices: int = 0
    events: int = 0


def prune_history(session: Session, cutoff: datetime, *, batch: int = 20_000) -> PruneStats:
    """Delete superseded prices last seen before ``cutoff`` and events the feed has not shown since.

    Works in batches so each statement stays short. Prices go first (they carry no foreign keys); deleting
    an event cascades to its markets and opportunities.
    """
    stats = PruneStats()
    conn = session.connection()
    while True:
        ids = conn.execute(select(Price.id).where(Price.last_seen < cutoff).limit(batch)).scalars().all()
        if not ids:
            break
        conn.execute(delete(Price).where(_in(session, Price.id, ids)))
        stats.prices += len(ids)
    old_events = conn.execute(select(Event.id).where(Event.last_seen_at < cutoff)).scalars().all()
    for chunk in _chunks(list(old_events), 1000):
        market_ids = conn.execute(select(Market.id).where(Market.event_id.in_(chunk))).scalars().all()
        for markets in _chunks(list(market_ids)):
            conn.execute(delete(Price).where(Price.market_id.in_(markets)))
        conn.execute(delete(Event).where(Event.id.in_(chunk)))
        stats.events += len(chunk)
    return stats
