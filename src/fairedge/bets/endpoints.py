"""HTTP for the bet tracker: a user's own bets (another user's are "not found"), their summary and CSV."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from fairedge.api_schemas import BAD_BODY, NOT_FOUND, UNAVAILABLE, Name, Responses, Timestamp, invalid
from fairedge.bets import export, service
from fairedge.bets.schemas import (
    BetOut,
    BetPage,
    BetPatch,
    BetsOut,
    ManualBetIn,
    OpportunityBetIn,
    SummaryOut,
)
from fairedge.bets.service import BetChanges, BetFilter, ClvRules, NewBet
from fairedge.billing.access import Access, AccessDep
from fairedge.config import Settings
from fairedge.deps import NowDep, PageDep, SessionDep, SettingsDep
from fairedge.errors import Unauthorized
from fairedge.users.service import BEARER

# The summary and the CSV sit beside /api/bets/{bet_id}, not under it, where their names would also be ids.
router = APIRouter(tags=["bets"], responses=UNAVAILABLE)

CSV: Responses = {
    200: {"content": {"text/csv": {}}, "description": "Every matching bet, one row each (RFC 4180)."}
}
BetId = Annotated[int, Path(ge=1, le=2**53 - 1, description="The bet's id.")]


async def get_summary_filter(
    sport: Annotated[Name | None, Query(description="Sport key, e.g. basketball_nba.")] = None,
    bookmaker: Annotated[Name | None, Query()] = None,
    market: Annotated[Name | None, Query()] = None,
    placed_from: Annotated[Timestamp | None, Query(description="Placed at or after.")] = None,
    placed_to: Annotated[Timestamp | None, Query(description="Placed before.")] = None,
) -> BetFilter:
    """The filters the list, the summary and the CSV share (the summary covers open and settled bets)."""
    return BetFilter(None, sport, bookmaker, market, placed_from, placed_to)


SummaryFilterDep = Annotated[BetFilter, Depends(get_summary_filter)]


async def get_bet_filter(
    status: Annotated[Literal["open", "settled"] | None, Query(description="Open or settled only.")] = None,
    *,
    shared: SummaryFilterDep,
) -> BetFilter:
    return replace(shared, status=status)


BetFilterDep = Annotated[BetFilter, Depends(get_bet_filter)]


def _clv(settings: Settings) -> ClvRules:
    return ClvRules(settings.BETS_CLV_DEVIG_METHOD, settings.SCAN_MAX_QUOTE_AGE_SECONDS)


def _user(access: Access) -> int:
    if access.user_id is None:
        raise Unauthorized("log in (or use an API key) to track bets: bets belong to a user", headers=BEARER)
    return access.user_id


@router.post(
    "/api/bets",
    status_code=201,
    response_model=BetsOut,
    responses=NOT_FOUND
    | BAD_BODY
    | invalid(
        "when the outcome, point or time does not fit the event, or an opportunity's leg is not tracked"
    ),
)
def record_bet(
    session: SessionDep,
    access: AccessDep,
    settings: SettingsDep,
    now: NowDep,
    body: Annotated[ManualBetIn | OpportunityBetIn, Body()],
) -> BetsOut:
    user_id, clv = _user(access), _clv(settings)
    if isinstance(body, OpportunityBetIn):
        bets = service.record_from_opportunity(
            session,
            user_id,
            body.from_opportunity,
            stake=body.stake,
            plan=access.plan,
            now=now,
            placed_at=body.placed_at,
            clv=clv,
        )
    else:
        new = NewBet(
            event_id=body.event_id,
            market=body.market,
            outcome=body.outcome,
            bookmaker=body.bookmaker,
            price=body.price,
            stake=body.stake,
            point=body.point,
            period=body.period,
            placed_at=body.placed_at,
        )
        bets = [service.record_bet(session, user_id, new, now=now, clv=clv)]
    return BetsOut(bets=[BetOut.build(b) for b in bets])


@router.get("/api/bets", response_model=BetPage, responses=invalid())
def list_bets(
    session: SessionDep,
    access: AccessDep,
    filters: BetFilterDep,
    page: PageDep,
) -> BetPage:
    bets, total = service.list_bets(session, _user(access), filters, page)
    return BetPage(items=[BetOut.build(b) for b in bets], page=page.meta(total))


@router.get("/api/bets-summary", response_model=SummaryOut, responses=invalid())
def get_bet_summary(
    session: SessionDep,
    access: AccessDep,
    filters: SummaryFilterDep,
) -> SummaryOut:
    return SummaryOut.build(service.summary(session, _user(access), filters))


@router.get("/api/bets.csv", response_class=Response, responses=CSV | invalid())
def export_bets(
    session: SessionDep,
    access: AccessDep,
    now: NowDep,
    filters: BetFilterDep,
) -> Response:
    text = export.to_csv(service.all_bets(session, _user(access), filters))
    name = f"fairedge-bets-{now:%Y%m%d}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/bets/{bet_id}", response_model=BetOut, responses=NOT_FOUND | invalid())
def get_bet(session: SessionDep, access: AccessDep, bet_id: BetId) -> BetOut:
    return BetOut.build(service.get_bet(session, _user(access), bet_id))


@router.patch("/api/bets/{bet_id}", response_model=BetOut, responses=NOT_FOUND | BAD_BODY | invalid())
def update_bet(
    session: SessionDep, access: AccessDep, settings: SettingsDep, now: NowDep, bet_id: BetId, body: BetPatch
) -> BetOut:
    changes = BetChanges(result=body.result, stake=body.stake, price=body.price)
    bet = service.update_bet(session, _user(access), bet_id, changes, now=now, clv=_clv(settings))
    return BetOut.build(bet)


@router.delete(
    "/api/bets/{bet_id}", status_code=204, response_class=Response, responses=NOT_FOUND | invalid()
)
def delete_bet(session: SessionDep, access: AccessDep, bet_id: BetId) -> Response:
    service.delete_bet(session, _user(access), bet_id)
    return Response(status_code=204)
