"""``tasks.user_cleanup`` on 100,000 users (PostgreSQL), beside the floor of deleting the same rows.

Run with ``python -m bench.user_cleanup`` (``BENCH_USERS`` changes the size). A fresh migrated PostgreSQL
database is bulk-loaded with COPY (seeded, deterministic), then vacuumed and analysed as autovacuum would
leave it:

- users: 100,000 created over three years; 10 % unverified past the grace (``UNVERIFIED_ACCOUNT_DAYS``),
  2 % unverified within it, the rest verified; a few analysts and admins;
- refresh tokens: 4 per user, half of them expired;
- e-mail tokens: a verification token per user (used when verified) and a reset token for a fifth of them,
  some used, some expired;
- API keys for a tenth of the users, plan grants for a twentieth;
- audit: 5 account events and 1 role change per user, each between the user's creation and now
  (``AUDIT_RETENTION_DAYS`` 730: about a ninth are past retention); JWT signing keys, four of five retired
  long ago.

No row's time lies within an hour of a cut-off, so the counts cannot depend on when the job starts.

The job is timed as the scheduler runs it (``Runtime.jobs()["tasks.user_cleanup"]``: one transaction,
committed): the first run (the backlog above, the worst case) and the next day's run (what a daily run
meets). The floor, measured in the same run: unindexed, constraint-free copies of the same tables (made
before the job, each row flagged with whether the job will delete it, by the job's own rules including the
cascade from purged users) and one committed transaction of plain ``DELETE … WHERE doomed``: the cost of
deleting those rows with no index upkeep, foreign-key cascade or lookup. The bench checks that the floor
deletes exactly as many rows as the job did.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from bench.pipeline import scratch_database
from fairedge.config import Settings
from fairedge.db import migrate
from fairedge.db.engine import make_engine, make_session_factory
from fairedge.observability.logging import configure_logging
from fairedge.runtime import Runtime
from fairedge.users.security import hash_password

USERS = int(os.environ.get("BENCH_USERS", "100000"))
BUDGET_SECONDS = 30.0  # the operations guide: daily cleanup in < 30 s for 100,000 users
GAP = timedelta(hours=1)  # no row lies this close to a cut-off
SEED = 2026

# table: (columns, the floor's rule for "the job deletes this row", with :now, :grace and :retention)
DOOMED_USER = "(email_verified_at IS NULL AND created_at < :grace)"
DOOMED_USERS = f"user_id IN (SELECT id FROM auth.users WHERE {DOOMED_USER})"
TABLES: dict[str, tuple[str, str]] = {
    "auth.users": (
        "id, email, password_hash, role, session_version, email_verified_at, disabled_at, created_at, "
        "last_login_at",
        DOOMED_USER,
    ),
    "auth.refresh_tokens": (
        "id, user_id, family_id, token_digest, created_at, expires_at, used_at, revoked_at",
        f"expires_at < :now OR {DOOMED_USERS}",
    ),
    "auth.email_tokens": (
        "id, user_id, purpose, token_digest, created_at, expires_at, used_at",
        f"expires_at < :now OR used_at IS NOT NULL OR {DOOMED_USERS}",
    ),
    "auth.api_keys": (
        "id, user_id, name, prefix, key_digest, created_at, last_used_at, revoked_at",
        DOOMED_USERS,
    ),
    "auth.plan_grants": (
        "id, user_id, plan, granted_by, reason, created_at, expires_at, revoked_at",
        DOOMED_USERS,
    ),
    "audit.account_events": (
        "id, action, user_id, actor_id, client_ip, details, created_at",
        "created_at < :retention",
    ),
    "audit.user_role_changes": (
        "id, user_id, changed_by, old_role, new_role, reason, created_at",
        "created_at < :retention",
    ),
}


class Accounts:
    """The rows, generated table by table from one seed; ``now`` is the moment the job runs."""

    def __init__(self, settings: Settings, now: datetime) -> None:
        self.now = now
        self.rng = random.Random(SEED)
        self.grace = now - timedelta(days=settings.UNVERIFIED_ACCOUNT_DAYS)
        self.retention = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        self.cutoffs = (now, self.grace, self.retention)
        self.password_hash = hash_password("bench password 2026")
        self.created: list[datetime] = []  # per user, by id - 1
        self.verified: list[datetime | None] = []

    def _at(self, earliest: datetime, latest: datetime) -> datetime:
        """A random moment in [earliest, latest], at least ``GAP`` from every cut-off."""
        while True:
            moment = earliest + (latest - earliest) * self.rng.random()
            if all(abs(moment - cut) >= GAP for cut in self.cutoffs):
                return moment

    def users(self) -> Iterator[tuple[Any, ...]]:
        start = self.now - timedelta(days=3 * 365)
        for uid in range(1, USERS + 1):
            kind = self.rng.random()
            if kind < 0.10:  # unverified past the grace: purged
                created, verified = self._at(start, self.grace), None
            elif kind < 0.12:  # unverified within the grace: kept
                created, verified = self._at(self.grace, self.now), None
            else:
                created = self._at(start, self.now)
                verified = min(created + timedelta(minutes=10), self.now - GAP)
            self.created.append(created)
            self.verified.append(verified)
            role = "admin" if uid % 1000 == 0 else "analyst" if uid % 100 == 0 else "user"
            disabled = self._at(created, self.now) if uid % 250 == 0 else None
            login = self._at(created, self.now) if verified else None
            yield (
                uid,
                f"user{uid}@example.com",
                self.password_hash,
                role,
                1,
                verified,
                disabled,
                created,
                login,
            )

    def refresh_tokens(self) -> Iterator[tuple[Any, ...]]:
        token_id = 0
        for uid, created in enumerate(self.created, start=1):
            family = uuid.UUID(int=self.rng.getrandbits(128)).hex
            for n in range(4):
                token_id += 1
                expired = n % 2 == 0
                issued = self._at(max(created, self.now - timedelta(days=60)), self.now - GAP)
                expires = (
                    self._at(issued, self.now - GAP)
                    if expired
                    else self._at(self.now + GAP, self.now + timedelta(days=30))
                )
                used = issued + timedelta(minutes=15) if n < 3 else None
                yield (token_id, uid, family, f"{token_id:064x}", issued, expires, used, None)

    def email_tokens(self) -> Iterator[tuple[Any, ...]]:
        token_id = 0
        for uid, (created, verified) in enumerate(zip(self.created, self.verified, strict=True), start=1):
            token_id += 1
            used = verified  # the verification link was used when the address was verified
            expires = created + timedelta(hours=48)
            if abs(expires - self.now) < GAP:
                expires = self.now + GAP
            yield (token_id, uid, "verify", f"{token_id:064x}", created, expires, used)
            if uid % 5 == 0:
                token_id += 1
                sent = self._at(self.now - timedelta(days=30), self.now)
                expires = sent + timedelta(minutes=30)
                if abs(expires - self.now) < GAP:
                    expires = self.now + GAP
                used = sent + timedelta(minutes=5) if uid % 10 == 0 else None
                yield (token_id, uid, "reset", f"{token_id:064x}", sent, expires, used)

    def api_keys(self) -> Iterator[tuple[Any, ...]]:
        for n, uid in enumerate(range(10, USERS + 1, 10), start=1):
            made = self._at(self.created[uid - 1], self.now)
            yield (n, uid, "script", f"fe_{n:08x}", f"{n:064x}", made, None, None)

    def plan_grants(self) -> Iterator[tuple[Any, ...]]:
        for n, uid in enumerate(range(20, USERS + 1, 20), start=1):
            made = self._at(self.created[uid - 1], self.now)
            yield (n, uid, "pro", None, "bench", made, None, None)

    def account_events(self) -> Iterator[tuple[Any, ...]]:
        event_id = 0
        actions = ("user_registered", "email_verified", "password_changed", "api_key_created", "role_changed")
        for uid, created in enumerate(self.created, start=1):
            for action in actions:
                event_id += 1
                at = self._at(created, self.now)
                yield (event_id, action, uid, uid, "203.0.113.7", "{}", at)

    def user_role_changes(self) -> Iterator[tuple[Any, ...]]:
        for uid, created in enumerate(self.created, start=1):
            yield (uid, uid, None, None, "user", "registered", created)

    def secrets(self) -> Iterator[tuple[Any, ...]]:
        for n in range(1, 6):  # one valid key, four retired long ago (pruned)
            made = self.now - timedelta(days=30 * (6 - n))
            retire = None if n == 5 else made + timedelta(days=30, minutes=20)
            yield (n, "jwt_signing", f"bench-{n}", "not a real ciphertext", made, retire)


def _copy(engine: Engine, table: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> int:
    count = 0
    with engine.begin() as conn:
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _load(engine: Engine, accounts: Accounts) -> dict[str, int]:
    loaded = {}
    for table, (columns, _rule) in TABLES.items():
        loaded[table] = _copy(engine, table, columns, getattr(accounts, table.split(".")[1])())
    columns = "id, name, kid, ciphertext, created_at, retire_at"
    loaded["auth.secrets"] = _copy(engine, "auth.secrets", columns, accounts.secrets())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return loaded


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}


def _floor_tables(engine: Engine, accounts: Accounts) -> None:
    """Unindexed, constraint-free copies of the tables, each row flagged ``doomed`` by the job's rules."""
    cuts = {"now": accounts.now, "grace": accounts.grace, "retention": accounts.retention}
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA bench_floor"))
        for table, (_columns, rule) in TABLES.items():
            copy = f"bench_floor.{table.split('.')[1]}"
            conn.execute(text(f"CREATE TABLE {copy} AS SELECT *, ({rule}) AS doomed FROM {table}"), cuts)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _floor(engine: Engine) -> tuple[float, int]:
    """Seconds to delete the doomed rows of the copies, one transaction, committed; rows deleted."""
    deleted = 0
    started = time.perf_counter()
    with engine.begin() as conn:
        for table in TABLES:
            result = conn.execute(text(f"DELETE FROM bench_floor.{table.split('.')[1]} WHERE doomed"))
            deleted += int(result.rowcount)
    return time.perf_counter() - started, deleted


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _job(settings: Settings, engine: Engine, now: datetime) -> Callable[[], dict[str, float]]:
    runtime = Runtime.assemble(settings, engine, make_session_factory(engine), clock=lambda: now)
    job: Callable[[], dict[str, float]] = runtime.jobs()["tasks.user_cleanup"]
    return job


def main() -> None:
    print(f"# user_cleanup: {USERS:,} users on PostgreSQL (seed {SEED})")
    configure_logging(service="bench", level="WARNING")  # the job's own log line would break the tables
    now = datetime.now(UTC).replace(microsecond=0)
    with scratch_database("postgresql") as url:
        migrate.upgrade(url)
        settings = Settings(_env_file=None, DATABASE_URL=url, LOG_LEVEL="WARNING")
        engine = make_engine(settings)
        try:
            accounts = Accounts(settings, now)
            load_seconds, loaded = _timed(lambda: _load(engine, accounts))
            print(
                f"loaded {sum(loaded.values()):,} rows in {load_seconds:.1f} s (COPY, then VACUUM ANALYZE):"
            )
            for table, rows in loaded.items():
                print(f"- {table}: {rows:,}")
            _floor_tables(engine, accounts)
            before = _counts(engine)
            first_seconds, first = _timed(_job(settings, engine, now))
            after = _counts(engine)
            deleted = sum(before.values()) - sum(after.values())
            floor_seconds, floor_deleted = _floor(engine)
            next_seconds, next_day = _timed(_job(settings, engine, now + timedelta(days=1)))
        finally:
            engine.dispose()
    if floor_deleted != deleted:
        raise SystemExit(f"the floor deleted {floor_deleted:,} rows, the job {deleted:,}: the rules differ")
    reported = {k: int(v) for k, v in first.items() if k != "seconds"}
    print(f"\nrows the first run deleted: {deleted:,} (by the job's count: {reported}; the rest by cascade)")
    print("\n| run | rows deleted | job s | floor s | × floor |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(
        f"| first (backlog above) | {deleted:,} | {first_seconds:.3f} | {floor_seconds:.3f} "
        f"| {first_seconds / floor_seconds:.1f}× |"
    )
    next_rows = int(sum(v for k, v in next_day.items() if k != "seconds"))
    print(f"| next day | {next_rows:,} (+ cascades) | {next_seconds:.3f} | - | - |")
    verdict = "met" if first_seconds < BUDGET_SECONDS else "MISSED"
    print(f"\nTarget: first run {first_seconds:.3f} s < {BUDGET_SECONDS:.0f} s {verdict}")


if __name__ == "__main__":
    main()
