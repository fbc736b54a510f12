"""Stripe's API through the official library: Checkout Sessions, customer-portal sessions, prices by key.

Built only when ``STRIPE_SECRET_KEY`` is set (no key, no gateway, no call: billing is off);
``STRIPE_API_BASE`` points it elsewhere (tests run a local fake). Calls have ``STRIPE_TIMEOUT_SECONDS`` and
the library's retries (two, with its idempotency keys); a failure is logged (``stripe_error``: the call, the
error's type, HTTP status and code, never the key) and answered as 503 ``stripe_unavailable``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import stripe
import structlog
from stripe.params.checkout import SessionCreateParams

from fairedge.config import Settings
from fairedge.errors import ConfigurationError, UpstreamUnavailable
from fairedge.observability import metrics

log = structlog.get_logger(__name__)

T = TypeVar("T")


class StripeUnavailable(UpstreamUnavailable):
    code = "stripe_unavailable"


@dataclass(frozen=True)
class CheckoutRequest:
    price: str  # a price id
    plan: str
    user_id: int
    email: str
    customer: str | None  # the user's Stripe customer, when they paid before
    success_url: str
    cancel_url: str


class StripeGateway:
    def __init__(self, api_key: str, *, api_base: str, timeout_seconds: float) -> None:
        self._http = stripe.HTTPXClient(timeout=timeout_seconds, allow_sync_methods=True)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=self._http,
            max_network_retries=2,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeGateway | None:
        """None when billing is off (no STRIPE_SECRET_KEY)."""
        if settings.STRIPE_SECRET_KEY is None:
            return None
        return cls(
            settings.STRIPE_SECRET_KEY.get_secret_value(),
            api_base=settings.STRIPE_API_BASE,
            timeout_seconds=settings.STRIPE_TIMEOUT_SECONDS,
        )

    def _call(self, name: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except stripe.StripeError as exc:
            error = type(exc).__name__
            metrics.STRIPE_API_ERRORS.labels(call=name, error=error).inc()
            log.warning("stripe_error", call=name, error_type=error, status=exc.http_status, code=exc.code)
            raise StripeUnavailable(
                "Stripe did not complete the request; try again shortly",
                details={"call": name, "stripe_status": exc.http_status},
            ) from None

    def price_id(self, ref: str) -> str:
        """A price id as configured, or the active price with that lookup key."""
        if ref.startswith("price_"):
            return ref
        found = self._call(
            "prices.list",
            lambda: self._client.v1.prices.list(params={"lookup_keys": [ref], "active": True, "limit": 1}),
        )
        if not found.data:
            raise ConfigurationError(f"STRIPE_PRICES: Stripe has no active price with lookup key {ref!r}")
        return str(found.data[0].id)

    def checkout_url(self, request: CheckoutRequest) -> str:
        """A hosted Checkout Session for one subscription; the user id travels as client_reference_id and in
        the session's and the subscription's metadata, with the plan as metadata.tier."""
        metadata = {"fairedge_user_id": str(request.user_id), "tier": request.plan}
        params: SessionCreateParams = {
            "mode": "subscription",
            "line_items": [{"price": request.price, "quantity": 1}],
            "client_reference_id": str(request.user_id),
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.customer:
            params["customer"] = request.customer
        else:
            params["customer_email"] = request.email
        created = self._call(
            "checkout.sessions.create", lambda: self._client.v1.checkout.sessions.create(params)
        )
        if not created.url:
            raise StripeUnavailable("Stripe returned a Checkout Session without a URL")
        return str(created.url)

    def portal_url(self, customer: str, return_url: str) -> str:
        created = self._call(
            "billing_portal.sessions.create",
            lambda: self._client.v1.billing_portal.sessions.create(
                params={"customer": customer, "return_url": return_url}
            ),
        )
        return str(created.url)

    def close(self) -> None:
        self._http.close()  # type: ignore[no-untyped-call]
