"""The Odds API failures: one base class, one subclass per way the caller must react.

Every message names the error code and the sport, never the key.
"""

from __future__ import annotations

__all__ = [
    "OddsApiAuthError",
    "OddsApiError",
    "OddsApiNotFound",
    "OddsApiQuotaExhausted",
    "OddsApiRequestError",
    "OddsApiUnavailable",
]


class OddsApiError(Exception):
    """Base of every The Odds API failure."""

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None = None,
        status: int | None = None,
        sport: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.status = status
        self.sport = sport


class OddsApiAuthError(OddsApiError):
    """The key is missing, invalid or deactivated: terminal, no further calls with that key."""


class OddsApiQuotaExhausted(OddsApiError):
    """The monthly credits of every key are used up: polling pauses until they are back."""


class OddsApiUnavailable(OddsApiError):
    """Provider trouble (5xx, timeouts, connection errors, rate limit, bad JSON) that outlasted retries."""


class OddsApiRequestError(OddsApiError):
    """Bad parameters or a call the plan does not allow: a bug or bad configuration, never retried."""


class OddsApiNotFound(OddsApiError):
    """Unknown sport or finished event (404): the provider skips that sport."""
