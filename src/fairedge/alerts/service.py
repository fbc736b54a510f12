"""Alert rules: saved filters per user (capped by plan), matching new opportunities as the owner's plan
shows them, and the delivery bookkeeping (retries with backoff, pausing a failing webhook).

Matching is the opportunity list's own: each alert's filter is an ``OpportunityFilter`` judged by
``opportunities.service.stream_verdict`` (the list's SQL conditions term by term, as the live stream uses
them) under the owner's effective plan (kinds, markets, sports and the delay, from ``billing``), so an alert
fires for exactly what ``GET /api/opportunities`` with the same parameters would show its owner, at the
moment it shows it: a delayed plan's alert fires once the delay has passed. The plan's cap on results does
not apply (it bounds a list, not a stream of new ones).

New means first seen at or after the alert's watermark. The watermark starts at what the owner could
already see when the alert was saved (or resumed): ``now`` minus the plan's delay; each run moves it to the
instant ten minutes before what the owner can see now (a row a scan committed late, or one that comes to
match on a later scan, is still found). The unique (alert, opportunity) delivery row is the guarantee of
one send per alert; the watermark bounds what each run reads.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import orjson
import structlog
from sqlalchemy.orm import Session

from fairedge.alerts import delivery, repository
from fairedge.alerts.cipher import UnreadableWebhook, WebhookCipher
from fairedge.alerts.delivery import SendResult, WebhookSender
from fairedge.alerts.models import Alert, AlertDelivery
from fairedge.alerts.ssrf import WebhookPolicy, mask_url
from fairedge.billing.plans import Plan, plans
from fairedge.billing.service import plans_of
from fairedge.config import Settings
from fairedge.errors import InvalidInput, NotFound, PlanLimitReached
from fairedge.observability import metrics
from fairedge.opportunities import listing
from fairedge.opportunities import service as opportunities
from fairedge.opportunities.entitlement import Entitlement
from fairedge.opportunities.service import OpportunityFilter

log = structlog.get_logger(__name__)

# Alerts a user may keep, by plan (paused ones count too).
ALERT_LIMITS: dict[str, int] = {"free": 2, "pro": 20, "elite": 100, "local": 100}
PAGE = 500  # opportunities read per list query while looking for new ones
# Each run moves a watermark at least to what the owner could see this long ago: an opportunity a scan
# committed late (a scan takes up to 2 minutes), or one that comes to match later, is still found.
WATERMARK_MARGIN_SECONDS = 600.0
MAX_BACKOFF_SECONDS = 3600.0
UNREADABLE_ERROR = "the server cannot read the saved webhook URL; save the URL again"


def alert_limit(plan: Plan) -> int:
    return ALERT_LIMITS.get(plan.name, ALERT_LIMITS["free"])


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """A saved filter, in the terms of ``GET /api/opportunities`` (``bookmakers``: any leg at any of these
    books, each as the list's ``bookmaker``; empty: any book)."""

    kinds: tuple[str, ...] = ()
    sport: str | None = None
    league: str | None = None
    market: str | None = None
    bookmakers: tuple[str, ...] = ()
    min_ev: float | None = None
    min_profit_margin: float | None = None
    method: str | None = None

    @classmethod
    def of(cls, alert: Alert) -> AlertFilter:
        return cls(
            kinds=tuple(alert.kinds),
            sport=alert.sport,
            league=alert.league,
            market=alert.market,
            bookmakers=tuple(alert.bookmakers),
            min_ev=alert.min_ev,
            min_profit_margin=alert.min_profit_margin,
            method=alert.method,
        )

    def queries(self, methods: Sequence[str]) -> list[OpportunityFilter]:
        """The list queries this filter is: one per bookmaker (one for any book), measured against the
        chosen devig method or the deployment's first, as the list is."""
        method = opportunities.choose_method(self.method, methods)
        return [
            OpportunityFilter(
                kinds=self.kinds,
                sport=self.sport,
                league=self.league,
                market=self.market,
                bookmaker=book,
                min_ev=self.min_ev,
                min_profit_margin=self.min_profit_margin,
                method=method,
            )
            for book in (self.bookmakers or (None,))
        ]

    def check(self, methods: Sequence[str]) -> None:
        """Refused as the list refuses it: a rate filter for none of the kinds, an uncomputed method."""
        for query in self.queries(methods):
            opportunities.check_filter(query)


@dataclass(frozen=True, slots=True)
class AlertInput:
    name: str
    channel: str
    webhook_url: str
    filter: AlertFilter


def _watermark(plan: Plan, now: datetime) -> datetime:
    """What the owner can already see at ``now``: opportunities first seen up to here are not new."""
    return now - timedelta(seconds=plan.delay_seconds)


def create_alert(
    session: Session,
    user_id: int,
    plan: Plan,
    data: AlertInput,
    *,
    policy: WebhookPolicy,
    cipher: WebhookCipher,
    methods: Sequence[str],
    now: datetime,
) -> Alert:
    count = repository.count_of_user(session, user_id)
    limit = alert_limit(plan)
    if count >= limit:
        raise PlanLimitReached(
            f"the {plan.title} plan keeps at most {limit} alerts; delete one or upgrade",
            details={"plan": plan.name, "allowed": limit, "alerts": count},
        )
    data.filter.check(methods)
    policy.check_before_save(data.webhook_url)
    f = data.filter
    alert = repository.add(
        session,
        Alert(
            user_id=user_id,
            name=data.name,
            status="active",
            channel=data.channel,
            webhook_ciphertext=cipher.seal(data.webhook_url),
            kinds=list(f.kinds),
            sport=f.sport,
            league=f.league,
            market=f.market,
            bookmakers=list(f.bookmakers),
            min_ev=f.min_ev,
            min_profit_margin=f.min_profit_margin,
            method=f.method,
            watermark=_watermark(plan, now),
            consecutive_failures=0,
            created_at=now,
            updated_at=now,
        ),
    )
    log.info("alert_created", alert_id=alert.id, channel=alert.channel, webhook=mask_url(data.webhook_url))
    return alert


def list_alerts(session: Session, user_id: int) -> Sequence[Alert]:
    return repository.of_user(session, user_id)


def get_alert(session: Session, user_id: int, alert_id: int) -> Alert:
    """The user's own alert; another user's is as absent as one that does not exist."""
    alert = repository.get(session, alert_id)
    if alert is None or alert.user_id != user_id:
        raise NotFound(f"alert {alert_id} not found")
    return alert


FILTER_FIELDS = ("kinds", "sport", "league", "market", "bookmakers", "min_ev", "min_profit_margin", "method")


def update_alert(
    session: Session,
    user_id: int,
    alert_id: int,
    changes: Mapping[str, Any],
    *,
    policy: WebhookPolicy,
    cipher: WebhookCipher,
    methods: Sequence[str],
    now: datetime,
) -> Alert:
    """Apply ``changes`` (only the fields sent); the filter is checked whole, a new URL as at creation."""
    alert = get_alert(session, user_id, alert_id)
    current = AlertFilter.of(alert)
    given: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in changes.items() if k in FILTER_FIELDS
    }
    merged = replace(current, **given)
    merged.check(methods)
    if "webhook_url" in changes:
        policy.check_before_save(changes["webhook_url"])
        alert.webhook_ciphertext = cipher.seal(changes["webhook_url"])
    for name in ("name", "channel"):
        if name in changes:
            setattr(alert, name, changes[name])
    for name in FILTER_FIELDS:
        value = getattr(merged, name)
        setattr(alert, name, list(value) if isinstance(value, tuple) else value)
    alert.updated_at = now
    session.flush()
    return alert


def delete_alert(session: Session, user_id: int, alert_id: int) -> None:
    repository.delete(session, get_alert(session, user_id, alert_id))


def _pause(session: Session, alert: Alert, reason: str, now: datetime, *, cause: str) -> None:
    alert.status = "paused"
    alert.paused_reason = reason
    alert.paused_at = now
    alert.updated_at = now
    session.flush()
    cancelled = repository.cancel_pending(session, alert.id, f"alert paused: {reason}")
    metrics.ALERTS_PAUSED.labels(cause=cause).inc()
    log.info("alert_paused", alert_id=alert.id, cause=cause, reason=reason, cancelled=cancelled)


def pause_alert(session: Session, user_id: int, alert_id: int, *, now: datetime) -> Alert:
    alert = get_alert(session, user_id, alert_id)
    if alert.status != "paused":
        _pause(session, alert, "paused by its owner", now, cause="owner")
    return alert


def resume_alert(session: Session, user_id: int, alert_id: int, plan: Plan, *, now: datetime) -> Alert:
    """Active again, from now on: what appeared while it was paused is not sent (it is mostly gone)."""
    alert = get_alert(session, user_id, alert_id)
    if alert.status == "paused":
        alert.status = "active"
        alert.paused_reason = None
        alert.paused_at = None
        alert.consecutive_failures = 0
        alert.watermark = max(alert.watermark, _watermark(plan, now))
        alert.updated_at = now
        session.flush()
        log.info("alert_resumed", alert_id=alert.id)
    return alert


def deliveries(
    session: Session, user_id: int, alert_id: int, *, offset: int, limit: int
) -> tuple[int, Sequence[AlertDelivery]]:
    get_alert(session, user_id, alert_id)
    return repository.deliveries_page(session, alert_id, offset=offset, limit=limit)


def alert_ref(alert: Alert) -> dict[str, Any]:
    return {"id": alert.id, "name": alert.name}


def send_test(
    session: Session,
    user_id: int,
    alert_id: int,
    sender: WebhookSender,
    cipher: WebhookCipher,
    *,
    now: datetime,
) -> SendResult:
    """Post a test message to the alert's webhook now (paused alerts too: check a fix before resuming).
    Not a delivery: it neither counts as a failure nor pauses the alert."""
    alert = get_alert(session, user_id, alert_id)
    try:
        url = cipher.open(alert.webhook_ciphertext)
    except UnreadableWebhook as exc:
        log.warning("alert_webhook_unreadable", alert_id=alert.id, reason=str(exc))
        return SendResult(False, None, UNREADABLE_ERROR, True, 0.0)
    result = sender.send(url, delivery.sample_message(alert.channel, alert_ref(alert), now))
    log.info("alert_test_sent", alert_id=alert.id, ok=result.ok, status=result.status_code)
    return result


# ------------------------------------------------------------------------------ the delivery job's parts


@dataclass(slots=True)
class DetectReport:
    alerts: int = 0
    candidates: int = 0
    matched: int = 0
    over_cap: int = 0
    invalid: int = 0


def detect(session: Session, settings: Settings, *, now: datetime) -> DetectReport:
    """Queue a pending delivery for each opportunity new to each active alert, as its owner's plan shows
    it at ``now``.

    One read of the live opportunities first seen since the oldest watermark (the list's own query, newest
    first, every kind and method), then each alert's filter and plan applied to those rows by
    ``opportunities.service.stream_verdict``: the list's conditions term by term (the live stream's
    predicate), so an alert fires for exactly what its owner's list shows."""
    report = DetectReport()
    pairs = repository.active_with_owners(session)
    if not pairs:
        return report
    owner_plans = plans_of(session, settings, list({user.id: user for _, user in pairs}.values()), now)
    kept: Counter[int] = Counter()
    eligible: list[tuple[Alert, Plan, list[OpportunityFilter]]] = []
    for alert, user in pairs:
        plan = owner_plans[user.id][0]
        kept[user.id] += 1
        if kept[user.id] > alert_limit(plan):  # a downgraded plan: its oldest alerts keep working
            report.over_cap += 1
            continue
        try:
            queries = AlertFilter.of(alert).queries(settings.SCAN_DEVIG_METHODS)
        except InvalidInput as exc:  # a method no longer computed here (SCAN_DEVIG_METHODS changed)
            report.invalid += 1
            log.warning("alert_filter_invalid", alert_id=alert.id, reason=exc.message)
            continue
        eligible.append((alert, plan, queries))
    report.alerts = len(eligible)
    if not eligible:
        return report
    max_age = settings.SCAN_MAX_QUOTE_AGE_SECONDS
    rows = _live_since(session, settings, min(alert.watermark for alert, _, _ in eligible), now)
    report.candidates = len(rows)
    known = repository.pairs_recorded(session, [row.id for row in rows])
    inserts: list[dict[str, Any]] = []
    payloads: dict[int, dict[str, Any]] = {}
    for alert, plan, queries in eligible:
        ent = Entitlement(plan, now)
        found = [
            row
            for row in rows
            if row.first_seen >= alert.watermark
            and (alert.id, row.id) not in known
            and any(
                opportunities.stream_verdict(q, ent, row, now=now, max_age_seconds=max_age) == "shown"
                for q in queries
            )
        ]
        for row in found:
            payload = payloads.get(row.id)
            if payload is None:
                payload = payloads[row.id] = _payload(row)
            inserts.append(
                {
                    "alert_id": alert.id,
                    "opportunity_id": row.id,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "payload": payload,
                    "created_at": now,
                }
            )
        # Not past the margin, whatever matched: a row that comes to match on a later scan is still found.
        alert.watermark = max(
            alert.watermark, _watermark(plan, now) - timedelta(seconds=WATERMARK_MARGIN_SECONDS)
        )
    session.flush()
    report.matched = repository.insert_deliveries(session, inserts)
    metrics.ALERT_MATCHES.inc(report.matched)
    return report


def _live_since(session: Session, settings: Settings, since: datetime, now: datetime) -> list[Any]:
    """The live opportunities first seen at or after ``since``, as the list's plain rows (every kind and
    devig method, no plan restriction), newest first."""
    everything = replace(plans(settings)["local"], max_results=None)
    rows: list[Any] = []
    offset = 0
    while True:
        page = opportunities.list_page(
            session,
            OpportunityFilter(),
            everything,
            now=now,
            max_age_seconds=settings.SCAN_MAX_QUOTE_AGE_SECONDS,
            sort="first_seen",
            offset=offset,
            limit=PAGE,
        )
        for row in page.rows:
            if row.first_seen < since:
                return rows
            rows.append(row)
        if len(page.rows) < PAGE:
            return rows
        offset += PAGE


def _payload(row: Any) -> dict[str, Any]:
    """The opportunity as ``GET /api/opportunities/{id}`` shows it, as JSON (ages filled in when sent)."""
    item = listing.row_item(row)
    item["quote_age_seconds"] = 0.0
    if not isinstance(item["lifespan_seconds"], float):
        item["lifespan_seconds"] = 0.0
    loaded: dict[str, Any] = orjson.loads(orjson.dumps(item))
    return loaded


@dataclass(frozen=True, slots=True)
class Claimed:
    """A due delivery taken by one run, with what it sends and where (plain data: sent outside any
    transaction). ``url`` None: this process cannot decrypt the webhook URL; it is released unsent."""

    delivery_id: int
    alert_id: int
    url: str | None
    body: dict[str, Any]


def claim(
    session: Session, cipher: WebhookCipher, *, now: datetime, lease_seconds: float, limit: int
) -> list[Claimed]:
    due = repository.claim_due(session, now, now + timedelta(seconds=lease_seconds), limit)
    alerts = repository.alerts_by_id(session, sorted({d.alert_id for d in due}))
    urls: dict[int, str | None] = {}
    for alert in alerts.values():
        try:
            urls[alert.id] = cipher.open(alert.webhook_ciphertext)
        except UnreadableWebhook as exc:
            # Another SECRET_KEY than the one that saved it: no attempt, no failure, no pause; the
            # deliveries stay pending for a process with the right key (or the owner saving the URL again).
            urls[alert.id] = None
            waiting = sum(1 for d in due if d.alert_id == alert.id)
            log.warning("alert_webhook_unreadable", alert_id=alert.id, deliveries=waiting, reason=str(exc))
    out = []
    for d in due:
        alert = alerts[d.alert_id]
        body = delivery.body(alert.channel, alert_ref(alert), d.payload, now)
        out.append(Claimed(d.id, alert.id, urls[alert.id], body))
    return out


@dataclass(frozen=True, slots=True)
class RetryRules:
    max_attempts: int
    backoff_seconds: float
    pause_after: int
    jitter: Callable[[], float] = random.random  # in [0, 1): the wait grows by up to half

    def wait(self, attempts: int) -> float:
        base = self.backoff_seconds * 2 ** (attempts - 1)
        return float(min(base * (1 + 0.5 * self.jitter()), MAX_BACKOFF_SECONDS))


def record(
    session: Session,
    results: Iterable[tuple[Claimed, SendResult | None]],
    rules: RetryRules,
    *,
    now: datetime,
) -> Counter[str]:
    """Write each attempt's outcome (None: not attempted this run, released for the next). A failed
    attempt is retried after exponential backoff with jitter (or the receiver's Retry-After if longer),
    up to ``max_attempts``; ``pause_after`` failures in a row (or a URL the guard now refuses) pause the
    alert. A 429 (the receiver rate limiting us) is retried but is no step towards a pause."""
    results = list(results)
    deliveries_ = repository.deliveries_by_id(session, [c.delivery_id for c, _ in results])
    alerts = repository.alerts_by_id(session, sorted({c.alert_id for c, _ in results}))
    counts: Counter[str] = Counter()
    to_pause: dict[int, tuple[str, str]] = {}
    for claimed, result in results:
        d, alert = deliveries_[claimed.delivery_id], alerts[claimed.alert_id]
        if result is None:
            d.next_attempt_at = now
            counts["deferred"] += 1
            continue
        d.attempts += 1
        d.last_attempt_at = now
        d.response_code = result.status_code
        metrics.ALERT_WEBHOOK_SECONDS.observe(result.seconds)
        if result.ok:
            d.status, d.delivered_at, d.next_attempt_at, d.last_error = "delivered", now, None, None
            alert.consecutive_failures = 0
            counts["delivered"] += 1
            continue
        d.last_error = result.error
        if not result.throttled:  # a receiver rate limiting us is working: no step towards a pause
            alert.consecutive_failures += 1
        if not result.retryable or d.attempts >= rules.max_attempts:
            d.status, d.next_attempt_at = "failed", None
            counts["failed"] += 1
        else:
            wait = max(rules.wait(d.attempts), min(result.retry_after or 0.0, MAX_BACKOFF_SECONDS))
            d.next_attempt_at = now + timedelta(seconds=wait)
            counts["retry"] += 1
        if not result.retryable:
            to_pause[alert.id] = (f"webhook refused: {result.error}", "unsafe")
        elif alert.consecutive_failures >= rules.pause_after:
            to_pause.setdefault(
                alert.id,
                (
                    f"webhook failed {alert.consecutive_failures} times in a row; last: {result.error}",
                    "failures",
                ),
            )
    session.flush()
    for alert_id, (reason, cause) in to_pause.items():
        alert = alerts[alert_id]
        if alert.status == "active":
            _pause(session, alert, reason[:500], now, cause=cause)
    for status in ("delivered", "retry", "failed"):
        if counts[status]:
            metrics.ALERT_DELIVERIES.labels(status=status).inc(counts[status])
    return counts


def prune_deliveries(session: Session, settings: Settings, *, now: datetime, limit: int) -> int:
    """One batch of the delivery log's retention: finished deliveries that matched more than
    ``ALERT_DELIVERY_RETENTION_DAYS`` ago (at most ``limit``). Pending ones stay whatever their age.

    Deleting a row lifts its (alert, opportunity) uniqueness, which is safe: ``detect`` only reads live
    opportunities first seen at or after the alert's watermark. For an alert it matches, the watermark is
    at most the plan's delay plus ``WATERMARK_MARGIN_SECONDS`` (minutes) behind now, while a deleted row
    matched at least a day ago (the setting's floor). An alert it skipped meanwhile (over its plan's cap, a
    filter no longer valid) keeps an older watermark; then the opportunity's end is the guard: one matched
    that long ago (30 days by default) has long ended, and ended ones are never read."""
    before = now - timedelta(days=settings.ALERT_DELIVERY_RETENTION_DAYS)
    return repository.prune_deliveries(session, before, limit)


def gauges(session: Session) -> None:
    """The alerts-by-status gauge, from the database (every process reports the same)."""
    found = repository.count_by_status(session)
    for status in ("active", "paused"):
        metrics.ALERTS.labels(status=status).set(found.get(status, 0))
