"""The secrets store on a real database: encrypted at rest, versions by kid, rotation reaching all."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from factories import T0, FakeClock
from fairedge.errors import ConfigurationError
from fairedge.secretstore.models import SecretVersionRow
from fairedge.secretstore.store import SecretStore

KEY = "k" * 40


def _store(
    factory: sessionmaker[Session], clock: FakeClock, *, key: str = KEY, cache: float = 60.0
) -> SecretStore:
    return SecretStore(factory, key, cache_seconds=cache, clock=clock)


def test_values_are_encrypted_at_rest(session_factory: sessionmaker[Session]) -> None:
    store = _store(session_factory, FakeClock(T0))
    store.rotate("odds_api_key", "plain-value-123", grace=timedelta(0))
    with session_factory() as session:
        stored = session.scalars(select(SecretVersionRow.ciphertext)).all()
    assert stored and all("plain-value-123" not in c for c in stored)
    assert store.current("odds_api_key") is not None
    assert store.current("odds_api_key").value == "plain-value-123"  # type: ignore[union-attr]


def test_a_rotation_reaches_another_process_without_a_restart(session_factory: sessionmaker[Session]) -> None:
    clock = FakeClock(T0)
    writer, reader = _store(session_factory, clock), _store(session_factory, clock, cache=0.0)
    first = writer.ensure_random("jwt_signing")
    assert reader.current("jwt_signing") == first
    second = writer.rotate("jwt_signing", "next", grace=timedelta(minutes=15))
    assert reader.current("jwt_signing") == second  # no cache: the next read sees it
    # The old version stays valid through the grace, then retires.
    assert {v.kid for v in reader.valid("jwt_signing")} == {first.kid, second.kid}
    clock.advance(15 * 60 + 1)
    assert [v.kid for v in reader.valid("jwt_signing")] == [second.kid]


def test_seed_stores_a_first_value_and_never_replaces_a_rotated_one(
    session_factory: sessionmaker[Session],
) -> None:
    clock = FakeClock(T0)
    store = _store(session_factory, clock, cache=0.0)
    seeded = store.seed("odds_api_keys", "from-env-1")
    assert seeded is not None and store.current("odds_api_keys") == seeded
    assert store.seed("odds_api_keys", "from-env-1") is None  # a restart seeds nothing again
    rotated = store.rotate("odds_api_keys", "rotated-2", grace=timedelta(0))
    assert store.seed("odds_api_keys", "stale-env-value") is None
    assert store.current("odds_api_keys") == rotated
    assert [v.value for v in store.valid("odds_api_keys")] == ["rotated-2"]


def test_an_unknown_kid_reloads_a_cached_store_at_once(session_factory: sessionmaker[Session]) -> None:
    clock = FakeClock(T0)
    writer, cached = _store(session_factory, clock), _store(session_factory, clock, cache=3600.0)
    writer.ensure_random("jwt_signing")
    assert cached.current("jwt_signing") is not None  # now cached for an hour
    fresh = writer.rotate("jwt_signing", "next", grace=timedelta(minutes=15))
    assert cached.current("jwt_signing") != fresh  # the cache still holds the old view…
    assert cached.version("jwt_signing", fresh.kid) == fresh  # …but a token signed by the new key is known


def test_racing_first_keys_do_not_retire_each_other(session_factory: sessionmaker[Session]) -> None:
    clock = FakeClock(T0)
    one, two = _store(session_factory, clock), _store(session_factory, clock)
    a = one.ensure_random("jwt_signing")
    two._cache["jwt_signing"] = (time.monotonic(), [])  # it has not seen a yet (and its view is fresh)
    two._cache_seconds = 3600.0
    b = two.ensure_random("jwt_signing")
    assert a.kid != b.kid
    both = {v.kid for v in _store(session_factory, clock, cache=0).valid("jwt_signing")}
    assert both == {a.kid, b.kid}


def test_another_secret_key_cannot_read_the_store(session_factory: sessionmaker[Session]) -> None:
    clock = FakeClock(T0)
    _store(session_factory, clock).rotate("stripe_webhook", "whsec_1", grace=timedelta(0))
    with pytest.raises(ConfigurationError, match="SECRET_KEY differs"):
        _store(session_factory, clock, key="z" * 40).current("stripe_webhook")


def test_prune_deletes_only_long_retired_versions(session_factory: sessionmaker[Session]) -> None:
    clock = FakeClock(T0)
    store = _store(session_factory, clock, cache=0)
    old = store.ensure_random("jwt_signing")
    new = store.rotate("jwt_signing", "n", grace=timedelta(minutes=1))
    with session_factory() as session:
        assert store.prune(session, before=T0) == 0
        assert store.prune(session, before=T0 + timedelta(days=2)) == 1
        session.commit()
    kids = [v.kid for v in store.valid("jwt_signing")]
    assert kids == [new.kid] and old.kid not in kids


def test_a_failed_reload_keeps_the_cached_view(session_factory: sessionmaker[Session]) -> None:
    clock = FakeClock(T0)
    store = _store(session_factory, clock, cache=0.0)
    key = store.ensure_random("jwt_signing")
    assert store.current("jwt_signing") == key  # read once: now cached
    dead = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    store._factory = sessionmaker(bind=dead)  # the database goes away
    with capture_logs() as logs:
        assert store.current("jwt_signing") == key  # tokens keep verifying through the blip
    assert [entry["event"] for entry in logs] == ["secrets_reload_failed"]
    dead.dispose()


def test_threads_share_one_reload(session_factory: sessionmaker[Session]) -> None:
    clock = FakeClock(T0)
    store = _store(session_factory, clock, cache=0.0)
    key = store.ensure_random("jwt_signing")
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: store.current("jwt_signing"), range(64)))
    assert seen == [key] * 64
