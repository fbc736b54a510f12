"""API-key identities remembered per process for API_KEY_CACHE_SECONDS: a key used a moment ago costs no
query; a change made elsewhere (another API process, the CLI, SQL) is seen within that bound, and a change
made through this process at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import event, update

from accounts_env import Env, bearer
from fairedge.users.models import ApiKey, User

TTL = 5.0


def _key(env: Env, email: str) -> tuple[str, int, dict[str, str]]:
    tokens = env.signup(email)
    env.grant(email, "pro")
    created = env.client.post("/api/keys", json={"name": "script"}, headers=bearer(tokens))
    assert created.status_code == 201
    return created.json()["key"], created.json()["id"], bearer(tokens)


@contextmanager
def _statements(env: Env) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = env.runtime.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _list(env: Env, key: str) -> int:
    return int(env.client.get("/api/opportunities", headers={"X-API-Key": key}).status_code)


def test_a_key_used_a_moment_ago_costs_no_lookup(make_env: Callable[..., Env]) -> None:
    env = make_env(API_KEY_CACHE_SECONDS=TTL)
    key, _, _ = _key(env, "kim@example.com")
    assert _list(env, key) == 200
    with _statements(env) as seen:
        assert _list(env, key) == 200
    assert not [s for s in seen if "api_keys" in s], seen  # neither the lookup nor the last-used touch
    env.clock.advance(TTL + 0.001)
    with _statements(env) as seen:
        assert _list(env, key) == 200
    assert [s for s in seen if "api_keys" in s]  # past the bound: read again


def test_a_key_revoked_elsewhere_stops_within_the_bound(make_env: Callable[..., Env]) -> None:
    env = make_env(API_KEY_CACHE_SECONDS=TTL)
    key, key_id, _ = _key(env, "lou@example.com")
    assert _list(env, key) == 200
    with env.session_factory() as session:  # another API process, the CLI or SQL: not this process's cache
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=env.clock()))
        session.commit()
    env.clock.advance(TTL - 0.5)
    assert _list(env, key) == 200  # still inside the bound: the remembered identity answers
    env.clock.advance(0.5)
    assert _list(env, key) == 401  # at the bound: read again, refused


def test_a_disabled_owner_stops_within_the_bound(make_env: Callable[..., Env]) -> None:
    env = make_env(API_KEY_CACHE_SECONDS=TTL)
    key, _, _ = _key(env, "max@example.com")
    assert _list(env, key) == 200
    with env.session_factory() as session:
        session.execute(update(User).where(User.email == "max@example.com").values(disabled_at=env.clock()))
        session.commit()
    env.clock.advance(TTL)
    assert _list(env, key) == 401


def test_a_key_revoked_through_this_process_stops_at_once(make_env: Callable[..., Env]) -> None:
    env = make_env(API_KEY_CACHE_SECONDS=TTL)
    key, key_id, owner = _key(env, "ned@example.com")
    assert _list(env, key) == 200
    assert env.client.delete(f"/api/keys/{key_id}", headers=owner).status_code == 200
    assert _list(env, key) == 401


def test_a_clock_moved_back_does_not_stretch_the_bound(make_env: Callable[..., Env]) -> None:
    env = make_env(API_KEY_CACHE_SECONDS=TTL)
    key, _, _ = _key(env, "ola@example.com")
    assert _list(env, key) == 200
    env.clock.advance(-1)
    with _statements(env) as seen:
        assert _list(env, key) == 200
    assert [s for s in seen if "api_keys" in s]


def test_zero_turns_the_memory_off(make_env: Callable[..., Env]) -> None:
    env = make_env(API_KEY_CACHE_SECONDS=0)
    key, _, _ = _key(env, "pat@example.com")
    assert _list(env, key) == 200
    with _statements(env) as seen:
        assert _list(env, key) == 200
    assert [s for s in seen if "api_keys" in s]


def test_requests_in_flight_share_one_read_when_the_identity_runs_out(make_env: Callable[..., Env]) -> None:
    # Under load every request of a key in flight misses its identity at the same instant: one reads it.
    env = make_env(API_KEY_CACHE_SECONDS=TTL)
    key, _, _ = _key(env, "ned@example.com")
    assert _list(env, key) == 200  # the list's query string remembered, the key and its plan too
    env.clock.advance(TTL + 0.001)

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=env.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            requests = [client.get("/api/opportunities", headers={"X-API-Key": key}) for _ in range(20)]
            return [answer.status_code for answer in await asyncio.gather(*requests)]

    with _statements(env) as seen:
        assert asyncio.run(burst()) == [200] * 20
    lookups = [s for s in seen if "api_keys" in s and s.lstrip().upper().startswith("SELECT")]
    assert len(lookups) == 1, seen
