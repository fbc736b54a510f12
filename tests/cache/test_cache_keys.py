"""Cache keys of the opportunity list: one per answer. Requests that must get the same answer share a key
(normalised filters, defaults filled); anything that changes the answer (plan, filter, sort, page) changes
it."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest

from conftest import make_settings
from fairedge.billing.plans import plans
from fairedge.cache.keys import CacheKey, canonical
from fairedge.odds import event_board
from fairedge.opportunities.listing import ListQuery
from fairedge.opportunities.service import OpportunityFilter

PLANS = plans(make_settings("sqlite://"))


def _key(plan: str = "local", *, sort: str = "ev", offset: int = 0, limit: int = 50, **filters: Any) -> str:
    chosen = OpportunityFilter(method="shin", **filters)
    return ListQuery.build(chosen, PLANS[plan], sort=sort, offset=offset, limit=limit).key().at("7")


def test_the_key_is_readable_and_names_the_board_version_and_plan() -> None:
    assert _key() == "opportunities:v7:local:include_ended=0&kinds=all&limit=50&method=shin&offset=0&sort=ev"
    assert event_board.key(42, "shin").at("3") == "events:42:odds:v3:method=shin"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"kinds": ("ev", "arbitrage")}, {"kinds": ("arbitrage", "ev", "ev")}),  # order and repeats
        ({"kinds": ()}, {"kinds": ("middle", "ev", "arbitrage")}),  # every kind is no kind filter
        ({"sport": "basketball"}, {"sport": "Basketball"}),  # matched case-insensitively
        ({}, {"sport": "", "league": "", "market": "", "bookmaker": ""}),  # empty is absent
    ],
)
def test_equivalent_requests_share_a_key(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert _key(**first) == _key(**second)


def test_every_filter_plan_order_and_page_changes_the_key() -> None:
    changed: dict[str, Any] = {
        "kinds": ("ev",),
        "sport": "soccer",
        "league": "NBA",
        "market": "h2h",
        "bookmaker": "pinnacle",
        "min_ev": 0.02,
        "min_profit_margin": 0.01,
        "max_age_seconds": 60.0,
        "method": "power",
        "event_id": 9,
        "include_ended": True,
    }
    assert set(changed) == {f.name for f in fields(OpportunityFilter)}  # a new filter must join the key
    base = ListQuery.build(OpportunityFilter(method="shin"), PLANS["local"], sort="ev", offset=0, limit=50)
    keys = {base.key().at("1")}
    for name, value in changed.items():
        query = replace(base, filters=replace(base.filters, **{name: value}))
        keys.add(query.key().at("1"))
    keys |= {_key(plan).replace("v7", "v1") for plan in ("free", "pro", "elite")}
    keys |= {_key(sort="age").replace("v7", "v1"), _key(offset=50).replace("v7", "v1")}
    keys.add(_key(limit=20).replace("v7", "v1"))
    assert len(keys) == 1 + len(changed) + 3 + 3


def test_values_are_encoded_so_no_value_can_forge_another_parameter() -> None:
    assert canonical({"league": "a&b=c", "kinds": ["x,y"]}) == "kinds=x%2Cy&league=a%26b%3Dc"
    assert canonical({"a": None, "b": False, "c": 0.5}) == "b=0&c=0.5"


def test_a_key_head_belongs_to_its_namespace() -> None:
    with pytest.raises(ValueError, match="namespace"):
        CacheKey("events", "opportunities", "x")
