"""``tasks.user_cleanup`` (daily): expired tokens, unverified accounts past their grace, audit rows past
retention, and signing-key versions retired more than a day ago. Set-based deletes in one transaction;
the operations guide's budget is 30 s (bench/user_cleanup.py measures it on 100,000 users).

Domains above ``users`` add their own retention steps (``also``, composed in runtime.py: the alerts'
delivery log); each runs after that transaction has committed, owns its transactions and reports a count
in the same ``user_cleanup`` log event."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import Clock
from fairedge.secretstore.store import SecretStore
from fairedge.users.service import cleanup

log = structlog.get_logger(__name__)


def user_cleanup(
    factory: sessionmaker[Session],
    settings: Settings,
    secrets: SecretStore,
    clock: Clock,
    *,
    also: Mapping[str, Callable[[datetime], int]] | None = None,
) -> dict[str, float]:
    started = time.perf_counter()
    now = clock()
    with session_scope(factory) as session:
        purged: dict[str, float] = dict(cleanup(session, settings, now=now))
        purged["secret_versions"] = secrets.prune(session, before=now - timedelta(days=1))
    for name, step in (also or {}).items():
        purged[name] = step(now)
    purged["seconds"] = round(time.perf_counter() - started, 3)
    log.info("user_cleanup", **purged)
    return purged
