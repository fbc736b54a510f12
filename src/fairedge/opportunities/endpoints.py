"""HTTP for opportunities: the filtered, sorted, paginated list and one opportunity, as the caller's plan
shows them."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from fairedge.api_schemas import (
    ACCESS,
    EVENT_ID_MAX,
    NOT_FOUND,
    UNAVAILABLE,
    DevigMethod,
    ErrorBody,
    Name,
    Responses,
    invalid,
)
from fairedge.billing.access import Access, AccessDep, access_of
from fairedge.cache.http import json_response
from fairedge.config import Settings
from fairedge.db.session import SessionOpener, held, request_session
from fairedge.deps import NowDep, PageDep, SessionDep, SettingsDep
from fairedge.opportunities import listing, schemas, service
from fairedge.opportunities.schemas import OpportunityOut, OpportunityPage
from fairedge.opportunities.service import OpportunityFilter
from fairedge.users.deps import caller_of, credential_of

router = APIRouter(prefix="/api/opportunities", tags=["opportunities"], responses=UNAVAILABLE | ACCESS)

Kind = Literal["ev", "arbitrage", "middle"]
WITHHELD: Responses = {
    403: {
        "model": ErrorBody,
        "description": "The caller's plan does not show this opportunity (plan_limit): its kind, market or "
        "sport is outside the plan, or it is still inside the plan's delay; details give the reason.",
    }
}


class ListRoute(APIRoute):
    """The list's route, with a short way for what most of its requests are: a query string this app has
    validated before (``KnownQueries``). Those skip FastAPI's solving of the route's dependencies and
    parameters, two thirds of a cached answer's CPU, and are answered by the functions the endpoint's
    dependencies and body call: the same caller, access (plan, rate limit, errors), bytes and headers. Any
    other query string takes the route as declared, and is remembered once it has been answered."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        known: listing.KnownQueries = scope["app"].state.list_queries
        query = known.get(scope["query_string"]) if scope["method"] == "GET" else None
        if query is None:
            await super().handle(scope, receive, send)
            return
        request = Request(scope, receive, send)
        sessions = partial(request_session, request)  # through the gate, and only when needed
        caller = await caller_of(request, await credential_of(request), sessions)
        access = await access_of(request, caller)
        response = await _respond(request, access, replace(query, plan=access.plan), sessions)
        await response(scope, receive, send)


async def list_opportunities(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: AccessDep,
    page: PageDep,
    kind: Annotated[
        list[Kind] | None, Query(description="Kinds to list (repeatable); all when absent.")
    ] = None,
    sport: Annotated[Name | None, Query(description="Sport group, e.g. basketball.")] = None,
    league: Annotated[Name | None, Query(description="Sport key (basketball_nba) or title.")] = None,
    market: Annotated[Name | None, Query(description="Market key: h2h, spreads, totals…")] = None,
    bookmaker: Annotated[Name | None, Query(description="Any leg at this book.")] = None,
    min_ev: Annotated[
        float | None,
        Query(ge=-1, le=100, description="Minimum EV as a fraction (0.02 = 2%); +EV bets and middles."),
    ] = None,
    min_profit_margin: Annotated[
        float | None,
        Query(ge=-1, le=100, description="Minimum arbitrage profit margin as a fraction; arbitrage only."),
    ] = None,
    max_age_seconds: Annotated[
        float | None, Query(ge=0, le=86_400 * 30, description="Quotes confirmed at most this long ago.")
    ] = None,
    method: Annotated[
        DevigMethod | None,
        Query(description="Devig method of the fair line; this deployment's first when absent."),
    ] = None,
    event_id: Annotated[int | None, Query(ge=1, le=EVENT_ID_MAX)] = None,
    sort: Literal["ev", "profit_margin", "start_time", "age", "first_seen"] = "ev",
    include_ended: bool = False,
) -> Response:
    # Async: a cached answer costs no worker thread; only a miss queries, in one, with the request's
    # session. The bytes are the documented OpportunityPage (listing.py builds them to that schema).
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
        include_ended=include_ended,
    )
    query = listing.ListQuery.build(filters, access.plan, sort=sort, offset=page.offset, limit=page.limit)
    response = await _respond(request, access, query, held(session))
    # Served, so valid: the next request with this query string takes ListRoute's short way.
    request.app.state.list_queries.remember(request.scope["query_string"], query)
    return response


async def _respond(
    request: Request, access: Access, query: listing.ListQuery, sessions: SessionOpener
) -> Response:
    runtime = request.app.state.runtime
    settings: Settings = request.app.state.settings
    body = await listing.serve(
        runtime.cache,
        sessions,
        query,
        now=runtime.clock(),
        max_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
    )
    return json_response(body, access.rate_headers())


router.add_api_route(
    "",
    list_opportunities,
    methods=["GET"],
    response_model=OpportunityPage,
    responses=invalid(
        "when a filter applies to none of the requested kinds, or the devig method is not one this "
        "deployment computes (SCAN_DEVIG_METHODS; details list them)"
    ),
    route_class_override=ListRoute,
)


@router.get("/{opportunity_id}", response_model=OpportunityOut, responses=NOT_FOUND | WITHHELD | invalid())
def get_opportunity(
    session: SessionDep,
    access: AccessDep,
    now: NowDep,
    opportunity_id: Annotated[int, Path(ge=1, le=2**62)],
) -> schemas.EvBetOut | schemas.ArbitrageOut | schemas.MiddleOut:
    return schemas.build(*service.get_opportunity(session, opportunity_id, access.plan, now=now), now)
