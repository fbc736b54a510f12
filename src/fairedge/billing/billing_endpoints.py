"""HTTP for Stripe billing: the plan page's subscription, checkout and portal redirects, Stripe's webhook."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from fairedge.api_schemas import ACCESS, BAD_BODY, NOT_FOUND, UNAVAILABLE, ErrorBody, Responses, invalid
from fairedge.billing import checkout, subscriptions, webhooks
from fairedge.billing.access import AccessDep
from fairedge.billing.stripe_client import StripeGateway
from fairedge.billing.subscription_schemas import CheckoutIn, RedirectOut, SubscriptionOut, WebhookOut
from fairedge.deps import NowDep, SessionDep, SettingsDep
from fairedge.secretstore.store import SecretStore
from fairedge.users.deps import CurrentUser

router = APIRouter(tags=["billing"], responses=UNAVAILABLE)

STRIPE_DOWN: Responses = {
    503: {
        "model": ErrorBody,
        "description": "Stripe did not answer (stripe_unavailable), or the database is unavailable.",
    }
}
BILLING_OFF: Responses = {
    409: {
        "model": ErrorBody,
        "description": "Billing is off here: no Stripe key, or no webhook secret (billing_off); or, for a "
        "checkout, a subscription already grants a plan (conflict).",
    }
}
BAD_EVENT: Responses = {
    400: {
        "model": ErrorBody,
        "description": "A missing, bad or stale Stripe-Signature (bad_signature), or a body that is not a "
        "Stripe event (malformed_event); nothing was read or written.",
    }
}


async def get_stripe(request: Request, settings: SettingsDep) -> StripeGateway | None:
    """The app's Stripe gateway, built on first use; None when billing is off."""
    gateway: StripeGateway | None = getattr(request.app.state, "stripe_gateway", None)
    if gateway is None:
        gateway = StripeGateway.from_settings(settings)
        request.app.state.stripe_gateway = gateway
    return gateway


async def get_secret_store(request: Request) -> SecretStore:
    store: SecretStore = request.app.state.runtime.secrets
    return store


async def raw_body(request: Request) -> bytes:
    """The body as sent: the signature covers these bytes, not a re-serialised parse."""
    return await request.body()


StripeDep = Annotated[StripeGateway | None, Depends(get_stripe)]


@router.get("/api/billing/subscription", response_model=SubscriptionOut, responses=ACCESS)
def get_subscription(
    user: CurrentUser, _access: AccessDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> SubscriptionOut:
    """Your subscription for the plan page: plan, status, period end, renewal, grace; is billing on."""
    return SubscriptionOut.build(subscriptions.view(session, settings, user.id, now))


@router.post(
    "/api/billing/checkout",
    response_model=RedirectOut,
    responses=ACCESS | BAD_BODY | BILLING_OFF | STRIPE_DOWN | invalid("a plan without a price here"),
)
def create_checkout_session(
    body: CheckoutIn,
    user: CurrentUser,
    _access: AccessDep,
    session: SessionDep,
    settings: SettingsDep,
    stripe: StripeDep,
    now: NowDep,
) -> RedirectOut:
    """A Stripe Checkout Session for a plan: send the browser to its URL. 409 when a subscription already
    grants a plan (use the portal)."""
    return RedirectOut(url=checkout.checkout_url(session, settings, stripe, user, body.plan, now))


@router.post(
    "/api/billing/portal",
    response_model=RedirectOut,
    responses=ACCESS | BILLING_OFF | NOT_FOUND | STRIPE_DOWN,
)
def create_portal_session(
    user: CurrentUser, _access: AccessDep, session: SessionDep, settings: SettingsDep, stripe: StripeDep
) -> RedirectOut:
    """A Stripe customer-portal session (change plan, payment method, cancel): send the browser to its URL."""
    return RedirectOut(url=checkout.portal_url(session, settings, stripe, user))


@router.post("/api/webhooks/stripe", response_model=WebhookOut, responses=BAD_EVENT | BILLING_OFF | invalid())
def receive_stripe_event(
    payload: Annotated[bytes, Depends(raw_body)],
    session: SessionDep,
    settings: SettingsDep,
    store: Annotated[SecretStore, Depends(get_secret_store)],
    now: NowDep,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookOut:
    """Stripe's events, signed with a webhook secret: each applied once, never rolling a subscription back."""
    secrets = webhooks.webhook_secrets(store, settings)
    if not secrets:
        raise checkout.BillingOff("no Stripe webhook secret is configured (STRIPE_WEBHOOK_SECRET)")
    webhooks.verify(payload, stripe_signature, secrets, now)
    return WebhookOut(outcome=webhooks.handle(session, settings, webhooks.parse(payload), now))
