"""HTTP for odds: sports, bookmakers, events, an event's board and its line history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from fairedge.api_schemas import (
    EVENT_ID_MAX,
    NOT_FOUND,
    UNAVAILABLE,
    DevigMethod,
    Name,
    Timestamp,
    invalid,
)
from fairedge.cache.http import CacheDep, json_response
from fairedge.deps import NowDep, PageDep, SessionDep, SettingsDep
from fairedge.odds import event_board, service
from fairedge.odds.closing_endpoints import router as closing_router
from fairedge.odds.schemas import (
    BookmakerOut,
    EventBoardOut,
    EventHistoryOut,
    EventOut,
    EventPage,
    HistoryPointOut,
    HistorySeriesOut,
    SportOut,
    american,
)

router = APIRouter(prefix="/api", tags=["odds"], responses=UNAVAILABLE)
router.include_router(closing_router)  # GET /api/events/{id}/closing (odds/closing_endpoints.py)

EventId = Annotated[int, Path(ge=1, le=EVENT_ID_MAX, description="FairEdge event id.")]


@router.get("/sports", response_model=list[SportOut])
def list_sports(session: SessionDep) -> list[SportOut]:
    return [
        SportOut(key=s.key, sport=s.group_name, league=s.title, active=s.active, events=n)
        for s, n in service.list_sports(session)
    ]


@router.get("/bookmakers", response_model=list[BookmakerOut])
def list_bookmakers(session: SessionDep) -> list[BookmakerOut]:
    return [BookmakerOut.model_validate(b, from_attributes=True) for b in service.list_bookmakers(session)]


@router.get("/events", response_model=EventPage, responses=invalid())
def list_events(
    session: SessionDep,
    page: PageDep,
    sport: Annotated[Name | None, Query(description="Sport group, e.g. basketball.")] = None,
    league: Annotated[Name | None, Query(description="Sport key or league title.")] = None,
    status: Literal["upcoming", "live", "completed"] | None = None,
    commence_from: Annotated[Timestamp | None, Query(description="Events starting at or after.")] = None,
    commence_to: Annotated[Timestamp | None, Query(description="Events starting at or before.")] = None,
) -> EventPage:
    rows, total = service.list_events(
        session,
        sport=sport,
        league=league,
        status=status,
        commence_from=commence_from,
        commence_to=commence_to,
        offset=page.offset,
        limit=page.limit,
    )
    return EventPage(items=[EventOut.build(e, s) for e, s in rows], page=page.meta(total))


@router.get("/events/{event_id}/odds", response_model=EventBoardOut, responses=NOT_FOUND | invalid())
async def get_event_odds(
    cache: CacheDep,
    session: SessionDep,
    response: Response,
    settings: SettingsDep,
    now: NowDep,
    event_id: EventId,
    method: Annotated[DevigMethod, Query(description="Devig method for the fair line.")] = DevigMethod(
        "shin"
    ),
) -> Response:
    # Async: a cached answer costs no worker thread; the bytes are the documented EventBoardOut.
    body = await event_board.serve(
        cache,
        session,
        event_id,
        method=method.value,
        now=now,
        max_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
    )
    return json_response(body, response.headers)


@router.get("/events/{event_id}/history", response_model=EventHistoryOut, responses=NOT_FOUND | invalid())
def get_event_history(
    session: SessionDep,
    event_id: EventId,
    market: Annotated[Name | None, Query(description="Market key: h2h, spreads, totals…")] = None,
    bookmaker: Annotated[Name | None, Query(description="Bookmaker key.")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000, description="Most price rows returned.")] = 5000,
) -> EventHistoryOut:
    event, series = service.event_history(session, event_id, market=market, bookmaker=bookmaker, limit=limit)
    return EventHistoryOut(
        event_id=event.id,
        series=[
            HistorySeriesOut(
                **{k: v for k, v in s.items() if k != "points"},
                points=[
                    HistoryPointOut(
                        price_decimal=p.price,
                        price_american=american(p.price),
                        first_seen=p.first_seen,
                        last_seen=p.last_seen,
                        superseded_at=p.superseded_at,
                    )
                    for p in s["points"]
                ],
            )
            for s in series
        ],
    )
