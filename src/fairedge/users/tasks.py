"""``tasks.user_cleanup`` (daily): expired tokens, unverified accounts past their grace, audit rows past
retention, and signing-key versions retired more than a day ago. Set-based deletes in one transaction;
the operations guide's budget is 30 s (bench/user_cleanup.py measures it on 100,000 users)."""

from __future__ import annotations

import time
from datetime import timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import Clock
from fairedge.secretstore.store import SecretStore
from fairedge.users.service import cleanup

log = structlog.get_logger(__name__)


def user_cleanup(
    factory: sessionmaker[Session], settings: Settings, secrets: SecretStore, clock: Clock
) -> dict[str, float]:
    started = time.perf_counter()
    now = clock()
    with session_scope(factory) as session:
        purged: dict[str, float] = dict(cleanup(session, settings, now=now))
        purged["secret_versions"] = secrets.prune(session, before=now - timedelta(days=1))
    purged["seconds"] = round(time.perf_counter() - started, 3)
    log.info("user_cleanup", **purged)
    return purged
