"""Paying and managing a plan: a Stripe Checkout Session for a plan, the customer portal for the rest.

No call is made when billing is off (no STRIPE_SECRET_KEY): the answer says so (409 ``billing_off``), and
``GET /api/billing/subscription`` tells the plan page beforehand (``billing_enabled: false``). A user whose
subscription grants a plan already changes or cancels it in the customer portal, not with a second checkout.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from fairedge.billing import repository
from fairedge.billing.stripe_client import CheckoutRequest, StripeGateway
from fairedge.billing.subscriptions import price_refs, subscribed_plan
from fairedge.config import Settings
from fairedge.errors import Conflict, FairEdgeError, InvalidInput, NotFound
from fairedge.users.models import User


class BillingOff(FairEdgeError):
    """Billing is not configured on this deployment: a state of the server, not a failure (409, no retry helps
    until an operator sets the Stripe settings)."""

    status_code = 409
    code = "billing_off"


def _gateway(gateway: StripeGateway | None) -> StripeGateway:
    if gateway is None:
        raise BillingOff(
            "billing is off on this deployment (no STRIPE_SECRET_KEY): plans are granted by hand"
        )
    return gateway


def _page(settings: Settings, query: str = "") -> str:
    return f"{settings.PUBLIC_URL.rstrip('/')}/plan{query}"


def checkout_url(
    session: Session,
    settings: Settings,
    gateway: StripeGateway | None,
    user: User,
    plan: str,
    now: datetime,
) -> str:
    """The URL of a new Checkout Session that subscribes ``user`` to ``plan``."""
    stripe = _gateway(gateway)
    prices = price_refs(settings)
    if plan not in prices:
        raise InvalidInput(
            f"plan {plan!r} is not for sale here", details=[{"parameter": "plan", "allowed": sorted(prices)}]
        )
    current = subscribed_plan(session, settings, user.id, now)
    if current is not None:
        raise Conflict(
            f"your subscription already grants the {current} plan: change or cancel it in the customer "
            "portal (POST /api/billing/portal)",
            details={"plan": current},
        )
    request = CheckoutRequest(
        price=stripe.price_id(prices[plan]),
        plan=plan,
        user_id=user.id,
        email=user.email,
        customer=repository.customer_of(session, user.id),
        success_url=settings.STRIPE_SUCCESS_URL
        or _page(settings, "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
        cancel_url=settings.STRIPE_CANCEL_URL or _page(settings, "?checkout=cancel"),
    )
    return stripe.checkout_url(request)


def portal_url(session: Session, settings: Settings, gateway: StripeGateway | None, user: User) -> str:
    """The URL of a customer-portal session for the user's Stripe customer."""
    stripe = _gateway(gateway)
    customer = repository.customer_of(session, user.id)
    if customer is None:
        raise NotFound("no subscription to manage yet: subscribe first (POST /api/billing/checkout)")
    return stripe.portal_url(customer, settings.STRIPE_PORTAL_RETURN_URL or _page(settings))
