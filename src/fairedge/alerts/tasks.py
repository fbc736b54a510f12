"""``tasks.alert_delivery``: after each scan (chained) and on its own short timer (delays passing, retries
falling due), queue each alert's new matches, then post the due deliveries.

Three steps, webhooks called outside any transaction: (1) detect and queue, committed; (2) claim up to
``BATCH`` due deliveries (leased, so a concurrent run skips them), committed; (3) post each, then record
every outcome in one transaction. A webhook that failed in this run is not called again in it: its
alert's other deliveries wait for the next run. A crash between posting and recording posts that delivery
again once its lease ends (at least once, never lost). A delivery whose webhook URL this process cannot
decrypt (another SECRET_KEY, cipher.py) is released unsent, counted as ``unreadable``, and stays pending.

:func:`delivery_retention` is ``tasks.user_cleanup``'s step for the delivery log (runtime.py adds it).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairedge.alerts import service
from fairedge.alerts.cipher import cipher_for
from fairedge.alerts.delivery import SendResult, WebhookSender, sender_for
from fairedge.config import Settings
from fairedge.db.engine import session_scope
from fairedge.kit.timeutil import Clock

BATCH = 200  # deliveries posted per run at most
POST_BUDGET_SECONDS = (
    60.0  # then the rest of the batch waits for the next run (the job's soft limit is 100 s)
)
PRUNE_BATCH = 5000  # deliveries deleted per statement and transaction by the retention step


def rules_for(settings: Settings) -> service.RetryRules:
    return service.RetryRules(
        max_attempts=settings.ALERT_MAX_ATTEMPTS,
        backoff_seconds=settings.ALERT_RETRY_BACKOFF_SECONDS,
        pause_after=settings.ALERT_PAUSE_AFTER_FAILURES,
    )


def alert_delivery(
    factory: sessionmaker[Session],
    settings: Settings,
    clock: Clock,
    *,
    sender: WebhookSender | None = None,
    rules: service.RetryRules | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    sender = sender or sender_for(settings)
    rules = rules or rules_for(settings)
    with session_scope(factory) as session:
        found = service.detect(session, settings, now=clock())
    # A lease outlasts every post of the batch, so no other run takes a delivery still being sent.
    lease = BATCH * (settings.ALERT_WEBHOOK_TIMEOUT_SECONDS + 1)
    with session_scope(factory) as session:
        claimed = service.claim(session, cipher_for(settings), now=clock(), lease_seconds=lease, limit=BATCH)
    results: list[tuple[service.Claimed, SendResult | None]] = []
    failing: set[int] = set()
    for item in claimed:
        if (
            item.url is None
            or item.alert_id in failing
            or time.perf_counter() - started > POST_BUDGET_SECONDS
        ):
            results.append((item, None))
            continue
        result = sender.send(item.url, item.body)
        if not result.ok:
            failing.add(item.alert_id)
        results.append((item, result))
    counts: Counter[str] = Counter()
    if results:
        with session_scope(factory) as session:
            counts = service.record(session, results, rules, now=clock())
    with session_scope(factory) as session:
        service.gauges(session)
    return {
        "alerts": found.alerts,
        "matched": found.matched,
        "delivered": counts["delivered"],
        "retry": counts["retry"],
        "failed": counts["failed"],
        "deferred": counts["deferred"],
        "unreadable": sum(1 for item in claimed if item.url is None),
        "seconds": time.perf_counter() - started,
    }


def delivery_retention(factory: sessionmaker[Session], settings: Settings, now: datetime) -> int:
    """Delete finished deliveries past ``ALERT_DELIVERY_RETENTION_DAYS``, ``PRUNE_BATCH`` per transaction:
    each batch holds its locks briefly, and a run cut short keeps what it deleted. Returns the count."""
    deleted = 0
    while True:
        with session_scope(factory) as session:
            batch = service.prune_deliveries(session, settings, now=now, limit=PRUNE_BATCH)
        deleted += batch
        if batch < PRUNE_BATCH:
            return deleted
