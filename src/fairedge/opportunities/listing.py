"""The opportunity list as the API serves it: JSON bytes built from plain rows, cached per plan and filters.

The same document whether it comes from the cache or the database, in the shape of
``schemas.OpportunityPage`` (the route's documented response model): built from the columns of one page
query as dicts, serialised once by orjson, ages filled in when served (``cache.aging``). An answer is
cached under its plan and its normalised filters and page, and holds until the next scan, the expiry job,
or the instant time changes it (``service.list_page``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import partial
from typing import Any

import anyio
import orjson
from sqlalchemy import Row
from sqlalchemy.orm import Session

from fairedge.billing.plans import Plan
from fairedge.cache import AgedJson, Cache, CacheKey, Since, canonical
from fairedge.db.session import SessionOpener
from fairedge.odds.schemas import american
from fairedge.opportunities import service
from fairedge.opportunities.models import KINDS
from fairedge.opportunities.service import OpportunityFilter, OpportunityPage

NAMESPACE = "opportunities"  # the board's version: bumped by the scan and the expiry job
VIEW = "opportunities"  # the metrics' view label
DEFAULT_LIMIT = 50  # a page without ``limit`` (deps.get_page): what the warming job stores


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One request of the list: filters, plan, order and page. Built normalised (:meth:`build`), so
    requests that must get the same answer have the same key."""

    filters: OpportunityFilter
    plan: Plan
    sort: str
    offset: int
    limit: int

    @classmethod
    def build(
        cls, filters: OpportunityFilter, plan: Plan, *, sort: str, offset: int, limit: int
    ) -> ListQuery:
        kinds = sorted(set(filters.kinds))
        normal = replace(
            filters,
            kinds=() if set(kinds) >= set(KINDS) else tuple(kinds),  # every kind is no kind filter
            sport=filters.sport.lower() if filters.sport else None,  # matched case-insensitively
            league=filters.league or None,
            market=filters.market or None,
            bookmaker=filters.bookmaker or None,
        )
        return cls(normal, plan, sort, offset, limit)

    def key(self) -> CacheKey:
        """``opportunities:v<board>:<plan>:<every filter, sort and page, sorted>``; the plan by name,
        never the caller (the answer depends on the plan only)."""
        params: dict[str, Any] = {f.name: getattr(self.filters, f.name) for f in fields(self.filters)}
        params["kinds"] = self.filters.kinds or ("all",)
        params.update(sort=self.sort, offset=self.offset, limit=self.limit)
        return CacheKey(NAMESPACE, NAMESPACE, f"{self.plan.name}:{canonical(params)}")


class KnownQueries:
    """Query strings of the list this app has validated, each with its :class:`ListQuery` (for the plan of
    the caller who sent it first; swap the plan). Parsing is a pure function of the string and the app's
    settings, so a string found here needs no second validation. Bounded: full, it starts over."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._max_entries = max_entries
        self._queries: dict[bytes, ListQuery] = {}

    def get(self, query_string: bytes) -> ListQuery | None:
        return self._queries.get(query_string)

    def remember(self, query_string: bytes, query: ListQuery) -> None:
        if len(self._queries) >= self._max_entries:
            self._queries.clear()
        self._queries[query_string] = query


async def serve(
    cache: Cache, sessions: SessionOpener, query: ListQuery, *, now: datetime, max_age_seconds: float
) -> bytes:
    """The list's JSON at ``now``: from the cache while it holds, else from the database (a session from
    ``sessions``, opened on a miss only; the query in a worker thread) and cached."""
    service.check_filter(query.filters)  # a mistaken filter is refused before the cache is asked

    async def compute() -> AgedJson:
        async with sessions() as session:
            found = partial(build, session, query, now=now, max_age_seconds=max_age_seconds)
            return await anyio.to_thread.run_sync(found)

    return await cache.fetch(query.key(), view=VIEW, now=now.timestamp(), compute=compute)


def build(session: Session, query: ListQuery, *, now: datetime, max_age_seconds: float) -> AgedJson:
    """The answer to ``query`` as it stands at ``now``, ready to cache."""
    found = service.list_page(
        session,
        query.filters,
        query.plan,
        now=now,
        max_age_seconds=max_age_seconds,
        sort=query.sort,
        offset=query.offset,
        limit=query.limit,
    )
    holds_until = math.inf if found.holds_until is None else found.holds_until.timestamp()
    return AgedJson.dump(
        _document(found, query.offset, query.limit), computed_at=now.timestamp(), valid_until=holds_until
    )


def warm(
    cache: Cache,
    session: Session,
    queries: Iterable[ListQuery],
    *,
    now: datetime,
    max_age_seconds: float,
) -> int:
    """Compute and store each query's answer; how many were stored."""
    stored = 0
    for query in queries:
        stored += cache.warm(
            query.key(), partial(build, session, query, now=now, max_age_seconds=max_age_seconds)
        )
    return stored


def _document(found: OpportunityPage, offset: int, limit: int) -> dict[str, Any]:
    following = offset + limit
    return {
        "items": [_item(row) for row in found.rows],
        "page": {
            "total": found.total,
            "offset": offset,
            "limit": limit,
            "next_offset": following if following < found.total else None,
        },
        "hidden": {
            "total": sum(w.count for w in found.withheld),
            "reasons": [{"reason": w.reason, "count": w.count, "message": w.message} for w in found.withheld],
            "plan": found.plan,
        },
    }


def _item(row: Row[Any]) -> dict[str, Any]:
    """One opportunity as ``schemas.build`` shows it: the same fields, in the same order."""
    ended_at: datetime | None = row.ended_at
    item: dict[str, Any] = {
        "id": row.id,
        "active": row.active,
        "event": {
            "id": row.event_id,
            "sport": row.group_name,
            "league": row.sport_key,
            "league_title": row.sport_title,
            "home_team": row.home_team,
            "away_team": row.away_team,
            "commence_time": row.commence_time,
            "status": row.status,
        },
        "market": row.market_key,
        "period": row.period,
        "legs": [
            {
                "bookmaker": leg["bookmaker"],
                "market_id": leg["market_id"],
                "outcome": leg["outcome"],
                "point": leg["point"],
                "price_decimal": leg["price"],
                "price_american": american(leg["price"]),
                "net_price_decimal": leg["net_price"],
                "stake": leg["stake"],
                "payout": leg["payout"],
            }
            for leg in orjson.loads(row.legs)
        ],
        "confirmed_at": row.confirmed_at,
        "quote_age_seconds": Since(row.confirmed_at.timestamp()),
        "book_updated_at": row.book_updated_at,
        "first_seen": row.first_seen,
        "last_seen": row.last_seen,
        "ended_at": ended_at,
        "end_reason": row.end_reason,
        "lifespan_seconds": Since(row.first_seen.timestamp())
        if ended_at is None
        else max((ended_at - row.first_seen).total_seconds(), 0.0),
        "kind": row.kind,
    }
    if row.kind == "ev":
        item.update(
            ev=row.ev,
            fair_prob=row.fair_prob,
            fair_odds_decimal=1.0 / row.fair_prob,
            fair_odds_american=american(1.0 / row.fair_prob),
            kelly_fraction=row.kelly_fraction,
            hold=row.hold,
            devig_method=row.devig_method,
            fair_source=row.fair_source,
            sharp_books=orjson.loads(row.sharp_books),
        )
    elif row.kind == "arbitrage":
        item["profit_margin"] = row.profit_margin
    else:
        item.update(
            ev=row.ev,
            hit_probability=row.hit_probability,
            max_loss=row.max_loss,
            window=[row.window_low, row.window_high],
            axis=row.axis,
            devig_method=row.devig_method,
            fair_source=row.fair_source,
            sharp_books=orjson.loads(row.sharp_books),
        )
    return item


# The live stream (stream.py) sends each opened or updated opportunity in the list's item shape.
row_item = _item
