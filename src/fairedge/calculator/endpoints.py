"""``POST /api/price``: the web app's calculator for any price (fair odds, EV, Kelly) from the pricing
engine."""

from __future__ import annotations

from fastapi import APIRouter

from fairedge.api_schemas import BAD_BODY, UNAVAILABLE, invalid
from fairedge.calculator import service
from fairedge.calculator.schemas import PriceQuery, PriceResult

router = APIRouter(tags=["calculator"])


@router.post(
    "/api/price",
    response_model=PriceResult,
    responses=BAD_BODY
    | UNAVAILABLE
    | invalid(
        "a price that cannot be read, not exactly one fair-line source, "
        "or a market the devig method cannot solve"
    ),
)
def price(body: PriceQuery) -> PriceResult:
    """Fair odds, EV and Kelly stake of one price; the fair line from the rest of its market (devigged), a
    fair probability or fair odds."""
    return service.price(body)
