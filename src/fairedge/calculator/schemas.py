"""The price calculator's request and answer: one price against a fair line, as the web app's calculator
sends and shows it. Rates are fractions (``ev=0.023``), odds decimal with the American form beside."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from fairedge.api_schemas import DevigMethod

OddsText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="A price as bettors write it: American with a sign (+150, -110), decimal (2.5), "
        "fractional (5/2), evens, or an implied percentage (40%).",
        examples=["+150", "-110", "2.5"],
    ),
]


class PriceQuery(BaseModel):
    """One price and where its fair line comes from: exactly one of ``other_prices`` (the rest of the market
    the price was quoted in, devigged with ``devig_method``), ``fair_probability`` or ``fair_odds``. An
    unknown field is refused rather than ignored: a misspelt option would otherwise price with its default."""

    model_config = ConfigDict(extra="forbid")

    price: OddsText
    other_prices: list[OddsText] | None = Field(
        None,
        min_length=1,
        max_length=30,
        description="The same book's prices for the market's other outcomes, in any order.",
    )
    fair_probability: float | None = Field(
        None, ge=1e-9, lt=1, description="The outcome's fair probability, a fraction (0.4 for 40 %)."
    )
    fair_odds: OddsText | None = Field(None, description="The outcome's fair price.")
    devig_method: DevigMethod = Field(
        DevigMethod("shin"), description="How other_prices are devigged (ignored without them)."
    )
    bankroll: float | None = Field(
        None, gt=0, le=1e12, description="Bankroll for the Kelly stake; null: the stake is not computed."
    )
    kelly_multiplier: float = Field(
        0.25, gt=0, le=1, description="Multiplier of full Kelly (0.25 = quarter Kelly)."
    )


class OddsOut(BaseModel):
    decimal: float
    american: float = Field(description="American odds (+150 is 150.0, -110 is -110.0).")


class MarketOutcome(BaseModel):
    price: OddsOut
    implied_probability: float
    fair_probability: float


class PriceResult(BaseModel):
    price: OddsOut = Field(description="The price asked about.")
    implied_probability: float = Field(description="1 / decimal price, vig included.")
    fair_probability: float
    fair_odds: OddsOut
    fair_source: str = Field(description="Where the fair line came from: devig, probability or odds.")
    devig_method: str | None = Field(description="The devig method used; null without other_prices.")
    hold: float | None = Field(description="The market's hold (Σ 1/d − 1); null without other_prices.")
    market: list[MarketOutcome] | None = Field(
        description="Every outcome of the market, the asked price first; null without other_prices."
    )
    ev: float = Field(description="Expected profit per unit staked, a fraction (0.023 is +2.3 %).")
    kelly: float = Field(
        description="Stake as a share of the bankroll: full Kelly times kelly_multiplier; 0 if EV ≤ 0."
    )
    kelly_multiplier: float = Field(description="Multiplier of full Kelly (0.25 = quarter Kelly), as asked.")
    kelly_stake: float | None = Field(description="kelly × bankroll; null without a bankroll.")
