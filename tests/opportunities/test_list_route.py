"""The list's short way (``ListRoute``): a query string the app validated before is answered without FastAPI's
dependency solving, and the answer is the declared route's own: the same bytes, headers, caller, plan, rate
limit and errors. Any other query string takes the declared route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from accounts_env import Env, bearer
from cache_board import refresh_and_scan
from conftest import make_settings
from fairedge.billing.plans import plans
from fairedge.opportunities.listing import KnownQueries, ListQuery
from fairedge.opportunities.service import OpportunityFilter

LIST = "/api/opportunities"
VARYING = ("x-request-id", "ratelimit-remaining", "ratelimit-reset")  # per request: what it spent


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of requests that went through a route as declared (FastAPI's own handling)."""
    seen: list[str] = []
    original = APIRoute.handle

    async def handle(self: APIRoute, scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(APIRoute, "handle", handle)
    return seen


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert [(k, v) for k, v in a.headers.multi_items() if k not in VARYING] == [
        (k, v) for k, v in b.headers.multi_items() if k not in VARYING
    ]


def _key(env: Env, email: str, plan: str = "pro") -> str:
    tokens = env.signup(email)
    env.grant(email, plan)
    created = env.client.post("/api/keys", json={"name": "script"}, headers=bearer(tokens))
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


@pytest.mark.parametrize("caller", ["anonymous", "api_key"])
def test_the_short_way_answers_as_the_declared_route(
    make_env: Callable[..., Env], declared: list[str], caller: str
) -> None:
    env = make_env(ANONYMOUS_PLAN="free", RATE_LIMIT_FREE="100/hour", RATE_LIMIT_PRO="100/hour")
    refresh_and_scan(env)
    env.clock.advance(330)  # past free's delay: free shows some and withholds others
    headers = {"X-API-Key": _key(env, "kai@example.com")} if caller == "api_key" else {}
    query = "?kind=ev&kind=middle&sort=first_seen&limit=3"
    first = env.client.get(LIST + query, headers=headers)  # validated by the route, then remembered
    declared.clear()
    second = env.client.get(LIST + query, headers=headers)
    assert declared == []  # the short way
    assert first.status_code == 200 and first.json()["items"]
    _same(first, second)
    remaining = [int(r.headers["RateLimit-Remaining"]) for r in (first, second)]
    assert remaining[1] == remaining[0] - 1  # each spends one request
    env.clock.advance(3)  # inside API_KEY_CACHE_SECONDS (5): the key is still known
    aged = env.client.get(LIST + query, headers=headers)
    assert declared == []
    item, later = first.json()["items"][0], aged.json()["items"][0]
    assert later["quote_age_seconds"] == pytest.approx(item["quote_age_seconds"] + 3)  # ages when served


def test_refusals_on_the_short_way_are_the_declared_routes(
    make_env: Callable[..., Env], declared: list[str]
) -> None:
    env = make_env(ANONYMOUS_PLAN="none", RATE_LIMIT_PRO="3/hour")  # production's: no anonymous access
    key = _key(env, "ada@example.com")
    known, unknown = LIST + "?limit=7", LIST + "?limit=8"
    assert env.client.get(known, headers={"X-API-Key": key}).status_code == 200
    declared.clear()
    # Without credentials: 401, whether the query string is known or not.
    short, full = env.client.get(known), env.client.get(unknown)
    assert declared == [LIST] and short.status_code == 401
    _same(short, full)
    # The plan's limit spent: 429 with Retry-After, either way.
    answers = [env.client.get(known, headers={"X-API-Key": key}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 429, 429]
    declared.clear()
    short = env.client.get(known, headers={"X-API-Key": key})
    full = env.client.get(unknown, headers={"X-API-Key": key})
    assert declared == [LIST] and short.status_code == 429 and "Retry-After" in short.headers
    _same(short, full)
    # A key nobody issued, or an access token that does not verify: 401, either way.
    for headers in ({"X-API-Key": "fe_" + "x" * 40}, {"Authorization": "Bearer not-a-token"}):
        declared.clear()
        short, full = env.client.get(known, headers=headers), env.client.get(unknown, headers=headers)
        assert declared == [LIST] and short.status_code == 401
        _same(short, full)


@pytest.mark.parametrize(
    "query",
    ["?min_ev=lots", "?kind=arbitrage&min_ev=0.01", "?method=nonsense", "?limit=0", "?sort=ev&sort=size"],
)
def test_a_refused_query_string_is_never_remembered(
    make_env: Callable[..., Env], declared: list[str], query: str
) -> None:
    env = make_env()
    answers = [env.client.get(LIST + query) for _ in range(2)]
    assert [a.status_code for a in answers] == [422, 422]
    assert declared == [LIST, LIST]  # both validated by the route
    assert answers[0].json() == answers[1].json()


def test_access_tokens_take_the_short_way_too(make_env: Callable[..., Env], declared: list[str]) -> None:
    # Their user is read on every request (the web app polling while its stream is refused), then the same.
    env = make_env(ANONYMOUS_PLAN="free", RATE_LIMIT_PRO="100/hour")
    tokens = env.signup("bo@example.com")
    env.grant("bo@example.com", "pro")
    declared.clear()
    answers = [env.client.get(LIST, headers=bearer(tokens)) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert declared == [LIST]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["99", "98"]
    assert answers[1].json()["hidden"]["plan"] == "pro"
    _same(*answers)


def test_a_remembered_query_serves_each_callers_own_plan(
    make_env: Callable[..., Env], declared: list[str]
) -> None:
    env = make_env(ANONYMOUS_PLAN="free")
    refresh_and_scan(env)
    key = _key(env, "cy@example.com")
    assert env.client.get(LIST + "?limit=5", headers={"X-API-Key": key}).status_code == 200  # the key known
    declared.clear()
    plans_seen: list[Any] = []
    for headers in ({}, {"X-API-Key": key}, {}):
        answer = env.client.get(LIST + "?sort=ev", headers=headers)
        plans_seen.append(answer.json()["hidden"]["plan"])
    assert plans_seen == ["free", "pro", "free"]
    assert declared.count(LIST) == 1  # remembered after the first, whoever asked


def test_known_queries_are_bounded() -> None:
    free = plans(make_settings("sqlite://"))["free"]
    query = ListQuery.build(OpportunityFilter(method="shin"), free, sort="ev", offset=0, limit=50)
    known = KnownQueries(max_entries=2)
    known.remember(b"a", query)
    known.remember(b"b", query)
    assert known.get(b"a") is query
    known.remember(b"c", query)  # full: starts over
    assert (known.get(b"a"), known.get(b"b"), known.get(b"c")) == (None, None, query)
