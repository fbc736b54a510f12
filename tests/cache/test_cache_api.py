"""The cached read paths through the API (both databases): the cached list is exactly what the schema
documents, its ages are those of the moment it is served, a scan or the expiry job retires it, each plan has
its own entries (never each user), equivalent requests share one, warming serves the first request, headers
survive, and with Redis stopped or hanging the API keeps answering from the database."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from accounts_env import PASSWORD, Env, bearer, verified_user
from cache_board import counted, refresh_and_scan
from fairedge.billing.plans import plans
from fairedge.health.probe import HealthProbe
from fairedge.kit.pagination import Page
from fairedge.odds.schemas import EventBoardOut
from fairedge.opportunities import schemas, service
from fairedge.opportunities.service import OpportunityFilter
from faults import TcpProxy
from redis_scratch import REDIS_URL, require_redis, scratch_prefix, url_via

LIST = "/api/opportunities"


@pytest.fixture(autouse=True)
def _no_health_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's health probe reads the board from its own thread as the app starts; in these tests every
    session shares the test's one connection, which two threads cannot use at once."""
    monkeypatch.setattr(HealthProbe, "start", lambda _self: None)


def _get(env: Env, path: str = LIST, **options: Any) -> Any:
    response = env.client.get(path, **options)
    assert response.status_code == 200, response.text
    return response.json()


def _as_pydantic_builds_it(env: Env, plan: str) -> dict[str, Any]:
    """The answer as the endpoint built it before the cache: ORM rows through the pydantic schemas."""
    now = env.clock.now
    with env.session_factory() as session:
        found = service.list_opportunities(
            session,
            OpportunityFilter(method="shin"),
            plans(env.runtime.settings)[plan],
            now=now,
            max_age_seconds=env.runtime.settings.SCAN_MAX_QUOTE_AGE_SECONDS,
            sort="ev",
            offset=0,
            limit=50,
        )
        page = schemas.OpportunityPage(
            items=[schemas.build(o, e, s, now) for o, e, s in found.rows],
            page=Page(0, 50).meta(found.total),
            hidden=schemas.Hidden.build(found.plan, found.withheld),
        )
    return page.model_dump(mode="json")


@pytest.mark.parametrize("plan", ["local", "free"])
def test_the_cached_list_is_what_the_schema_documents(make_env: Callable[..., Env], plan: str) -> None:
    env = make_env(ANONYMOUS_PLAN=plan)
    refresh_and_scan(env)
    env.clock.advance(330)  # past free's delay: it shows some, withholds others
    hits, misses = counted()
    computed, cached = _get(env), _get(env)
    assert counted() == (hits + 1, misses + 1)
    assert computed == cached == _as_pydantic_builds_it(env, plan)
    assert computed["items"] and computed["hidden"]["plan"] == plan
    schemas.OpportunityPage.model_validate(cached)


def test_a_cached_answer_ages_with_the_clock(make_env: Callable[..., Env]) -> None:
    env = make_env()
    refresh_and_scan(env)
    first = _get(env)["items"]
    env.clock.advance(42.5)
    hits, misses = counted()
    later = _get(env)["items"]
    assert counted() == (hits + 1, misses)  # served from the cache...
    pairs = list(zip(later, first, strict=True))
    assert [i["quote_age_seconds"] - j["quote_age_seconds"] for i, j in pairs] == [42.5] * len(pairs)
    assert [i["lifespan_seconds"] - j["lifespan_seconds"] for i, j in pairs] == [42.5] * len(pairs)


def test_a_scan_retires_the_cached_list_and_board(make_env: Callable[..., Env]) -> None:
    env = make_env()
    refresh_and_scan(env, fanduel_home=2.10)
    event_id = _get(env, "/api/events")["items"][0]["id"]
    odds = f"/api/events/{event_id}/odds"
    before, board_before = _get(env), _get(env, odds)
    assert _get(env) == before and _get(env, odds) == board_before  # cached

    env.clock.advance(5)
    refresh_and_scan(env, fanduel_home=2.30)  # fanduel lengthens the home price: every +EV changes
    hits, misses = counted()
    after, board_after = _get(env), _get(env, odds)
    assert counted() == (hits, misses + 1)
    assert 2.3 not in _leg_prices(before) and 2.3 in _leg_prices(after)  # the new price, not the cached
    assert 2.3 not in _prices(board_before) and 2.3 in _prices(board_after)
    EventBoardOut.model_validate(board_after)


def _leg_prices(page: dict[str, Any]) -> set[float]:
    return {leg["price_decimal"] for item in page["items"] for leg in item["legs"]}


def _prices(board: dict[str, Any]) -> set[float]:
    return {p["price_decimal"] for m in board["markets"] for o in m["outcomes"] for p in o["prices"]}


def test_the_expiry_job_retires_lists_that_show_ended_opportunities(make_env: Callable[..., Env]) -> None:
    env = make_env()
    refresh_and_scan(env)
    ended = {"include_ended": "true", "kind": "arbitrage"}
    assert all(i["active"] for i in _get(env, params=ended)["items"])
    env.clock.advance(6 * 3600)  # the NBA game starts
    env.runtime.jobs()["tasks.opportunity_expiry"]()
    items = _get(env, params=ended)["items"]
    nba = [i for i in items if i["event"]["league"] == "basketball_nba"]
    assert nba and {(i["active"], i["end_reason"]) for i in nba} == {(False, "started")}


def test_each_plan_has_its_own_entries_and_users_of_a_plan_share_them(make_env: Callable[..., Env]) -> None:
    env = make_env()
    refresh_and_scan(env)
    with env.session_factory() as session:
        for email, plan in (("a@example.com", "pro"), ("b@example.com", "pro"), ("c@example.com", "free")):
            verified_user(session, email, env.clock(), plan=plan)
        session.commit()
    tokens = {email: bearer(env.login(email, PASSWORD)) for email in ("a@example.com", "b@example.com")}
    free = bearer(env.login("c@example.com", PASSWORD))
    _get(env)  # the anonymous (local) answer is cached
    hits, misses = counted()
    pro = _get(env, headers=tokens["a@example.com"])
    assert counted() == (hits, misses + 1)  # another plan: its own entry
    assert _get(env, headers=tokens["b@example.com"]) == pro
    assert counted() == (hits + 1, misses + 1)  # another user of the same plan: the same entry
    assert _get(env, headers=free)["hidden"]["plan"] == "free"
    assert {i["kind"] for i in pro["items"]} <= {"ev", "arbitrage"}


def test_equivalent_requests_share_an_entry(make_env: Callable[..., Env]) -> None:
    env = make_env()
    refresh_and_scan(env)
    first = _get(env, params=[("kind", "ev"), ("kind", "arbitrage"), ("sport", "Basketball")])
    hits, misses = counted()
    again = _get(env, params=[("sport", "basketball"), ("kind", "arbitrage"), ("kind", "ev"), ("kind", "ev")])
    assert again == first and counted() == (hits + 1, misses)


def test_warming_serves_the_first_request(make_env: Callable[..., Env]) -> None:
    env = make_env()
    refresh_and_scan(env)
    assert env.runtime.jobs()["tasks.cache_warming"]()["stored"] >= 1
    hits, misses = counted()
    _get(env)
    assert counted() == (hits + 1, misses)


def test_rate_limit_headers_are_set_on_cached_answers(make_env: Callable[..., Env]) -> None:
    env = make_env(ANONYMOUS_PLAN="free", RATE_LIMIT_FREE="100/minute")
    refresh_and_scan(env)
    answers = [env.client.get(LIST) for _ in range(3)]
    assert [a.headers["RateLimit-Limit"] for a in answers] == ["100"] * 3
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["99", "98", "97"]
    assert all(a.headers["content-type"] == "application/json" for a in answers)


@pytest.mark.parametrize("fault", ["close", "blackhole"])
def test_the_api_serves_from_the_database_while_redis_is_out(
    make_env: Callable[..., Env], redis_proxy: TcpProxy, fault: str
) -> None:
    with scratch_prefix() as prefix:
        env = make_env(REDIS_URL=url_via(redis_proxy.port), CACHE_KEY_PREFIX=prefix + ":")
        refresh_and_scan(env)
        healthy = _get(env)
        redis_proxy.set_mode(fault)  # type: ignore[arg-type]
        started = time.perf_counter()
        answers = []
        for _ in range(5):
            response = env.client.get(LIST)
            assert response.status_code == 200
            answers.append(response.json())
        # The limiter and the cache each wait one timeout at most (0.25 s), then their breakers answer.
        assert time.perf_counter() - started < 1.5
        assert all(a == healthy for a in answers)  # the same answer, from the database

        redis_proxy.set_mode("pass")
        time.sleep(2.2)  # the breakers' cool-down: the next request tries Redis again
        hits, _ = counted()
        _get(env)
        _get(env)
        assert counted()[0] > hits  # the cache answers again


def test_a_shared_redis_cache_keeps_plans_apart(make_env: Callable[..., Env]) -> None:
    require_redis()
    with scratch_prefix() as prefix:
        local = make_env(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix + ":")
        refresh_and_scan(local)
        free = make_env(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix + ":", ANONYMOUS_PLAN="free")
        free.clock.now = local.clock.now
        everything = _get(local)
        hits, misses = counted()
        assert _get(free)["hidden"]["plan"] == "free" and counted() == (hits, misses + 1)
        assert _get(free) != everything
