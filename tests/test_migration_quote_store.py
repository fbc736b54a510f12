"""Migration c4e8b21f7a90: a database whose odds are per-outcome ``prices`` rows (today's main) upgrades to
quotes — the board and the line history say the same — and downgrades back, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, SmallInteger, column, create_engine, select
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session

from fairedge.db import migrate
from fairedge.db.base import UTCDateTime
from fairedge.db.engine import normalise_url
from fairedge.odds import service
from fairedge.odds.models import Bookmaker, CurrentQuote, Event, Market, QuoteHistory, Sport
from test_migrations import empty_url  # noqa: F401  (the fixture)

BEFORE, REVISION = "a1f0c3d2e001", "c4e8b21f7a90"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
T1, T2 = T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)
OUTCOMES = ["Knicks", "Celtics", "Draw"]
PRICES = sa_table(
    "prices",
    column("market_id", Integer),
    column("bookmaker_id", Integer),
    column("outcome_index", SmallInteger),
    column("price", Float),
    *(column(name, UTCDateTime()) for name in ("first_seen", "last_update", "last_seen", "superseded_at")),
)


def _price(
    market: int,
    book: int,
    outcome: int,
    price: float,
    first: datetime,
    seen: datetime | None,
    ended: datetime | None,
) -> dict[str, Any]:
    return {
        "market_id": market,
        "bookmaker_id": book,
        "outcome_index": outcome,
        "price": price,
        "first_seen": first,
        "last_update": first if market == 1 else None,
        "last_seen": seen,
        "superseded_at": ended,
    }


OLD_PRICES = [
    # pinnacle h2h: the away price moves at T1, both at T2; the home price held from T0 to T2.
    _price(1, 1, 0, 1.9, T0, T1, T2),
    _price(1, 1, 0, 1.85, T2, None, None),
    _price(1, 1, 1, 2.0, T0, T0, T1),
    _price(1, 1, 1, 2.1, T1, T1, T2),
    _price(1, 1, 1, 2.05, T2, None, None),
    # fanduel h2h: pulled at T1.
    _price(1, 2, 0, 2.2, T0, T0, T1),
    _price(1, 2, 1, 1.7, T0, T0, T1),
    # pinnacle three-way first-half h2h, unchanged since T0, without a book time.
    _price(2, 1, 0, 2.5, T0, None, None),
    _price(2, 1, 1, 3.0, T0, None, None),
    _price(2, 1, 2, 3.2, T0, None, None),
]


def _populate(url: str) -> None:
    engine = create_engine(normalise_url(url))
    with Session(engine) as session, session.begin():
        session.add_all([Sport(id=1, key="basketball_nba", group_name="Basketball", title="NBA")])
        session.add_all(
            [
                Bookmaker(id=1, key="pinnacle", title="Pinnacle"),
                Bookmaker(id=2, key="fanduel", title="FanDuel"),
            ]
        )
        session.flush()
        session.add(Event(id=1, provider_id="e1", sport_id=1, home_team="Knicks", away_team="Celtics",
                          commence_time=T0 + timedelta(days=1), status="upcoming", first_seen_at=T0,
                          last_seen_at=T2))  # fmt: skip
        session.flush()
        session.add_all([
            Market(id=1, event_id=1, key="h2h", period="full", point=0.0, player="", outcomes=OUTCOMES[:2]),
            Market(id=2, event_id=1, key="h2h", period="h1", point=0.0, player="",
                   outcomes=OUTCOMES),
        ])  # fmt: skip
        session.flush()
        session.execute(PRICES.insert(), OLD_PRICES)
    engine.dispose()


def _series(url: str) -> dict[tuple[int, str, int], list[tuple[float, datetime, datetime | None]]]:
    engine = create_engine(normalise_url(url))
    with Session(engine) as session:
        _, series = service.event_history(session, 1, market=None, bookmaker=None, limit=1000)
    engine.dispose()
    return {
        (s["market_id"], s["bookmaker"], OUTCOMES.index(s["outcome"])): [
            (p.price, p.first_seen, p.superseded_at) for p in s["points"]
        ]
        for s in series
    }


def test_a_populated_store_upgrades_to_quotes_and_back(empty_url: str) -> None:  # noqa: F811
    migrate.upgrade(empty_url, BEFORE)
    _populate(empty_url)
    migrate.upgrade(empty_url, REVISION)

    engine = create_engine(normalise_url(empty_url))
    with Session(engine) as session:
        current = {
            (q.market_id, q.bookmaker_id): (q.price_0, q.price_1, q.price_2, q.first_seen, q.last_update)
            for q in session.scalars(select(CurrentQuote))
        }
        history = sorted(
            (h.market_id, h.bookmaker_id, h.price_0, h.price_1, h.first_seen, h.last_seen, h.superseded_at)
            for h in session.scalars(select(QuoteHistory))
        )
    engine.dispose()
    assert current == {(1, 1): (1.85, 2.05, None, T2, T2), (2, 1): (2.5, 3.0, 3.2, T0, T0)}
    assert history == [
        (1, 1, 1.9, 2.0, T0, T0, T1),
        (1, 1, 1.9, 2.1, T1, T1, T2),
        (1, 2, 2.2, 1.7, T0, T0, T1),
    ]
    # The line history an API client reads is what the price rows said.
    assert _series(empty_url) == {
        (1, "pinnacle", 0): [(1.9, T0, T2), (1.85, T2, None)],
        (1, "pinnacle", 1): [(2.0, T0, T1), (2.1, T1, T2), (2.05, T2, None)],
        (1, "fanduel", 0): [(2.2, T0, T1)],
        (1, "fanduel", 1): [(1.7, T0, T1)],
        (2, "pinnacle", 0): [(2.5, T0, None)],
        (2, "pinnacle", 1): [(3.0, T0, None)],
        (2, "pinnacle", 2): [(3.2, T0, None)],
    }

    migrate.downgrade(empty_url, BEFORE)
    engine = create_engine(normalise_url(empty_url))
    with engine.connect() as conn:
        rows = conn.execute(select(PRICES)).all()
    engine.dispose()
    current_rows = sorted(
        (r.market_id, r.bookmaker_id, r.outcome_index, r.price) for r in rows if r.superseded_at is None
    )
    assert current_rows == [(1, 1, 0, 1.85), (1, 1, 1, 2.05), (2, 1, 0, 2.5), (2, 1, 1, 3.0), (2, 1, 2, 3.2)]
    seen = {(r.market_id, r.bookmaker_id, r.outcome_index, r.price, r.first_seen) for r in rows}
    assert {(p["market_id"], p["bookmaker_id"], p["outcome_index"], p["price"]) for p in OLD_PRICES} == {
        s[:4] for s in seen
    }
