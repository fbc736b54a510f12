"""GET /api/admin/status: the health services, odds freshness, each job's last runs (from the durable
record the job runners write) and the cache hit ratio; admins only; a hung Redis costs its timeout only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

import pytest
import redis
from starlette.requests import Request

from accounts_env import PASSWORD, Env, bearer, verified_user
from fairedge.health import admin_status
from fairedge.health.admin_status import cache_status, job_status
from fairedge.odds.providers.simulator import SimulatorProvider
from fairedge.odds.service import refresh_odds
from fairedge.tasks import job_runs
from fairedge.tasks.broker import CeleryKeys
from fairedge.tasks.embedded import run_job
from fairedge.tasks.schedule import JOBS
from fairedge.users import service
from faults import TcpProxy
from redis_scratch import REDIS_URL, require_redis, scratch_prefix, url_via

STATUS = "/api/admin/status"


def test_admins_only(env: Env) -> None:
    assert env.client.get(STATUS).status_code == 401
    with env.session_factory() as session:
        verified_user(session, "ann@example.com", env.clock())
        session.commit()
    refused = env.client.get(STATUS, headers=bearer(env.login("ann@example.com")))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_embedded_services_odds_freshness_and_cache(env: Env) -> None:
    admin = bearer(env.admin())
    with env.session_factory() as session:
        refresh_odds(session, SimulatorProvider(7, n_events=4, clock=env.clock), sharp=env.runtime.sharp)
        session.commit()
    env.clock.advance(90)
    assert env.client.get("/api/opportunities", headers=admin).status_code == 200  # cache traffic
    body = env.client.get(STATUS, headers=admin).json()
    assert body["status"] == "healthy"
    assert body["services"]["database"]["status"] == "healthy"
    assert body["services"]["redis"]["status"] == "disabled"  # no REDIS_URL in this run
    assert body["odds"]["provider"] == "simulator" and body["odds"]["feed"]["status"] == "disabled"
    sports = body["odds"]["sports"]
    assert sports and all(s["age_seconds"] == 90.0 for s in sports)  # computed when served
    assert {j["job"] for j in body["tasks"]["jobs"]} == {name.removeprefix("tasks.") for name in JOBS}
    assert body["tasks"]["source"] == "none"  # no scheduler in this app, no broker
    assert all(j["status"] == "never_run" for j in body["tasks"]["jobs"])
    views = {v["view"]: v for v in body["cache"]["views"]}
    assert views["opportunities"]["hits"] + views["opportunities"]["misses"] >= 1
    assert body["cache"]["target_hit_ratio"] == 0.9


def test_job_runs_from_the_brokers_redis(make_env: Callable[..., Env]) -> None:
    require_redis()
    with scratch_prefix() as prefix:
        keys = CeleryKeys(prefix + ":")
        with redis.Redis.from_url(REDIS_URL) as client:
            runs = job_runs.RedisJobRuns(client, keys)  # as a Celery worker writes them
            runs.record("tasks.odds_refresh", ok=True, duration_seconds=1.25)
            runs.record("tasks.ev_calculation", ok=True, duration_seconds=0.5)
            runs.record("tasks.ev_calculation", ok=False, duration_seconds=0.1, error_type="OperationalError")
        env = make_env(CELERY_BROKER_URL=REDIS_URL, CELERY_KEY_PREFIX=prefix + ":")
        body = env.client.get(STATUS, headers=bearer(env.admin())).json()
    tasks = body["tasks"]
    assert tasks["source"] == "redis" and tasks["error"] is None
    jobs = {j["job"]: j for j in tasks["jobs"]}
    assert jobs["odds_refresh"]["status"] == "ok" and jobs["odds_refresh"]["last_duration_seconds"] == 1.25
    assert 0 <= jobs["odds_refresh"]["last_success_seconds_ago"] < 30
    assert jobs["ev_calculation"]["status"] == "failing"
    assert jobs["ev_calculation"]["last_error_type"] == "OperationalError"
    assert jobs["user_cleanup"]["status"] == "never_run"
    assert body["services"]["celery"]["status"] == "unhealthy"  # a broker, and no worker heartbeat


def test_a_hung_redis_costs_its_timeout_not_the_answer(
    make_env: Callable[..., Env], redis_proxy: TcpProxy
) -> None:
    url = url_via(redis_proxy.port)
    env = make_env(REDIS_URL=url, CELERY_BROKER_URL=url)
    admin = bearer(env.admin())
    redis_proxy.set_mode("blackhole")
    started = time.monotonic()
    answer = env.client.get(STATUS, headers=admin)
    elapsed = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["services"]["redis"]["status"] == "unhealthy"
    assert body["services"]["celery"]["status"] == "unhealthy"
    assert body["tasks"]["error"] and all(j["status"] == "unknown" for j in body["tasks"]["jobs"])
    assert body["status"] == "degraded"
    assert elapsed < 5, elapsed


def test_admins_asking_at_once_share_one_computation(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    computed = 0
    status = admin_status._status

    def counted(request: Request, now: datetime) -> admin_status.AdminStatus:
        nonlocal computed
        computed += 1
        return status(request, now)

    monkeypatch.setattr(admin_status, "_status", counted)
    # Called as the route is, in one event loop (the test client's one database connection cannot take
    # concurrent requests' logins: the endpoint's own work is what is shared).
    request = Request({"type": "http", "app": env.client.app, "headers": [], "method": "GET", "path": STATUS})

    with env.session_factory() as session:
        admin, _ = service.create_admin(session, "root@example.com", PASSWORD, now=env.clock())
        session.commit()

    async def ask(n: int) -> list[admin_status.AdminStatus]:
        return await asyncio.gather(
            *(admin_status.get_admin_status(admin, request, env.clock()) for _ in range(n))
        )

    answers = asyncio.run(ask(8))
    assert computed == 1 and all(a is answers[0] for a in answers)
    assert answers[0].services["database"]["status"] == "healthy"
    asyncio.run(ask(1))
    assert computed == 2  # once answered, the next request computes anew: nothing is remembered


def test_the_embedded_runner_records_each_run() -> None:
    run_job("tasks.user_cleanup", lambda: None)
    runs = job_runs.EMBEDDED.read()
    assert float(runs["user_cleanup"]["success_at"]) == pytest.approx(time.time(), abs=30)

    def broken() -> None:
        raise RuntimeError("boom")

    run_job("tasks.user_cleanup", broken)
    jobs = {j.job: j for j in job_status(job_runs.EMBEDDED.read(), time.time())}
    assert jobs["user_cleanup"].status == "failing" and jobs["user_cleanup"].last_error_type == "RuntimeError"
    run_job("tasks.user_cleanup", lambda: None)
    jobs = {j.job: j for j in job_status(job_runs.EMBEDDED.read(), time.time())}
    assert jobs["user_cleanup"].status == "ok" and jobs["user_cleanup"].last_failure_at is not None


def test_cache_hit_ratio_over_every_view() -> None:
    text = (
        'fairedge_cache_hits_total{view="opportunities"} 9.0\n'
        'fairedge_cache_misses_total{view="opportunities",reason="absent"} 1.0\n'
        'fairedge_cache_hits_total{view="event_odds"} 1.0\n'
        'fairedge_cache_misses_total{view="event_odds",reason="expired"} 1.0\n'
    )
    status = cache_status(text)
    assert status.hit_ratio == pytest.approx(10 / 12)
    assert {v.view: v.hit_ratio for v in status.views} == {"event_odds": 0.5, "opportunities": 0.9}
    assert cache_status("").hit_ratio is None
