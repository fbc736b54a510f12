"""The operations guide's hit ratio (> 90 %) over a scripted mix of filters, plans and pages while scans
rewrite the board: five scan rounds, each followed by the warming job (as the schedule chains them) and 300
requests (60 a second at a 5-second scan cadence) from anonymous, free, pro and elite callers over eight
views, the default list most of all. Every scan retires every entry, so the misses are the distinct views
each round, less those warmed. Measured with the cache's own counters (fairedge_cache_*_total)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from accounts_env import PASSWORD, Env, bearer, verified_user
from cache_board import counted, refresh_and_scan
from fairedge.health.probe import HealthProbe

ROUNDS, REQUESTS = 5, 300
VIEWS = {  # query (None: the NBA game's board), weight
    "": 40,
    "kind=ev": 12,
    "kind=arbitrage": 6,
    "sport=basketball": 10,
    "offset=5&limit=5": 8,
    "sort=first_seen": 6,
    "kind=ev&min_ev=0.02": 6,
    None: 12,
}
CALLERS = {"anonymous": 40, "free": 20, "pro": 25, "elite": 15}


@pytest.fixture(autouse=True)
def _no_health_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its board reading, from its own thread, would share the test's one connection with the requests.
    monkeypatch.setattr(HealthProbe, "start", lambda _self: None)


def test_the_hit_ratio_stays_above_ninety_percent_while_scans_rewrite_the_board(
    make_env: Callable[..., Env],
) -> None:
    env = make_env(RATE_LIMIT_FREE="10000/minute")
    refresh_and_scan(env)
    with env.session_factory() as session:
        for plan in ("free", "pro", "elite"):
            verified_user(session, f"{plan}@example.com", env.clock(), plan=plan)
        session.commit()
    headers: dict[str, dict[str, str]] = {"anonymous": {}} | {
        plan: bearer(env.login(f"{plan}@example.com", PASSWORD)) for plan in ("free", "pro", "elite")
    }
    event_id = env.client.get("/api/events").json()["items"][0]["id"]
    script = random.Random(8)
    views, callers = list(VIEWS), list(CALLERS)
    start = [sum(pair) for pair in zip(counted("opportunities"), counted("event_odds"), strict=True)]
    for round_ in range(ROUNDS):
        env.clock.advance(5)
        refresh_and_scan(env, fanduel_home=2.10 + 0.01 * round_)  # every price the scan sees moves
        env.runtime.jobs()["tasks.cache_warming"]()
        for _ in range(REQUESTS):
            view = script.choices(views, weights=list(VIEWS.values()))[0]
            caller = script.choices(callers, weights=list(CALLERS.values()))[0]
            path = f"/api/events/{event_id}/odds" if view is None else f"/api/opportunities?{view}"
            assert env.client.get(path, headers=headers[caller]).status_code == 200
    end = [sum(pair) for pair in zip(counted("opportunities"), counted("event_odds"), strict=True)]
    hits, misses = end[0] - start[0], end[1] - start[1]
    assert hits + misses == ROUNDS * REQUESTS
    assert hits / (hits + misses) > 0.9, f"{hits} hits, {misses} misses"
