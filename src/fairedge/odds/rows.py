"""A snapshot mapped to the rows the store writes: sports, bookmakers, events, new markets, quote arrays.

Pure: ids come in as mappings the repository has read; no session, no SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fairedge.odds.bookmakers import SharpBook, book_policy
from fairedge.odds.providers.base import BookmakerInfo, Snapshot
from fairedge.odds.quotes import MarketKey, QuoteArrays, QuoteColumns

# (id, event id, key, period, point, player, number of outcomes): a stored market as the refresh reads it.
MarketRow = tuple[int, int, str, str, float, str, int]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(value: datetime) -> int:
    """Microseconds since 1970 (UTC) of an aware datetime, exactly."""
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def sport_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The catalogue's sports, and a row for every event's sport the catalogue omits."""
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
    for event in snapshot.events:
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
    return list(rows.values())


def bookmaker_rows(
    quotes: QuoteColumns, catalogue: Sequence[BookmakerInfo], sharp: Sequence[SharpBook]
) -> list[dict[str, Any]]:
    """Every book of the snapshot, with its catalogue region and the policy configuration gives it
    (``SHARP_BOOKS``)."""
    regions = {b.key: b.region for b in catalogue}
    sharp_by_key = {s.key: s for s in sharp}
    rows = []
    for key, title in zip(quotes.books, quotes.book_titles, strict=True):
        policy = book_policy(key, sharp_by_key)
        rows.append(
            {
                "key": key,
                "title": title,
                "region": regions.get(key),
                "is_sharp": policy.is_sharp,
                "is_exchange": policy.is_exchange,
                "commission": policy.commission,
                "sharp_weight": policy.sharp_weight,
            }
        )
    return rows


def event_rows(snapshot: Snapshot, sport_ids: Mapping[str, int]) -> list[dict[str, Any]]:
    """The snapshot's events, seen at its fetch time; an event listed twice counts once (its last entry)."""
    seen = snapshot.fetched_at
    rows = {
        e.id: {
            "provider_id": e.id,
            "sport_id": sport_ids[e.sport_key],
            "home_team": e.home_team,
            "away_team": e.away_team,
            "commence_time": e.commence_time,
            "status": e.status,
            "home_score": e.home_score,
            "away_score": e.away_score,
            "first_seen_at": seen,
            "last_seen_at": seen,
        }
        for e in snapshot.events
    }
    return list(rows.values())


def new_market_rows(
    quotes: QuoteColumns, known: Mapping[MarketKey, Any], event_ids: Mapping[str, int]
) -> list[dict[str, Any]]:
    """Rows for the markets the quotes name that the store does not have yet."""
    return [
        {
            "event_id": event_ids[key[0]],
            "key": key[1],
            "period": key[2],
            "point": key[3],
            "player": key[4],
            "outcomes": list(names),
        }
        for key, names in zip(quotes.markets, quotes.outcomes, strict=True)
        if key not in known
    ]


def market_index(
    markets: Sequence[MarketRow], provider_ids: Mapping[int, str]
) -> dict[MarketKey, tuple[int, int]]:
    """Stored markets by the key quotes name them with → (market id, number of outcomes)."""
    return {
        (provider_ids[event_id], key, period, point, player): (market_id, outcomes)
        for market_id, event_id, key, period, point, player, outcomes in markets
    }


def last_seen(
    market_id: NDArray[np.int64],
    markets: Sequence[MarketRow],
    previously_seen: Mapping[int, datetime],
    *,
    default: int,
) -> NDArray[np.int64]:
    """When each quote's event was last refreshed before this snapshot (µs): the last fetch that carried an
    ended quote. ``default`` for events seen for the first time."""
    if not market_id.size:
        return np.empty(0, dtype=np.int64)
    seen = {event: micros(at) for event, at in previously_seen.items()}
    ids = np.array([m[0] for m in markets], dtype=np.int64)
    times = np.array([seen.get(m[1], default) for m in markets], dtype=np.int64)
    order = np.argsort(ids)
    ids, times = ids[order], times[order]
    pos = np.minimum(np.searchsorted(ids, market_id), ids.size - 1)
    return np.where(ids[pos] == market_id, times[pos], default)


def snapshot_quotes(
    quotes: QuoteColumns,
    markets: Mapping[MarketKey, tuple[int, int]],
    book_ids: Mapping[str, int],
    fetched_at: datetime,
) -> QuoteArrays:
    """The quotes as arrays of ids, first seen at ``fetched_at``.

    ``markets`` maps each market to (id, number of outcomes as stored). A quote with another number of
    outcomes (a two-way quote of a stored three-way market) is left out: its outcome indexes would not
    line up.
    """
    if not quotes.market:
        return QuoteArrays.empty()
    found = [markets[key] for key in quotes.markets]
    number = np.asarray(quotes.market, dtype=np.int64)
    stamps: dict[datetime, int] = {}
    for stamp in quotes.last_update:
        if stamp not in stamps:
            stamps[stamp] = micros(stamp)
    arrays = QuoteArrays(
        market_id=np.array([m for m, _ in found], dtype=np.int64)[number],
        bookmaker_id=np.array([book_ids[b] for b in quotes.books], dtype=np.int64)[quotes.bookmaker],
        prices=np.column_stack([quotes.price_0, quotes.price_1, quotes.price_2]).astype(np.float64),
        first_seen=np.full(number.size, micros(fetched_at), dtype=np.int64),
        last_update=np.fromiter(
            (stamps[s] for s in quotes.last_update), dtype=np.int64, count=len(quotes.last_update)
        ),
    )
    fits = arrays.width() == np.array([n for _, n in found], dtype=np.int64)[number]
    return arrays if bool(fits.all()) else arrays.take(np.flatnonzero(fits))
