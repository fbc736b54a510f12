"""HTTP for closing lines: ``GET /api/events/{id}/closing`` (part of the odds router, so the caller's plan
and rate limit apply as to every odds route)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from fairedge.api_schemas import EVENT_ID_MAX, NOT_FOUND, DevigMethod, invalid
from fairedge.deps import SessionDep
from fairedge.odds import closing
from fairedge.odds.schemas import (
    ClosingMarketOut,
    ClosingOutcomeOut,
    ClosingPriceOut,
    EventClosingOut,
    EventOut,
    american,
)

router = APIRouter()

EventId = Annotated[int, Path(ge=1, le=EVENT_ID_MAX, description="FairEdge event id.")]


@router.get("/events/{event_id}/closing", response_model=EventClosingOut, responses=NOT_FOUND | invalid())
def get_event_closing(
    session: SessionDep,
    event_id: EventId,
    method: Annotated[DevigMethod, Query(description="Devig method of the closing fair line.")] = DevigMethod(
        "shin"
    ),
) -> EventClosingOut:
    view = closing.closing_view(session, event_id, method=method.value)
    return EventClosingOut(
        event=EventOut.build(view.event, view.sport),
        devig_method=method.value,
        captured_at=view.captured_at,
        markets=[
            ClosingMarketOut(
                market_id=m.market_id,
                market=m.key,
                period=m.period,
                point=m.point,
                player=m.player or None,
                fair_source=m.fair_source,
                sharp_books=m.sharp_books,
                outcomes=[
                    ClosingOutcomeOut(
                        name=o.name,
                        point=o.point,
                        best_price=o.best_price,
                        fair_prob=o.fair_prob,
                        fair_odds_decimal=1.0 / o.fair_prob if o.fair_prob else None,
                        fair_odds_american=american(1.0 / o.fair_prob) if o.fair_prob else None,
                        prices=[
                            ClosingPriceOut(
                                bookmaker=p.bookmaker,
                                price_decimal=p.price,
                                price_american=american(p.price),
                                is_best=p.price == o.best_price,
                                first_seen=p.first_seen,
                                confirmed_at=p.confirmed_at,
                            )
                            for p in sorted(o.prices, key=lambda p: (-p.price, p.bookmaker))
                        ],
                    )
                    for o in m.outcomes
                ],
            )
            for m in view.markets
        ],
    )
