"""An event's board as the API serves it (``GET /api/events/{id}/odds``): JSON bytes, cached per event and
devig method.

The board depends on the stored prices and, through the fair line, on time: sharp quotes older than the age
limit leave the line. So an entry holds until the next scan (which follows every successful refresh and
bumps the ``events`` version) or until the event's quotes pass the age limit, whichever is first. The answer
is the same for every plan, so the plan is not part of the key.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import partial

import anyio
import orjson
from sqlalchemy.orm import Session

from fairedge.cache import AgedJson, Cache, CacheKey, canonical
from fairedge.odds import service
from fairedge.odds.schemas import (
    BoardMarketOut,
    BoardOutcomeOut,
    BookPrice,
    EventBoardOut,
    EventOut,
    american,
)

NAMESPACE = "events"  # the boards' version: bumped by the scan that follows each refresh
VIEW = "event_odds"  # the metrics' view label


def key(event_id: int, method: str) -> CacheKey:
    return CacheKey(NAMESPACE, f"{NAMESPACE}:{event_id}:odds", canonical({"method": method}))


async def serve(
    cache: Cache, session: Session, event_id: int, *, method: str, now: datetime, max_age_seconds: float
) -> bytes:
    """The board's JSON at ``now``: from the cache while it holds, else from the database (in a worker
    thread, with the request's session) and cached."""
    compute = partial(build, session, event_id, method=method, now=now, max_age_seconds=max_age_seconds)
    return await cache.fetch(
        key(event_id, method),
        view=VIEW,
        now=now.timestamp(),
        compute=lambda: anyio.to_thread.run_sync(compute),
    )


def build(session: Session, event_id: int, *, method: str, now: datetime, max_age_seconds: float) -> AgedJson:
    event, sport, markets = service.event_board(
        session, event_id, method=method, now=now, max_age_seconds=max_age_seconds
    )
    board = EventBoardOut(
        event=EventOut.build(event, sport),
        devig_method=method,
        markets=[
            BoardMarketOut(
                market_id=m.market_id,
                market=m.key,
                period=m.period,
                point=m.point,
                player=m.player or None,
                fair_source=m.fair_source,
                sharp_books=m.sharp_books,
                updated=m.updated,
                outcomes=[
                    BoardOutcomeOut(
                        name=o.name,
                        point=o.point,
                        best_price=o.best_price,
                        best_bookmakers=o.best_bookmakers,
                        fair_prob=o.fair_prob,
                        fair_odds_decimal=1.0 / o.fair_prob if o.fair_prob else None,
                        fair_odds_american=american(1.0 / o.fair_prob) if o.fair_prob else None,
                        prices=[
                            BookPrice(
                                bookmaker=book,
                                price_decimal=price,
                                price_american=american(price),
                                is_best=price == o.best_price,
                            )
                            for book, price in sorted(o.prices.items(), key=lambda kv: (-kv[1], kv[0]))
                        ],
                    )
                    for o in m.outcomes
                ],
            )
            for m in markets
        ],
    )
    # Every current price of the event was confirmed at its last_seen_at: the fair line changes once they
    # pass the age limit, and no more after that.
    stale_at = event.last_seen_at + timedelta(seconds=max_age_seconds)
    return AgedJson.dump(
        orjson.Fragment(board.model_dump_json()),
        computed_at=now.timestamp(),
        valid_until=stale_at.timestamp() if markets and stale_at > now else math.inf,
    )
