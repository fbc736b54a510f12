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

    def __init__(self, message: str, *, details: list[dict[str, Any]] | dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(FairEdgeError):
    status_code = 422
    code = "invalid_input"


class NotFound(FairEdgeError):
    status_code = 404
    code = "not_found"


class UpstreamUnavailable(FairEdgeError):
    status_code = 503
    code = "upstream_unavailable"


class ConfigurationError(FairEdgeError):
    status_code = 500
    code = "configuration_error"
