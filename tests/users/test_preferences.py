"""PATCH /api/me/preferences and the preferences in GET /api/me: stored per user, partial, validated."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from accounts_env import Env, bearer, verified_user
from fairedge.users.models import User

PREFS = "/api/me/preferences"


def _user(env: Env, email: str) -> dict[str, str]:
    with env.session_factory() as session:
        verified_user(session, email, env.clock())
        session.commit()
    return bearer(env.login(email))


def test_defaults_until_set_then_kept_on_the_server(env: Env) -> None:
    ann = _user(env, "ann@example.com")
    me = env.client.get("/api/me", headers=ann).json()
    assert me["preferences"] == {
        "bankroll": None,
        "kelly_multiplier": 0.25,
        "odds_format": "american",
        "theme": "system",
        "default_filters": {
            "sport": None,
            "league": None,
            "market": None,
            "books": [],
            "min_ev": None,
            "max_age_seconds": None,
            "devig_method": None,
        },
    }
    changed = env.client.patch(
        PREFS,
        headers=ann,
        json={"bankroll": 2500, "odds_format": "decimal", "default_filters": {"sport": "basketball"}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["bankroll"] == 2500 and changed.json()["kelly_multiplier"] == 0.25
    with env.session_factory() as session:  # only what the user set is stored
        stored = session.scalars(select(User.preferences).where(User.email == "ann@example.com")).one()
    assert stored == {
        "bankroll": 2500.0,
        "odds_format": "decimal",
        "default_filters": {"sport": "basketball"},
    }
    again = env.client.get("/api/me", headers=bearer(env.login("ann@example.com"))).json()["preferences"]
    assert again["bankroll"] == 2500 and again["odds_format"] == "decimal"
    assert again["default_filters"]["sport"] == "basketball"


def test_partial_updates_and_null_resets(env: Env) -> None:
    ann = _user(env, "ann@example.com")
    first = {
        "kelly_multiplier": 0.5,
        "theme": "dark",
        "default_filters": {"books": ["pinnacle", "draftkings"], "min_ev": 0.02, "devig_method": "shin"},
    }
    assert env.client.patch(PREFS, headers=ann, json=first).status_code == 200
    # Another field, and one filter: the rest stays.
    body = env.client.patch(PREFS, headers=ann, json={"default_filters": {"max_age_seconds": 60}}).json()
    assert body["kelly_multiplier"] == 0.5 and body["theme"] == "dark"
    assert body["default_filters"]["books"] == ["pinnacle", "draftkings"]
    assert body["default_filters"]["max_age_seconds"] == 60 and body["default_filters"]["min_ev"] == 0.02
    # An empty patch changes nothing; null resets a field, or one filter, or all of them.
    assert env.client.patch(PREFS, headers=ann, json={"default_filters": {}}).json() == body
    body = env.client.patch(
        PREFS, headers=ann, json={"theme": None, "default_filters": {"min_ev": None}}
    ).json()
    assert body["theme"] == "system" and body["default_filters"]["min_ev"] is None
    assert body["default_filters"]["devig_method"] == "shin"
    body = env.client.patch(PREFS, headers=ann, json={"default_filters": None}).json()
    assert body["default_filters"]["books"] == [] and body["kelly_multiplier"] == 0.5


@pytest.mark.parametrize(
    ("patch", "parameter"),
    [
        ({"bankroll": 0}, "bankroll"),
        ({"bankroll": -10}, "bankroll"),
        ({"kelly_multiplier": 0}, "kelly_multiplier"),
        ({"kelly_multiplier": 1.5}, "kelly_multiplier"),
        ({"odds_format": "fractional"}, "odds_format"),
        ({"theme": "blue"}, "theme"),
        ({"default_filters": {"devig_method": "logit"}}, "default_filters.devig_method"),
        ({"default_filters": {"min_ev": 500}}, "default_filters.min_ev"),
        ({"default_filters": {"max_age_seconds": -1}}, "default_filters.max_age_seconds"),
        ({"default_filters": {"bookmaker": "pinnacle"}}, "default_filters.bookmaker"),
        ({"default_filters": {"books": ["a\x00b"]}}, "default_filters.books.0"),
        ({"colour": "red"}, "colour"),
        ({"kelly_fraction": 0.5}, "kelly_fraction"),  # the multiplier's old name: unknown like any other
    ],
)
def test_bad_values_are_422_naming_the_field(env: Env, patch: dict[str, Any], parameter: str) -> None:
    ann = _user(env, "ann@example.com")
    refused = env.client.patch(PREFS, headers=ann, json=patch)
    assert refused.status_code == 422
    assert [d["parameter"] for d in refused.json()["error"]["details"]] == [parameter]
    assert env.client.get("/api/me", headers=ann).json()["preferences"]["theme"] == "system"


def test_each_user_has_their_own_and_anonymous_has_none(env: Env) -> None:
    ann, bob = _user(env, "ann@example.com"), _user(env, "bob@example.com")
    assert env.client.patch(PREFS, headers=ann, json={"theme": "light"}).status_code == 200
    assert env.client.get("/api/me", headers=bob).json()["preferences"]["theme"] == "system"
    assert env.client.patch(PREFS, json={"theme": "dark"}).status_code == 401
