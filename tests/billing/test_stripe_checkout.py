"""Checkout and the customer portal through stripe-python against a local fake of Stripe's API, on the real
app and database (SQLite and PostgreSQL); billing off without a key."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe
from structlog.testing import capture_logs

from accounts_env import Env, bearer, verified_user
from fairedge.billing.subscriptions import plan_of_price
from fairedge.config import Settings
from fairedge.errors import ConfigurationError
from fake_stripe import FakeStripe

API_KEY = "sk_test_fairedge_fake_0123456789"
WEBHOOK_SECRET = "whsec_test_fairedge_checkout"
EMAIL = "payer@example.com"
PRO_PRICE = "price_1SfEdgeProMonthly00001"
ELITE_PRICE = "price_1SfEdgeEliteMonthly0001"


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
def paying_env(make_env: Callable[..., Env], fake_stripe: FakeStripe) -> Env:
    return make_env(
        STRIPE_SECRET_KEY=API_KEY,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_PRICES=f"pro:{PRO_PRICE},elite:fairedge_elite_monthly",
        PUBLIC_URL="https://fairedge.example",
    )


def login(env: Env) -> tuple[int, dict[str, str]]:
    with env.session_factory() as session:
        user_id = verified_user(session, EMAIL, env.clock())
        session.commit()
    return user_id, bearer(env.login(EMAIL))


def deliver(env: Env, event: dict[str, Any]) -> None:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        payload, WEBHOOK_SECRET, timestamp=int(env.clock.now.timestamp())
    )
    answer = env.client.post("/api/webhooks/stripe", content=payload, headers={"Stripe-Signature": header})
    assert answer.status_code == 200, answer.text


def completed_checkout(user_id: int, customer: str = "cus_TfE8xQ2mWq9Lz4") -> dict[str, Any]:
    return {
        "id": f"evt_checkout_{user_id}",
        "object": "event",
        "type": "checkout.session.completed",
        "created": 1795996802,
        "data": {
            "object": {
                "id": "cs_test_done",
                "object": "checkout.session",
                "client_reference_id": str(user_id),
                "customer": customer,
                "subscription": "sub_checkout",
                "metadata": {"fairedge_user_id": str(user_id), "tier": "pro"},
            }
        },
    }


def test_checkout_reaches_stripe_with_the_user_and_the_plan(paying_env: Env, fake_stripe: FakeStripe) -> None:
    user_id, headers = login(paying_env)
    answer = paying_env.client.post("/api/billing/checkout", json={"plan": "pro"}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["url"].startswith("https://checkout.stripe.com/c/pay/cs_test_fake")
    call = fake_stripe.calls[-1]
    assert (call.method, call.path) == ("POST", "/v1/checkout/sessions")
    assert call.headers["Authorization"] == f"Bearer {API_KEY}"
    form = call.form
    assert form["mode"] == "subscription"
    assert form["client_reference_id"] == str(user_id)
    assert form["metadata"] == {"fairedge_user_id": str(user_id), "tier": "pro"}
    assert form["subscription_data"]["metadata"] == {"fairedge_user_id": str(user_id), "tier": "pro"}
    assert form["line_items"] == [{"price": PRO_PRICE, "quantity": "1"}]
    assert form["customer_email"] == EMAIL
    assert (
        form["success_url"]
        == "https://fairedge.example/plan?checkout=success&session_id={CHECKOUT_SESSION_ID}"
    )
    assert form["cancel_url"] == "https://fairedge.example/plan?checkout=cancel"


def test_a_lookup_key_is_resolved_to_its_price(paying_env: Env, fake_stripe: FakeStripe) -> None:
    _user_id, headers = login(paying_env)
    answer = paying_env.client.post("/api/billing/checkout", json={"plan": "elite"}, headers=headers)
    assert answer.status_code == 200, answer.text
    lookup, created = fake_stripe.calls[-2:]
    assert (lookup.method, lookup.path, lookup.form["lookup_keys"]) == (
        "GET",
        "/v1/prices",
        ["fairedge_elite_monthly"],
    )
    assert created.form["line_items"] == [{"price": ELITE_PRICE, "quantity": "1"}]
    assert created.form["metadata"]["tier"] == "elite"


def test_a_returning_customer_checks_out_as_that_customer_and_gets_a_portal(
    paying_env: Env, fake_stripe: FakeStripe
) -> None:
    user_id, headers = login(paying_env)
    no_customer = paying_env.client.post("/api/billing/portal", headers=headers)
    assert no_customer.status_code == 404
    assert fake_stripe.calls == []
    deliver(paying_env, completed_checkout(user_id))
    page = paying_env.client.get("/api/billing/subscription", headers=headers).json()
    assert page["billing_enabled"] is True and page["can_manage"] is True
    assert page["plans_for_sale"] == ["pro", "elite"]
    portal = paying_env.client.post("/api/billing/portal", headers=headers)
    assert portal.status_code == 200, portal.text
    assert portal.json()["url"].startswith("https://billing.stripe.com/p/session/")
    assert fake_stripe.calls[-1].form == {
        "customer": "cus_TfE8xQ2mWq9Lz4",
        "return_url": "https://fairedge.example/plan",
    }
    paying_env.client.post("/api/billing/checkout", json={"plan": "pro"}, headers=headers)
    assert fake_stripe.calls[-1].form["customer"] == "cus_TfE8xQ2mWq9Lz4"
    assert "customer_email" not in fake_stripe.calls[-1].form


def test_a_subscriber_is_sent_to_the_portal_not_to_a_second_checkout(
    paying_env: Env, fake_stripe: FakeStripe
) -> None:
    user_id, headers = login(paying_env)
    subscription = {
        "id": "evt_sub_created",
        "type": "customer.subscription.created",
        "created": 1795996801,
        "data": {
            "object": {
                "id": "sub_checkout",
                "object": "subscription",
                "customer": "cus_TfE8xQ2mWq9Lz4",
                "status": "active",
                "cancel_at_period_end": False,
                "metadata": {"fairedge_user_id": str(user_id)},
                "items": {
                    "data": [{"current_period_end": 1798675200, "price": {"id": PRO_PRICE, "metadata": {}}}]
                },
            }
        },
    }
    deliver(paying_env, subscription)  # no metadata.tier on the price: STRIPE_PRICES maps its id to pro
    page = paying_env.client.get("/api/billing/subscription", headers=headers).json()
    assert (page["plan"], page["status"], page["grants_plan"]) == ("pro", "active", True)
    answer = paying_env.client.post("/api/billing/checkout", json={"plan": "elite"}, headers=headers)
    assert answer.status_code == 409
    assert answer.json()["error"]["details"] == {"plan": "pro"}
    assert fake_stripe.calls == []


def test_a_plan_without_a_price_is_refused_before_any_call(
    make_env: Callable[..., Env], fake_stripe: FakeStripe
) -> None:
    env = make_env(
        STRIPE_SECRET_KEY=API_KEY, STRIPE_API_BASE=fake_stripe.url, STRIPE_PRICES=f"pro:{PRO_PRICE}"
    )
    _user_id, headers = login(env)
    answer = env.client.post("/api/billing/checkout", json={"plan": "elite"}, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"] == [{"parameter": "plan", "allowed": ["pro"]}]
    assert env.client.post("/api/billing/checkout", json={"plan": "free"}, headers=headers).status_code == 422
    assert fake_stripe.calls == []


def test_stripe_failing_is_a_503_logged_without_the_key(paying_env: Env, fake_stripe: FakeStripe) -> None:
    _user_id, headers = login(paying_env)
    for _ in range(3):  # the library's two retries too
        fake_stripe.fail_next("/v1/checkout/sessions", 500)
    with capture_logs() as logs:
        answer = paying_env.client.post("/api/billing/checkout", json={"plan": "pro"}, headers=headers)
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "stripe_unavailable"
    assert len(fake_stripe.calls) == 3
    error = next(entry for entry in logs if entry["event"] == "stripe_error")
    assert (error["call"], error["status"]) == ("checkout.sessions.create", 500)
    assert API_KEY not in repr(logs)


def test_billing_off_makes_no_call_and_says_so(make_env: Callable[..., Env], fake_stripe: FakeStripe) -> None:
    env = make_env(STRIPE_API_BASE=fake_stripe.url, STRIPE_PRICES=f"pro:{PRO_PRICE}")
    _user_id, headers = login(env)
    page = env.client.get("/api/billing/subscription", headers=headers)
    assert page.status_code == 200
    assert page.json() == {
        "billing_enabled": False,
        "plan": None,
        "status": None,
        "grants_plan": False,
        "current_period_end": None,
        "cancel_at_period_end": False,
        "grace_ends_at": None,
        "can_manage": False,
        "plans_for_sale": [],
    }
    for path, body in (("/api/billing/checkout", {"plan": "pro"}), ("/api/billing/portal", None)):
        answer = env.client.post(path, json=body, headers=headers)
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "billing_off"
        assert "billing is off" in answer.json()["error"]["message"]
    assert fake_stripe.calls == []


def test_the_plan_page_needs_a_login(paying_env: Env) -> None:
    assert paying_env.client.get("/api/billing/subscription").status_code == 401
    assert paying_env.client.post("/api/billing/checkout", json={"plan": "pro"}).status_code == 401


def test_plan_from_price_metadata_else_the_mapping() -> None:
    settings = Settings(_env_file=None, STRIPE_PRICES="pro:price_A,elite:elite_key")
    assert plan_of_price(settings, {"id": "price_Z", "metadata": {"tier": "elite"}}) == "elite"
    assert plan_of_price(settings, {"id": "price_A", "metadata": {}}) == "pro"
    assert plan_of_price(settings, {"id": "price_B", "lookup_key": "elite_key"}) == "elite"
    assert plan_of_price(settings, {"id": "price_B", "metadata": {"tier": "platinum"}}) is None
    assert plan_of_price(settings, None) is None
    with pytest.raises(ConfigurationError, match="STRIPE_PRICES"):
        plan_of_price(Settings(_env_file=None, STRIPE_PRICES="gold:price_A"), {"id": "price_A"})
