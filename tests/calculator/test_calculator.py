"""POST /api/price: one price against a fair line, with the pricing engine's numbers (devig-methods.md)."""

from __future__ import annotations

import pytest

from accounts_env import Env
from fairedge.calculator.schemas import PriceQuery
from fairedge.calculator.service import price
from fairedge.errors import InvalidInput


@pytest.mark.parametrize(
    ("method", "fair_american"), [("multiplicative", 968), ("additive", 1412), ("power", 2192)]
)
def test_the_reference_market_devigs_to_the_published_fair_lines(method: str, fair_american: int) -> None:
    # Crazy Ninja Odds' public example: +900/-3000.
    result = price(PriceQuery(price="+900", other_prices=["-3000"], devig_method=method))
    assert round(result.fair_odds.american) == fair_american
    assert result.devig_method == method
    assert result.fair_source == "devig"
    assert result.market is not None and len(result.market) == 2
    assert sum(o.fair_probability for o in result.market) == pytest.approx(1.0, abs=1e-12)
    assert result.hold == pytest.approx(1 / 10 + 1 / (1 + 100 / 3000) - 1, abs=1e-15)


def test_ev_and_kelly_from_a_fair_probability() -> None:
    # +150 is 2.5 decimal; p = 0.45: EV = 0.45 * 2.5 - 1 = 0.125; full Kelly = 0.125 / 1.5; quarter of it.
    result = price(PriceQuery(price="+150", fair_probability=0.45, bankroll=1000, kelly_multiplier=0.25))
    assert result.price.decimal == 2.5 and result.price.american == pytest.approx(150)
    assert result.implied_probability == pytest.approx(0.4)
    assert result.ev == pytest.approx(0.125)
    assert result.kelly == pytest.approx(0.125 / 1.5 * 0.25)
    assert result.kelly_stake == pytest.approx(1000 * 0.125 / 1.5 * 0.25)
    assert result.kelly_multiplier == 0.25
    assert result.fair_odds.decimal == pytest.approx(1 / 0.45)
    assert result.hold is None and result.market is None and result.devig_method is None


def test_a_price_worse_than_fair_odds_stakes_nothing() -> None:
    result = price(PriceQuery(price="-110", fair_odds="+100", bankroll=500))
    assert result.fair_probability == pytest.approx(0.5)
    assert result.ev == pytest.approx(0.5 * (1 + 100 / 110) - 1)
    assert result.ev < 0 and result.kelly == 0.0 and result.kelly_stake == 0.0
    assert result.fair_source == "odds"


def test_no_bankroll_no_stake() -> None:
    result = price(PriceQuery(price="2.2", fair_probability=0.5))
    assert result.kelly > 0 and result.kelly_stake is None


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"price": "1.0", "fair_probability": 0.5}, "price"),
        ({"price": "+50", "fair_probability": 0.5}, "price"),
        ({"price": "2.5", "fair_odds": "0.9"}, "fair_odds"),
        ({"price": "2.5", "other_prices": ["1.5", "abc"]}, "other_prices.1"),
        ({"price": "1.5", "other_prices": ["3.5"], "devig_method": "shin"}, "devig_method"),
    ],
)
def test_impossible_input_names_the_parameter(query: dict[str, object], parameter: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        price(PriceQuery.model_validate(query))
    assert isinstance(caught.value.details, list)
    assert caught.value.details[0]["parameter"] == parameter


def test_exactly_one_fair_line_source() -> None:
    with pytest.raises(InvalidInput, match="got none"):
        price(PriceQuery(price="2.5"))
    with pytest.raises(InvalidInput, match="got fair_probability, fair_odds"):
        price(PriceQuery(price="2.5", fair_probability=0.5, fair_odds="2.0"))


def test_the_endpoint_prices_and_refuses_with_json(env: Env) -> None:
    answer = env.client.post(
        "/api/price",
        json={
            "price": "+900",
            "other_prices": ["-3000"],
            "devig_method": "multiplicative",
            "kelly_multiplier": 0.5,
        },
    )
    assert answer.status_code == 200, answer.text
    assert round(answer.json()["fair_odds"]["american"]) == 968
    assert answer.json()["kelly_multiplier"] == 0.5
    for body, parameter in [
        ({"price": "2.5", "fair_probability": 1.5}, "fair_probability"),
        ({"price": "2.5", "fair_probability": 0.5, "kelly_multiplier": 0}, "kelly_multiplier"),
        ({"price": "2.5", "fair_probability": 0.5, "bankroll": -1}, "bankroll"),
        ({"price": "0.5", "fair_probability": 0.5}, "price"),
        # The multiplier's former name: refused, never silently priced at the default quarter Kelly.
        ({"price": "2.5", "fair_probability": 0.5, "kelly_fraction": 0.5}, "kelly_fraction"),
    ]:
        refused = env.client.post("/api/price", json=body)
        assert refused.status_code == 422, body
        assert refused.json()["error"]["details"][0]["parameter"] == parameter


def test_prices_beyond_any_book_are_refused_so_every_answer_is_finite() -> None:
    with pytest.raises(InvalidInput, match="beyond"):
        price(PriceQuery(price="1e308", other_prices=["1.0001"], devig_method="multiplicative"))
    with pytest.raises(InvalidInput, match="beyond"):
        price(PriceQuery(price="2.0", fair_odds="+1e300"))


def test_a_long_shot_whose_fair_probability_underflows_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no fair price"):
        price(PriceQuery(price="1e6", other_prices=["1.0000001", "1.0000001"], devig_method="power"))
