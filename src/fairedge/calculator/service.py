"""The price calculator: one price against a fair line, with the pricing engine's own functions (the same
calls as ``fairedge price``): devig, EV, Kelly, hold. Pure: no I/O."""

from __future__ import annotations

import numpy as np

from fairedge.calculator.schemas import MarketOutcome, OddsOut, PriceQuery, PriceResult
from fairedge.errors import InvalidInput
from fairedge.pricing.devig import DevigError, devig
from fairedge.pricing.ev import ev, hold
from fairedge.pricing.kelly import kelly
from fairedge.pricing.odds import american_from_decimal, parse_odds

_SOURCES = ("other_prices", "fair_probability", "fair_odds")
MAX_DECIMAL = 1_000_000.0  # +99,999,900 American: beyond any book's price, and every result stays finite
MIN_FAIR = 1e-9  # a fair line longer than 1e9 decimal is not a price anyone can be shown


def _refuse(parameter: str, message: str) -> InvalidInput:
    return InvalidInput(f"{parameter}: {message}", details=[{"parameter": parameter, "message": message}])


def _parse(text: str, parameter: str) -> float:
    try:
        decimal = parse_odds(text)
    except ValueError as exc:
        raise _refuse(parameter, str(exc)) from None
    if decimal > MAX_DECIMAL:
        raise _refuse(parameter, f"{text!r} is beyond {MAX_DECIMAL:g} in decimal odds")
    return decimal


def _odds(decimal: float) -> OddsOut:
    return OddsOut(decimal=decimal, american=float(american_from_decimal(decimal)))


def price(query: PriceQuery) -> PriceResult:
    """Fair probability and odds, EV, Kelly stake and (from a whole market) hold for ``query.price``."""
    given = [name for name in _SOURCES if getattr(query, name) is not None]
    if len(given) != 1:
        found = ", ".join(given) or "none"
        raise InvalidInput(
            f"give exactly one of other_prices, fair_probability, fair_odds (got {found})",
            details=[{"parameter": name, "message": "exactly one of these is needed"} for name in _SOURCES],
        )
    offered = _parse(query.price, "price")
    method: str | None = None
    market_hold: float | None = None
    market: list[MarketOutcome] | None = None
    if query.other_prices is not None:
        prices = np.array(
            [offered, *(_parse(t, f"other_prices.{i}") for i, t in enumerate(query.other_prices))]
        )
        method = str(query.devig_method)
        try:
            fair_all = devig(prices, method)
        except DevigError as exc:
            raise _refuse("devig_method", f"{method} cannot devig these prices: {exc}") from None
        market_hold = float(hold(prices))
        market = [
            MarketOutcome(price=_odds(float(d)), implied_probability=float(1 / d), fair_probability=float(p))
            for d, p in zip(prices, fair_all, strict=True)
        ]
        fair = float(fair_all[0])
        source = "devig"
    elif query.fair_probability is not None:
        fair = query.fair_probability
        source = "probability"
    else:
        assert query.fair_odds is not None  # one of the three, checked above
        fair = 1.0 / _parse(query.fair_odds, "fair_odds")
        source = "odds"
    if not MIN_FAIR <= fair < 1:  # a devigged long shot can underflow towards 0
        raise _refuse("price", f"the fair probability comes out as {fair!r}: no fair price can be shown")
    stake_share = float(kelly(fair, offered, multiplier=query.kelly_multiplier))
    return PriceResult(
        price=_odds(offered),
        implied_probability=1.0 / offered,
        fair_probability=fair,
        fair_odds=_odds(1.0 / fair),
        fair_source=source,
        devig_method=method,
        hold=market_hold,
        market=market,
        ev=float(ev(fair, offered)),
        kelly=stake_share,
        kelly_multiplier=query.kelly_multiplier,
        kelly_stake=stake_share * query.bankroll if query.bankroll is not None else None,
    )
