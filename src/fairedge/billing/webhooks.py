"""Stripe's webhook: the signature checked against every valid secret, then each event applied once, in order.

Signature (``Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]``): HMAC-SHA256 over ``"{t}.{raw body}"`` compared by
stripe-python against every webhook secret valid in the secrets store (during a rotation the old and the new
one), and ``t`` no older than 300 s by FairEdge's clock. A bad, missing or stale signature is a 400 before any
row is read or written.

Events: ``checkout.session.completed`` links the Stripe customer to the FairEdge user it carries
(``client_reference_id``, ``metadata.fairedge_user_id``); ``customer.subscription.created|updated|deleted``
store the subscription's own state (status, plan from the price, period end, cancel at period end);
``invoice.paid`` ends a dunning and moves the period end; ``invoice.payment_failed`` starts the grace period.
Each event id is stored once: a replay answers 200 and changes nothing. Per subscription, the ``created`` of
the last applied event is kept and an older event is ignored, so a late delivery never rolls it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
import stripe
import structlog
from sqlalchemy.orm import Session

from fairedge.billing import repository
from fairedge.billing.subscriptions import plan_of_price
from fairedge.config import Settings
from fairedge.errors import FairEdgeError, NotFound
from fairedge.observability import metrics
from fairedge.secretstore.store import SecretStore
from fairedge.users import service as users

log = structlog.get_logger(__name__)

WEBHOOK_SECRET = "stripe_webhook_secret"  # the secrets store's name for the webhook signing secrets
TOLERANCE_SECONDS = 300
HANDLED = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    }
)
DUNNING_ENDS = frozenset({"past_due", "unpaid", "incomplete"})  # an invoice paid makes these active


class BadSignature(FairEdgeError):
    status_code = 400
    code = "bad_signature"


class MalformedEvent(FairEdgeError):
    status_code = 400
    code = "malformed_event"


def webhook_secrets(store: SecretStore, settings: Settings) -> list[str]:
    """The secrets valid now, newest first; STRIPE_WEBHOOK_SECRET seeds the store when it holds none."""
    if settings.STRIPE_WEBHOOK_SECRET is not None:
        store.seed(WEBHOOK_SECRET, settings.STRIPE_WEBHOOK_SECRET.get_secret_value())
    return [version.value for version in store.valid(WEBHOOK_SECRET)]


def _timestamp(header: str) -> int:
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    raise BadSignature("Stripe-Signature has no timestamp (t=)")


def _signed_by(payload: bytes, header: str, secret: str) -> bool:
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError:
        return False
    return True


def verify(payload: bytes, header: str | None, secrets: list[str], now: datetime) -> None:
    """Raise BadSignature unless one of ``secrets`` signed ``payload`` within the last 300 s."""
    if not header:
        raise BadSignature("the Stripe-Signature header is missing")
    timestamp = _timestamp(header)
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSignature("the body is not UTF-8 text") from None
    if not any(_signed_by(payload, header, secret) for secret in secrets):
        raise BadSignature("no valid webhook secret signed this payload")
    age = now.timestamp() - timestamp
    if age > TOLERANCE_SECONDS:
        raise BadSignature(
            f"the signature is {age:.0f} s old (at most {TOLERANCE_SECONDS} s)",
            details={"age_seconds": age},
        )


def parse(payload: bytes) -> dict[str, Any]:
    """The event as plain data, with the fields every handler relies on checked."""
    try:
        event = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise MalformedEvent("the body is not JSON") from None
    if not isinstance(event, dict):
        raise MalformedEvent("the body is not a Stripe event")
    ok = (
        isinstance(event.get("id"), str)
        and 0 < len(event["id"]) <= 255
        and isinstance(event.get("type"), str)
        and isinstance(event.get("created"), int)
        and 0 <= event["created"] < 2**40
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    )
    if not ok:
        raise MalformedEvent("the event lacks id, type, created or data.object")
    return event


def _at(epoch: Any) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if isinstance(epoch, int) and 0 <= epoch < 2**40 else None


def _id(value: Any) -> str | None:
    """An id, whether Stripe sent it bare or expanded into its object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def _invoice_subscription(invoice: Mapping[str, Any]) -> str | None:
    """``parent.subscription_details.subscription`` (API 2025-03-31 on), else the older ``subscription``."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription")) or _id(invoice.get("subscription"))


def _subscription_of(event: Mapping[str, Any]) -> str | None:
    obj = event["data"]["object"]
    kind = event["type"]
    if kind.startswith("customer.subscription."):
        return _id(obj.get("id"))
    if kind.startswith("invoice."):
        return _invoice_subscription(obj)
    if kind == "checkout.session.completed":
        return _id(obj.get("subscription"))
    return None


def _user(session: Session, value: Any) -> int | None:
    """A FairEdge user id carried by Stripe, if it names a user of this deployment."""
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not text.isdigit() or len(text) > 18:
        return None
    try:
        return users.get_user(session, int(text)).id
    except NotFound:
        return None


def handle(session: Session, settings: Settings, event: Mapping[str, Any], now: datetime) -> str:
    """Apply one verified event (the caller's transaction) and say what it did."""
    kind: str = event["type"]
    created = _at(event["created"])
    assert created is not None  # parse() checked it
    subscription_id = _subscription_of(event)
    fresh = repository.record_event(
        session,
        event_id=event["id"],
        type_=kind[:64],
        created_at=created,
        received_at=now,
        subscription_id=subscription_id,
    )
    if not fresh:
        outcome = "duplicate"
    else:
        obj = event["data"]["object"]
        if kind == "checkout.session.completed":
            outcome = _checkout_completed(session, obj, now)
        elif kind.startswith("customer.subscription.") and kind in HANDLED:
            outcome = _subscription_changed(session, settings, obj, created, now)
        elif kind in ("invoice.paid", "invoice.payment_failed"):
            outcome = _invoice(session, obj, created, now, paid=kind == "invoice.paid")
        else:
            outcome = "ignored"
        repository.set_event_outcome(session, event["id"], outcome)
    metrics.STRIPE_WEBHOOK_EVENTS.labels(type=kind if kind in HANDLED else "other", outcome=outcome).inc()
    log.info(
        "stripe_event",
        event_id=event["id"],
        type=kind,
        outcome=outcome,
        subscription=subscription_id,
    )
    return outcome


def _checkout_completed(session: Session, checkout: Mapping[str, Any], now: datetime) -> str:
    metadata = checkout.get("metadata") or {}
    user_id = _user(session, checkout.get("client_reference_id")) or _user(
        session, metadata.get("fairedge_user_id")
    )
    customer = _id(checkout.get("customer"))
    if user_id is None or customer is None:
        return "unlinked"
    repository.link_customer(session, user_id, customer, now)
    repository.link_subscriptions(session, customer, user_id, now)
    return "applied"


def _subscription_changed(
    session: Session,
    settings: Settings,
    obj: Mapping[str, Any],
    created: datetime,
    now: datetime,
) -> str:
    subscription_id, customer = _id(obj.get("id")), _id(obj.get("customer"))
    status = obj.get("status")
    if subscription_id is None or customer is None or not isinstance(status, str):
        return "ignored"
    row = repository.subscription_for_update(session, subscription_id)
    if row is not None and created < row.last_event_at:
        return "stale"
    items = (obj.get("items") or {}).get("data") or [{}]
    item = items[0] if isinstance(items[0], Mapping) else {}
    price = item.get("price") if isinstance(item.get("price"), Mapping) else None
    state: dict[str, Any] = {
        "customer_id": customer,
        "status": status[:24],
        "plan": plan_of_price(settings, price),
        "price_id": _id(price),
        "current_period_end": _at(item.get("current_period_end")) or _at(obj.get("current_period_end")),
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end")),
        "last_event_at": created,
        "updated_at": now,
    }
    if row is None:
        row = repository.create_subscription(
            session,
            {
                **state,
                "subscription_id": subscription_id,
                "payment_failed_at": None,
                "created_at": now,
            },
        )
        if row.last_event_at > created:  # a concurrent event created it, with a later state
            return "stale"
    for name, value in state.items():
        setattr(row, name, value)
    if row.user_id is None:
        linked = _user(session, (obj.get("metadata") or {}).get("fairedge_user_id"))
        row.user_id = linked or repository.customer_user(session, customer)
    if status == "past_due":
        row.payment_failed_at = row.payment_failed_at or created
    elif status in ("active", "trialing"):
        row.payment_failed_at = None
    if state["plan"] is None:
        log.warning(
            "stripe_price_unplaced",
            subscription=subscription_id,
            price=state["price_id"],
        )
    session.flush()
    return "applied" if row.user_id is not None else "unlinked"


def _invoice(
    session: Session,
    invoice: Mapping[str, Any],
    created: datetime,
    now: datetime,
    *,
    paid: bool,
) -> str:
    subscription_id = _invoice_subscription(invoice)
    if subscription_id is None:
        return "ignored"  # a one-off invoice
    row = repository.subscription_for_update(session, subscription_id)
    if row is None:
        return "unknown"  # its subscription events carry the state and start any grace period themselves
    if created < row.last_event_at:
        return "stale"
    if paid:
        row.payment_failed_at = None
        if row.status in DUNNING_ENDS:
            row.status = "active"
        period_end = _paid_until(invoice, subscription_id)
        if period_end is not None and (row.current_period_end is None or period_end > row.current_period_end):
            row.current_period_end = period_end
    else:
        row.payment_failed_at = row.payment_failed_at or created
        if row.status in ("active", "trialing"):
            row.status = "past_due"
    row.last_event_at = created
    row.updated_at = now
    session.flush()
    return "applied"


def _paid_until(invoice: Mapping[str, Any], subscription_id: str) -> datetime | None:
    """The latest period end among the invoice's lines of this subscription."""
    ends: list[datetime] = []
    for line in (invoice.get("lines") or {}).get("data") or []:
        if not isinstance(line, Mapping):
            continue
        details = (line.get("parent") or {}).get("subscription_item_details") or {}
        if _id(details.get("subscription")) not in (subscription_id, None):
            continue
        end = _at((line.get("period") or {}).get("end"))
        if end is not None:
            ends.append(end)
    return max(ends, default=None)
