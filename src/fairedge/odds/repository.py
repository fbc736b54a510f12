"""Every odds query. Upserts and bulk paths differ between SQLite and PostgreSQL; that lives here only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairedge.odds.catalogue import EXCHANGE_COMMISSION, is_exchange
from fairedge.odds.models import Bookmaker, Event, Market, Price, Sport
from fairedge.odds.providers.base import Snapshot
from fairedge.pricing.fair import SharpBook

PRICE_TOLERANCE = 1e-9
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
        spec = sharp_by_key.get(key)
        commission = spec.commission if spec and spec.commission else EXCHANGE_COMMISSION.get(key, 0.0)
        rows.append(
            {
                "key": key,
                "title": title,
                "region": region,
                "is_sharp": spec is not None,
                "is_exchange": is_exchange(key),
                "commission": commission,
                "sharp_weight": spec.weight if spec else 0.0,
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
        session.execute(select(Bookmaker.key, Bookmaker.id).where(Bookmaker.key.in_(list(books))))
        
        .all()
    )


def store_snapshot(
    session: Session, snapshot: Snapshot, quotes: Sequence[Any], sharp: Sequence[SharpBook] = ()
) -> StoreStats:
    """Write a validated snapshot: events, markets, changed prices; supersede changed and pulled prices."""
    stats = StoreStats()
    t = snapshot.fetched_at
    sport_ids = upsert_sports(session, snapshot)

    books: dict[str, tuple[str, str | None]] = {}
    regions = {b.key: b.region for b in snapshot.bookmakers}
    for event in snapshot.events:
        for book in event.bookmakers:
            books.setdefault(book.key, (book.title, regions.get(book.key)))
    book_ids = upsert_bookmakers(session, books, sharp)

    # Events: remember when each was last seen before this refresh (the superseded prices' last sighting).
    pids = [e.id for e in snapshot.events]
    previous: dict[str, tuple[int, datetime]] = {}
    for chunk in _chunks(pids):
        for pid, eid, seen in session.execute(
            select(Event.provider_id, Event.id, Event.last_seen_at).where(Event.provider_id.in_(chunk))
        ):
            previous[pid] = (eid, seen)
    event_rows = [
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
    for chunk in _chunks(event_rows, 1000):
        stmt = _upsert(session, Event).values(list(chunk))
        stmt = stmt.on_conflict_do_update(
            index_elements=["provider_id"],
            set_={
                name: getattr(stmt.excluded, name)
                for name in ("commence_time", "status", "home_score", "away_score", "last_seen_at")
            },
        )
        session.execute(stmt)
    event_ids: dict[str, int] = {pid: eid for pid, (eid, _) in previous.items()}
    missing = [pid for pid in pids if pid not in event_ids]
    for chunk in _chunks(missing):
        event_ids.update(
            session.execute(select(Event.provider_id, Event.id).where(Event.provider_id.in_(chunk)))
            
            .all()
        )

    # Markets: insert the new ones, then read back ids for every market of these events.
    market_keys = {}
    for q in quotes:
        ident = (event_ids[q.event_id], q.market.key, q.market.period, q.market.point, q.market.player)
        market_keys.setdefault(ident, q.outcomes)
    eids = list({event_ids[pid] for pid in pids})
    market_ids: dict[tuple[int, str, str, float, str], tuple[int, tuple[str, ...]]] = {}
    for chunk in _chunks(eids):
        for mid, eid, key, period, point, player, outcomes in session.execute(
            select(
                Market.id,
                Market.event_id,
                Market.key,
                Market.period,
                Market.point,
                Market.player,
                Market.outcomes,
            ).where(Market.event_id.in_(chunk))
        ):
            market_ids[(eid, key, period, point, player)] = (mid, tuple(outcomes))
    new_markets = [
        {"event_id": k[0], "key": k[1], "period": k[2], "point": k[3], "player": k[4], "outcomes": list(v)}
        for k, v in market_keys.items()
        if k not in market_ids
    ]
    if new_markets:
        for chunk in _chunks(new_markets, 1000):
            session.execute(_upsert(session, Market).values(list(chunk)).on_conflict_do_nothing())
        stats.new_markets = len(new_markets)
        new_eids = list({m["event_id"] for m in new_markets})
        for chunk in _chunks(new_eids):
            for mid, eid, key, period, point, player, outcomes in session.execute(
                select(
                    Market.id,
                    Market.event_id,
                    Market.key,
                    Market.period,
                    Market.point,
                    Market.player,
                    Market.outcomes,
                ).where(Market.event_id.in_(chunk))
            ):
                market_ids[(eid, key, period, point, player)] = (mid, tuple(outcomes))

    # Current prices of these events, to diff against the snapshot.
    current: dict[tuple[int, int, int], tuple[int, float]] = {}
    for chunk in _chunks(eids):
        rows = session.execute(
            select(Price.market_id, Price.bookmaker_id, Price.outcome_index, Price.id, Price.price)
            .join(Market, Market.id == Price.market_id)
            .where(Market.event_id.in_(chunk), Price.superseded_at.is_(None))
        )
        for market_id, book_id, index, price_id, price in rows:
            current[(market_id, book_id, index)] = (price_id, price)

    new_rows: list[tuple[int, int, int, float, datetime, datetime]] = []
    seen: set[tuple[int, int, int]] = set()
    for q in quotes:
        eid = event_ids[q.event_id]
        mid, outcomes = market_ids[(eid, q.market.key, q.market.period, q.market.point, q.market.player)]
        if outcomes != q.outcomes:
            continue  # shape conflicts with the stored market (e.g. 2-way vs 3-way); normalise reported none
        book_id = book_ids[q.bookmaker]
        for index, price in enumerate(q.prices):
            key3 = (mid, book_id, index)
            if key3 in seen:
                continue
            seen.add(key3)
            old = current.get(key3)
            if old is not None and abs(old[1] - price) <= PRICE_TOLERANCE:
                stats.unchanged += 1
                continue
            new_rows.append((mid, book_id, index, price, t, q.last_update))

    # Supersede changed prices and pulled lines (current for these events but absent from the snapshot).
    superseded_by_event: dict[datetime, list[int]] = defaultdict(list)
    market_event = {mid: key[0] for key, (mid, _) in market_ids.items()}
    last_seen_by_event = {eid: seen_at for eid, seen_at in previous.values()}
    changed_keys = {(r[0], r[1], r[2]) for r in new_rows}
    for key3, (price_id, _price) in current.items():
        if key3 not in seen or key3 in changed_keys:
            eid = market_event.get(key3[0])
            superseded_by_event[last_seen_by_event.get(eid, t) if eid is not None else t].append(price_id)
    for last_seen, ids in superseded_by_event.items():
        for chunk in _chunks(ids):
            session.execute(
                update(Price).where(Price.id.in_(chunk)).values(superseded_at=t, last_seen=last_seen),
                execution_options={"synchronize_session": False},
            )
            stats.superseded += len(chunk)

    if new_rows:
        _insert_prices(session, new_rows)
    stats.inserted = len(new_rows)
    return stats


PRICE_COLUMNS = ("market_id", "bookmaker_id", "outcome_index", "price", "first_seen", "last_update")


def _insert_prices(session: Session, rows: Sequence[tuple[int, int, int, float, datetime, datetime]]) -> None:
    if _dialect(session) == "postgresql":
        # COPY is several times faster than multi-row INSERT for the hundred-thousand-row first refresh.
        dbapi = session.connection().connection.driver_connection
        with (
            dbapi.cursor() as cursor,
            cursor.copy(f"COPY prices ({', '.join(PRICE_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    session.execute(insert(Price), [dict(zip(PRICE_COLUMNS, row, strict=True)) for row in rows])


# --- reads -------------------------------------------------------------------------------------------------


def _epoch(session: Session, column: Any) -> Any:
    """Seconds since the epoch as a float, computed in the database (the scan wants numbers, not datetimes)."""
    if _dialect(session) == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


@dataclass(slots=True)
class BoardRows:
    """The current board as columns: one entry per current price of a not-yet-completed event."""

    market_id: list[int]
    bookmaker_id: list[int]
    outcome_index: list[int]
    price: list[float]
    quoted_at: list[float]  # epoch seconds: the book's last_update, else when we first saw the price


def load_board(session: Session) -> BoardRows:
    quoted = func.coalesce(Price.last_update, Price.first_seen)
    stmt = (
        select(Price.market_id, Price.bookmaker_id, Price.outcome_index, Price.price, _epoch(session, quoted))
        .join(Market, Market.id == Price.market_id)
        .join(Event, Event.id == Market.event_id)
        .where(Price.superseded_at.is_(None), Event.status != "completed", ~Market.key.endswith("_lay"))
    )
    rows = session.execute(stmt).all()
    if not rows:
        return BoardRows([], [], [], [], [])
    m, b, o, p, q = (list(col) for col in zip(*rows, strict=True))
    return BoardRows(m, b, o, p, [float(x) for x in q])


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
            found[row.id] = MarketInfo(row.id, row.event_id, row.key, row.period, row.point, row.player,
                                       tuple(row.outcomes))
    return found


@dataclass(frozen=True, slots=True)
class MarketShape:
    id: int
    event_id: int
    key: str
    period: str
    point: float
    player: str


def market_shapes(session: Session, ids: Iterable[int]) -> list[MarketShape]:
    id_list = list(set(ids))
    found = []
    for chunk in _chunks(id_list):
        found.extend(
            MarketShape(*row)
            for row in session.execute(
                select(Market.id, Market.event_id, Market.key, Market.period, Market.point, Market.player)
                .where(Market.id.in_(chunk))
            )
        )
    return found


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


def sport_filter(stmt: Select[Any], sport: str | None, league: str | None) -> Select[Any]:
    """``sport`` matches the group (basketball) or key prefix; ``league`` the sport key or its title (NBA)."""
    if sport:
        stmt = stmt.where(or_(func.lower(Sport.group_name) == sport.lower(), Sport.key.startswith(sport.lower() + "_")))
    if league:
        stmt = stmt.where(or_(Sport.key == league, func.lower(Sport.title) == league.lower()))
    return stmt


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
    return list(rows), int(total)


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
    stmt = stmt.order_by(Market.key, Market.point, Bookmaker.key, Price.outcome_index, Price.first_seen).limit(limit)
    return list(session.execute(stmt))
