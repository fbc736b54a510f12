"""The FairEdge error hierarchy: a message and the HTTP status it maps to; no web framework here."""

from __future__ import annotations

from typing import Any


class FairEdgeError(Exception):
    """Base of every error FairEdge reports to a user; rendered as ``{"error": {code, message, details}}``.

    ``details`` of an input error is a list with one dict per refused parameter: its name under
    ``parameter`` and what would be accepted (``allowed``, …); other errors may give an object of facts.
    """

    status_code: int = 400
    code: str = "bad_request"
    keeps_writes: bool = False  # the request's writes are committed although it answers this error

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers  # sent with the error: Retry-After, WWW-Authenticate, RateLimit-*


class InvalidInput(FairEdgeError):
    status_code = 422
    code = "invalid_input"


class Unauthorized(FairEdgeError):
    """No credentials, or credentials that are not (or no longer) valid."""

    status_code = 401
    code = "unauthorized"


class Forbidden(FairEdgeError):
    """Valid credentials that do not allow this: a role, another user's data, a disabled account."""

    status_code = 403
    code = "forbidden"


class PlanLimitReached(Forbidden):
    """The caller's plan does not include this (API keys on the free plan, too many keys)."""

    code = "plan_limit"


class Conflict(FairEdgeError):
    status_code = 409
    code = "conflict"


class RateLimited(FairEdgeError):
    status_code = 429
    code = "rate_limited"


class NotFound(FairEdgeError):
    status_code = 404
    code = "not_found"


class UpstreamUnavailable(FairEdgeError):
    status_code = 503
    code = "upstream_unavailable"


class ConfigurationError(FairEdgeError):
    status_code = 500
    code = "configuration_error"
