"""HTTP for the live stream: ``GET /api/stream/opportunities``, server-sent events of every change of the
board as the caller's plan and filters show the list (stream.py).

Authenticated like the list (Bearer access token or ``X-API-Key``; anonymous in development), and, because
a browser's ``EventSource`` cannot set headers, also by an ``access_token`` query parameter on this route
only, which takes an access token (short-lived), never an API key. The request log records the path
without its query string, and uvicorn's access log is off, so the token is never logged.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from fairedge.api_schemas import EVENT_ID_MAX, DevigMethod, Name
from fairedge.billing.access import Access, get_access
from fairedge.cache.http import CacheDep
from fairedge.deps import SessionDep, SettingsDep
from fairedge.errors import InvalidInput
from fairedge.opportunities import service, stream
from fairedge.opportunities.service import OpportunityFilter
from fairedge.users.deps import api_key_scheme, bearer_scheme, get_caller
from fairedge.users.security import is_api_key

router = APIRouter(prefix="/api/stream", tags=["stream"])

Kind = Literal["ev", "arbitrage", "middle"]
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def get_stream_access(
    request: Request,
    response: Response,
    session: SessionDep,
    bearer: Annotated[str | None, Depends(bearer_scheme)],
    header_key: Annotated[str | None, Depends(api_key_scheme)],
    access_token: Annotated[
        str | None,
        Query(
            max_length=4096,
            description="An access token, for clients that cannot set headers (EventSource); not an API key.",
        ),
    ] = None,
) -> Access:
    """The list's access (caller, plan, rate limit), with the query parameter as one more way in for an
    access token."""
    query_token = (access_token or "").strip() or None
    if query_token is not None and is_api_key(query_token):
        raise InvalidInput(
            "API keys go in the X-API-Key header, never in a URL", details=[{"parameter": "access_token"}]
        )
    caller = await get_caller(request, session, bearer or query_token, header_key)
    return await get_access(request, response, caller)


StreamAccessDep = Annotated[Access, Depends(get_stream_access)]


async def get_hub(request: Request) -> stream.Hub:
    """The process's stream hub, made on first use (in the event loop that serves the streams)."""
    hub: stream.Hub | None = getattr(request.app.state, "stream_hub", None)
    if hub is None:
        runtime = request.app.state.runtime
        settings = request.app.state.settings
        hub = stream.Hub(
            runtime.changes,
            runtime.session_factory,
            max_connections=settings.STREAM_MAX_CONNECTIONS,
            queue_size=settings.STREAM_QUEUE_SIZE,
        )
        request.app.state.stream_hub = hub
    return hub


HubDep = Annotated[stream.Hub, Depends(get_hub)]


@router.get("/opportunities", include_in_schema=False)
async def stream_opportunities(
    request: Request,
    response: Response,
    hub: HubDep,
    cache: CacheDep,
    session: SessionDep,
    settings: SettingsDep,
    access: StreamAccessDep,
    kind: Annotated[list[Kind] | None, Query()] = None,
    sport: Annotated[Name | None, Query()] = None,
    league: Annotated[Name | None, Query()] = None,
    market: Annotated[Name | None, Query()] = None,
    bookmaker: Annotated[Name | None, Query()] = None,
    min_ev: Annotated[float | None, Query(ge=-1, le=100)] = None,
    min_profit_margin: Annotated[float | None, Query(ge=-1, le=100)] = None,
    max_age_seconds: Annotated[float | None, Query(ge=0, le=86_400 * 30)] = None,
    method: Annotated[DevigMethod | None, Query()] = None,
    event_id: Annotated[int | None, Query(ge=1, le=EVENT_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=stream.MAX_LIMIT)] = stream.DEFAULT_LIMIT,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
) -> StreamingResponse:
    # The list's filters and meaning (GET /api/opportunities), live opportunities only.
    chosen = service.choose_method(method.value if method else None, settings.SCAN_DEVIG_METHODS)
    filters = OpportunityFilter(
        kinds=tuple(dict.fromkeys(kind or ())),
        sport=sport,
        league=league,
        market=market,
        bookmaker=bookmaker,
        min_ev=min_ev,
        min_profit_margin=min_profit_margin,
        max_age_seconds=max_age_seconds,
        method=chosen,
        event_id=event_id,
    )
    opened = await stream.open_stream(
        hub,
        cache,
        session,
        stream.StreamQuery(filters, access.plan, limit),
        clock=request.app.state.runtime.clock,
        max_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
        heartbeat_seconds=settings.STREAM_HEARTBEAT_SECONDS,
        last_event_id=last_event_id,
    )
    streaming = StreamingResponse(opened.events(), media_type="text/event-stream", headers=HEADERS)
    streaming.raw_headers.extend(response.raw_headers)  # RateLimit-* from the access dependency
    return streaming
