"""Stripe's webhook on the real app and database (SQLite and PostgreSQL): events built from the reference
samples (../shared/reference/stripe), signed with a test secret as Stripe signs them."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stripe
from sqlalchemy import func, select
from structlog.testing import capture_logs

from accounts_env import Env, bearer, verified_user
from fairedge.billing import subscriptions
from fairedge.billing.models import StripeCustomer, Subscription, WebhookEvent
from fairedge.billing.subscriptions import SubscriptionGauges, SubscriptionView
from fairedge.billing.webhooks import WEBHOOK_SECRET
from fairedge.observability import metrics
from fairedge.users import service as users

SAMPLES = Path(__file__).parent / "stripe_events"  # the reference samples (../shared/reference/stripe)
SECRET = "whsec_test_fairedge_0123456789abcdef"
NEW_SECRET = "whsec_test_fairedge_rotated_fedcba98"
SUB = "sub_1SfEdgeA2mWq9Lz4Q7rT0pNv"
CUSTOMER = "cus_TfE8xQ2mWq9Lz4"
EMAIL = "bettor@example.com"


def sample(name: str, user_id: int | None) -> dict[str, Any]:
    """A reference event with the sample's user id replaced by a real one (or removed: None)."""
    event: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    text = json.dumps(event).replace("7f3c2a9e-5b1d-4c8e-9a2f-1e6d4b8c0a11", str(user_id) if user_id else "")
    return dict(json.loads(text))


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class Stripe:
    """Stripe's side: signs and delivers events to the app, as its webhook delivery does."""

    def __init__(self, env: Env, secret: str = SECRET) -> None:
        self.env = env
        self.secret = secret

    def signature(self, payload: str, *, secret: str | None = None, age: float = 0.0) -> str:
        timestamp = int(self.env.clock.now.timestamp() - age)
        return str(
            stripe.WebhookSignature.generate_signature_header(
                payload, secret or self.secret, timestamp=timestamp
            )
        )

    def deliver(self, event: dict[str, Any], **signing: Any) -> Any:
        payload = json.dumps(event, indent=2)  # Stripe's own bodies are pretty-printed; the bytes are signed
        return self.env.client.post(
            "/api/webhooks/stripe",
            content=payload.encode(),
            headers={
                "Stripe-Signature": self.signature(payload, **signing),
                "Content-Type": "application/json",
            },
        )

    def send(self, name: str, user_id: int | None, **changes: Any) -> str:
        event = sample(name, user_id)
        event.update(changes)
        answer = self.deliver(event)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["outcome"])


@pytest.fixture
def billing_env(make_env: Callable[..., Env]) -> Env:
    # PLAN_CACHE_SECONDS=0: each request reads the plan a subscription grants as the last webhook left it
    return make_env(STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_GRACE_DAYS=7, PLAN_CACHE_SECONDS=0)


@pytest.fixture
def user_id(billing_env: Env) -> int:
    with billing_env.session_factory() as session:
        found = verified_user(session, EMAIL, billing_env.clock())
        session.commit()
    return found


def subscription(env: Env) -> Subscription:
    with env.session_factory() as session:
        row = session.scalars(select(Subscription).where(Subscription.subscription_id == SUB)).one()
        session.expunge(row)
        return row


def plan_page(env: Env) -> dict[str, Any]:
    tokens = env.login(EMAIL)
    answer = env.client.get("/api/billing/subscription", headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def view_at(env: Env, user_id: int, now: datetime) -> SubscriptionView:
    """The plan page's answer at a moment far from the clock's (a login there would have a token PyJWT calls
    immature): the same function the endpoint calls."""
    with env.session_factory() as session:
        return subscriptions.view(session, env.runtime.settings, user_id, now)


def counts(env: Env) -> tuple[int, int]:
    with env.session_factory() as session:
        events = session.scalar(select(func.count()).select_from(WebhookEvent))
        subs = session.scalar(select(func.count()).select_from(Subscription))
    return int(events or 0), int(subs or 0)


def test_upgrade_checkout_links_the_customer_and_the_subscription_grants_its_plan(
    billing_env: Env, user_id: int
) -> None:
    stripe_side = Stripe(billing_env)
    assert stripe_side.send("checkout.session.completed", user_id) == "applied"
    assert stripe_side.send("customer.subscription.created", user_id) == "applied"
    with billing_env.session_factory() as session:
        assert session.get(StripeCustomer, user_id).customer_id == CUSTOMER  # type: ignore[union-attr]
    row = subscription(billing_env)
    assert (row.user_id, row.status, row.plan, row.cancel_at_period_end) == (user_id, "active", "pro", False)
    assert row.current_period_end == at(1798675200)
    page = plan_page(billing_env)
    assert page["plan"] == "pro" and page["status"] == "active" and page["grants_plan"] is True
    assert page["current_period_end"].startswith("2026-12-31")
    assert page["billing_enabled"] is False  # no STRIPE_SECRET_KEY: checkout is off, webhooks still apply
    # then the portal moves them to elite (price metadata.tier = elite)
    assert stripe_side.send("customer.subscription.updated", user_id) == "applied"
    assert subscription(billing_env).plan == "elite"


def test_a_subscription_before_its_checkout_is_linked_when_the_checkout_arrives(
    billing_env: Env, user_id: int
) -> None:
    stripe_side = Stripe(billing_env)
    assert stripe_side.send("customer.subscription.created", None) == "unlinked"  # no user id in metadata
    assert subscription(billing_env).user_id is None
    assert stripe_side.send("checkout.session.completed", user_id) == "applied"
    assert subscription(billing_env).user_id == user_id


def test_renewal_paid_moves_the_period_end_and_ends_the_dunning(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    stripe_side.send("customer.subscription.created", user_id)
    assert stripe_side.send("invoice.payment_failed", user_id) == "applied"
    assert subscription(billing_env).status == "past_due"
    renewal = sample("invoice.paid", user_id)
    renewal["id"] = "evt_1SfEdge0009RenewalPaid"
    renewal["created"] = 1798700000  # after the failure: the retry succeeded
    invoice = renewal["data"]["object"]
    invoice.update(id="in_1SfEdgeInv0002A2mWq9Lz4", billing_reason="subscription_cycle")
    invoice["lines"]["data"][0]["period"] = {"start": 1798675200, "end": 1801353600}
    assert stripe_side.deliver(renewal).json()["outcome"] == "applied"
    row = subscription(billing_env)
    assert (row.status, row.payment_failed_at, row.current_period_end) == ("active", None, at(1801353600))


def test_failed_payment_keeps_the_plan_for_the_grace_period_then_lapses(
    billing_env: Env, user_id: int
) -> None:
    stripe_side = Stripe(billing_env)
    stripe_side.send("customer.subscription.created", user_id)
    stripe_side.send("invoice.payment_failed", user_id)
    assert stripe_side.send("customer.subscription.updated.past_due", user_id) == "applied"
    row = subscription(billing_env)
    assert row.status == "past_due"
    assert row.payment_failed_at == at(1798678900)  # the first failure starts the grace, not the later update
    in_grace = view_at(billing_env, user_id, at(1798678900) + timedelta(days=6))
    assert (in_grace.status, in_grace.grants_plan) == ("past_due", True)
    assert in_grace.grace_ends_at == at(1798678900) + timedelta(days=7)
    billing_env.clock.now = at(1798678900) + timedelta(days=6)
    gauges = SubscriptionGauges(billing_env.session_factory, billing_env.runtime.settings, billing_env.clock)
    assert gauges.counts()[("pro", "past_due")] == 1
    billing_env.clock.now = at(1798678900) + timedelta(days=7, seconds=1)  # no event: time alone ends it
    lapsed = view_at(billing_env, user_id, billing_env.clock.now)
    assert (lapsed.status, lapsed.grants_plan) == ("past_due", False)
    assert gauges.counts()[("pro", "past_due")] == 0
    assert gauges.counts()[("pro", "lapsed")] == 1


def test_cancellation_at_period_end_then_deletion_downgrades_but_keeps_a_manual_grant(
    billing_env: Env, user_id: int
) -> None:
    stripe_side = Stripe(billing_env)
    stripe_side.send("checkout.session.completed", user_id)
    stripe_side.send("customer.subscription.created", user_id)
    billing_env.grant(EMAIL, "pro")  # an operator's grant, apart from billing
    cancelling = sample("customer.subscription.updated", user_id)
    cancelling["id"] = "evt_1SfEdge0010CancelAtEnd"
    cancelling["data"]["object"]["cancel_at_period_end"] = True
    assert stripe_side.deliver(cancelling).json()["outcome"] == "applied"
    page = plan_page(billing_env)
    assert page["cancel_at_period_end"] is True and page["grants_plan"] is True
    assert stripe_side.send("customer.subscription.deleted", user_id) == "applied"
    page = plan_page(billing_env)
    assert (page["status"], page["grants_plan"]) == ("canceled", False)
    with billing_env.session_factory() as session:
        grant = users.active_grant(session, user_id, billing_env.clock())
        assert grant is not None and grant.plan == "pro"  # billing never cancels a grant
    me = billing_env.client.get("/api/me", headers=bearer(billing_env.login(EMAIL))).json()
    assert me["plan"]["name"] == "pro"


def test_a_replayed_event_changes_nothing(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    stripe_side.send("customer.subscription.created", user_id)
    stripe_side.send("customer.subscription.updated", user_id)  # elite
    before = subscription(billing_env)
    assert stripe_side.send("customer.subscription.updated", user_id) == "duplicate"
    created_again = sample("customer.subscription.created", user_id)
    created_again["created"] = 1799999999  # a duplicate id is a duplicate, whatever else it says
    assert stripe_side.deliver(created_again).json()["outcome"] == "duplicate"
    after = subscription(billing_env)
    assert (after.plan, after.updated_at, after.last_event_at) == (
        "elite",
        before.updated_at,
        before.last_event_at,
    )
    assert counts(billing_env) == (2, 1)


def test_events_out_of_order_do_not_roll_the_subscription_back(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    assert stripe_side.send("customer.subscription.deleted", user_id) == "applied"
    assert stripe_side.send("customer.subscription.updated", user_id) == "stale"  # elite, older
    assert stripe_side.send("customer.subscription.created", user_id) == "stale"  # active, oldest
    assert stripe_side.send("invoice.paid", user_id) == "stale"
    row = subscription(billing_env)
    assert (row.status, row.plan, row.last_event_at) == ("canceled", "pro", at(1799452800))
    with billing_env.session_factory() as session:
        rows = session.execute(select(WebhookEvent.event_id, WebhookEvent.outcome))
        outcomes = {row.event_id: row.outcome for row in rows}
    assert outcomes["evt_1SfEdge0003SubUpdated"] == "stale"


def test_a_bad_signature_is_refused_without_touching_data(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    event = sample("customer.subscription.created", user_id)
    payload = json.dumps(event)
    tampered = payload.replace('"status": "active"', '"status": "trialing"')
    answer = billing_env.client.post(
        "/api/webhooks/stripe",
        content=tampered.encode(),
        headers={"Stripe-Signature": stripe_side.signature(payload)},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_signature"
    wrong_key = stripe_side.deliver(event, secret="whsec_someone_else")
    assert wrong_key.status_code == 400
    unsigned = billing_env.client.post("/api/webhooks/stripe", content=payload.encode())
    assert unsigned.status_code == 400 and "missing" in unsigned.json()["error"]["message"]
    assert counts(billing_env) == (0, 0)


def test_a_stale_signature_is_refused_without_touching_data(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    event = sample("customer.subscription.created", user_id)
    old = stripe_side.deliver(event, age=301)
    assert old.status_code == 400
    assert "old" in old.json()["error"]["message"]
    assert counts(billing_env) == (0, 0)
    assert stripe_side.deliver(event, age=299).status_code == 200  # within the tolerance


def test_both_secrets_work_during_a_rotation_and_the_old_one_stops_when_retired(
    billing_env: Env, user_id: int
) -> None:
    stripe_side = Stripe(billing_env)
    assert stripe_side.send("customer.subscription.created", user_id) == "applied"  # seeds the store
    billing_env.runtime.secrets.rotate(WEBHOOK_SECRET, NEW_SECRET, grace=timedelta(hours=24))
    assert stripe_side.deliver(sample("invoice.paid", user_id)).status_code == 200  # old secret
    updated = stripe_side.deliver(sample("customer.subscription.updated", user_id), secret=NEW_SECRET)
    assert updated.status_code == 200
    billing_env.clock.advance(24 * 3600 + 1)  # the old secret retires
    failed = sample("invoice.payment_failed", user_id)
    assert stripe_side.deliver(failed).status_code == 400
    assert stripe_side.deliver(failed, secret=NEW_SECRET).json()["outcome"] == "applied"


def test_unhandled_types_and_unknown_users_are_acknowledged_and_recorded(
    billing_env: Env, user_id: int
) -> None:
    stripe_side = Stripe(billing_env)
    assert stripe_side.send("customer.subscription.trial_will_end", user_id) == "ignored"
    stranger = sample("checkout.session.completed", None)
    stranger["data"]["object"]["client_reference_id"] = "7f3c2a9e-5b1d-4c8e-9a2f-1e6d4b8c0a11"  # not ours
    assert stripe_side.deliver(stranger).json()["outcome"] == "unlinked"
    assert stripe_side.send("invoice.paid", user_id) == "unknown"  # its subscription never arrived
    assert counts(billing_env) == (3, 0)


def test_a_signed_body_that_is_not_an_event_is_a_400(billing_env: Env) -> None:
    stripe_side = Stripe(billing_env)
    for payload in ("not json", "[1, 2]", '{"id": "evt_1", "type": "invoice.paid"}'):
        answer = billing_env.client.post(
            "/api/webhooks/stripe",
            content=payload.encode(),
            headers={"Stripe-Signature": stripe_side.signature(payload)},
        )
        assert answer.status_code == 400, payload
        assert answer.json()["error"]["code"] == "malformed_event"


def test_no_webhook_secret_means_billing_is_off(make_env: Callable[..., Env]) -> None:
    env = make_env()
    answer = Stripe(env).deliver(sample("invoice.paid", None))
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "billing_off"


def test_events_are_logged_and_counted_without_secrets(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    applied = metrics.STRIPE_WEBHOOK_EVENTS.labels(type="customer.subscription.created", outcome="applied")
    before = applied._value.get()
    with capture_logs() as logs:
        stripe_side.send("customer.subscription.created", user_id)
    assert applied._value.get() == before + 1
    entry = next(e for e in logs if e["event"] == "stripe_event")
    assert entry["outcome"] == "applied" and entry["subscription"] == SUB
    assert SECRET not in repr(logs)


def test_the_gauge_counts_plans_and_statuses_from_the_database(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    stripe_side.send("customer.subscription.created", user_id)
    other = copy.deepcopy(sample("customer.subscription.deleted", None))
    other["id"] = "evt_other_deleted"
    other["data"]["object"].update(id="sub_other", customer="cus_other")
    stripe_side.deliver(other)
    gauges = SubscriptionGauges(billing_env.session_factory, billing_env.runtime.settings, billing_env.clock)
    gauges.read()
    value = metrics.SUBSCRIPTIONS.labels(plan="pro", status="active")._value.get()
    assert value == 1
    assert metrics.SUBSCRIPTIONS.labels(plan="pro", status="canceled")._value.get() == 1
    assert metrics.SUBSCRIPTIONS.labels(plan="elite", status="active")._value.get() == 0


def test_the_admin_list_shows_the_plan_a_subscription_grants(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    admin = bearer(billing_env.admin())

    def listed_plan() -> str:
        page = billing_env.client.get("/api/admin/users", params={"email": EMAIL}, headers=admin).json()
        return str(page["items"][0]["plan"])

    assert listed_plan() == "free"
    stripe_side.send("customer.subscription.created", user_id)
    assert listed_plan() == "pro"
    stripe_side.send("customer.subscription.deleted", user_id)
    assert listed_plan() == "free"


@pytest.mark.parametrize(
    ("header", "body"),
    [("v1=abc", b"{}"), ("t=abc,v1=abc", b"{}"), ("t=1768500000", b"{}"), (None, b"\xff\xfe not utf-8")],
)
def test_malformed_signature_headers_and_bodies_are_a_400(
    billing_env: Env, header: str | None, body: bytes
) -> None:
    if header is None:  # a correct signature over bytes that are not text
        timestamp = int(billing_env.clock.now.timestamp())
        digest = stripe.WebhookSignature._compute_signature(f"{timestamp}.", SECRET)
        header = f"t={timestamp},v1={digest}"
    answer = billing_env.client.post(
        "/api/webhooks/stripe", content=body, headers={"Stripe-Signature": header}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_signature"
    assert counts(billing_env) == (0, 0)


def test_a_price_nobody_maps_grants_nothing_and_is_logged(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    event = sample("customer.subscription.created", user_id)
    price = event["data"]["object"]["items"]["data"][0]["price"]
    price.update(id="price_unknown", lookup_key=None, metadata={})
    with capture_logs() as logs:
        assert stripe_side.deliver(event).json()["outcome"] == "applied"
    assert any(entry["event"] == "stripe_price_unplaced" for entry in logs)
    row = subscription(billing_env)
    assert (row.status, row.plan) == ("active", None)
    assert view_at(billing_env, user_id, billing_env.clock.now).grants_plan is False


def test_one_off_invoices_and_strangers_change_nothing(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    one_off = sample("invoice.paid", user_id)
    one_off["data"]["object"]["parent"] = None
    assert stripe_side.deliver(one_off).json()["outcome"] == "ignored"
    stranger = sample("customer.subscription.created", 999_999)  # a user id this deployment does not have
    assert stripe_side.deliver(stranger).json()["outcome"] == "unlinked"
    assert subscription(billing_env).user_id is None


def test_a_later_checkout_with_a_new_customer_relinks_the_user(billing_env: Env, user_id: int) -> None:
    stripe_side = Stripe(billing_env)
    stripe_side.send("checkout.session.completed", user_id)
    again = sample("checkout.session.completed", user_id)
    again["id"] = "evt_second_checkout"
    again["data"]["object"]["customer"] = "cus_second"
    assert stripe_side.deliver(again).json()["outcome"] == "applied"
    with billing_env.session_factory() as session:
        assert session.get(StripeCustomer, user_id).customer_id == "cus_second"  # type: ignore[union-attr]


def test_the_apps_health_probe_keeps_the_gauge_from_the_database(make_env: Callable[..., Env]) -> None:
    gauge = metrics.SUBSCRIPTIONS.labels(plan="elite", status="trialing")
    gauge.set(99)  # a stale value: the probe of a starting app replaces it with the database's count
    env = make_env(HEALTH_PROBE_SECONDS=0.05)
    deadline = time.monotonic() + 10
    while gauge._value.get() == 99 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gauge._value.get() == 0
    assert 'fairedge_subscriptions{plan="elite",status="trialing"} 0.0' in env.client.get("/metrics").text


def test_a_subscription_gives_its_plan_to_the_data_api_and_its_deletion_takes_it_back(
    make_env: Callable[..., Env],
) -> None:
    env = make_env(STRIPE_WEBHOOK_SECRET=SECRET, PLAN_CACHE_SECONDS=0)
    with env.session_factory() as session:
        user_id = verified_user(session, EMAIL, env.clock())
        session.commit()
    tokens = env.login(EMAIL)

    def plan() -> str:
        answer = env.client.get("/api/me", headers=bearer(tokens))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["plan"]["name"])

    assert plan() == "free"
    stripe_side = Stripe(env)
    stripe_side.send("customer.subscription.created", user_id)
    assert plan() == "pro"
    stripe_side.send("customer.subscription.deleted", user_id)
    assert plan() == "free"


def test_the_subscribed_plan_is_remembered_per_process_for_plan_cache_seconds(
    make_env: Callable[..., Env], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(STRIPE_WEBHOOK_SECRET=SECRET, PLAN_CACHE_SECONDS=30)
    with env.session_factory() as session:
        user_id = verified_user(session, EMAIL, env.clock())
        session.commit()
    tokens = env.login(EMAIL)
    remembered = env.client.app.state.subscribed  # type: ignore[attr-defined]
    lookups: list[int] = []
    real_lookup = remembered._lookup

    def counted(uid: int) -> str | None:
        lookups.append(uid)
        return real_lookup(uid)  # type: ignore[no-any-return]

    monkeypatch.setattr(remembered, "_lookup", counted)
    for _ in range(3):
        assert env.client.get("/api/me", headers=bearer(tokens)).json()["plan"]["name"] == "free"
    assert lookups == [user_id]  # one query for three requests
    Stripe(env).send("customer.subscription.created", user_id)
    me = env.client.get("/api/me", headers=bearer(tokens)).json()
    assert me["plan"]["name"] == "free"  # within the bound
    monkeypatch.setattr("fairedge.billing.subscribed.time.monotonic", lambda: 10.0**12)  # past the bound
    assert env.client.get("/api/me", headers=bearer(tokens)).json()["plan"]["name"] == "pro"
