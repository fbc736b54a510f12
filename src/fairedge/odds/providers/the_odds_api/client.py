"""GET against The Odds API v4: the key, retries with backoff and jitter, and error classification.

Errors branch on the body's ``error_code``, not on the status (the status is only the fallback for a body
without a code):

- ``MISSING_KEY``, ``INVALID_KEY``, ``DEACTIVATED_KEY`` (or a 401/403 without a code) →
  :class:`OddsApiAuthError`, never retried; the client then refuses every call without an HTTP request for
  as long as the key source gives that same key.
- ``OUT_OF_USAGE_CREDITS`` → :class:`OddsApiQuotaExhausted`, not retried; calls are refused for
  ``quota_backoff_seconds`` (``retry_at`` on the exception).
- ``EXCEEDED_FREQ_LIMIT`` (429), 5xx, timeouts, connection errors, invalid JSON → retried up to
  ``max_attempts`` with exponential backoff and full jitter (at least ``Retry-After`` when sent), then
  :class:`OddsApiUnavailable`.
- 422 bad parameters (``INVALID_MARKET``, ``INVALID_SPORT``, …), ``HISTORICAL_UNAVAILABLE_ON_FREE_USAGE_PLAN``
  and any other 4xx → :class:`OddsApiRequestError`, not retried: a bug or a bad configuration fails loudly.
- 404 ``UNKNOWN_SPORT``, ``EVENT_NOT_FOUND`` → :class:`OddsApiNotFound`.

**The key** comes from a key source (a callable) asked before every request, so a rotating source can be
swapped in; a plain string is a source that always gives it. It travels only in the ``apiKey`` query
parameter, added by an ``httpx.Auth`` hook at send time: it is never in the URLs built here, in logs (paths
are logged without a query string), exception messages (server text is redacted of every key used;
transport errors are raised ``from None`` so the ``httpx`` request, whose URL holds the key, is not chained)
or reprs. ``httpx`` itself logs full URLs at INFO on the ``httpx`` logger: keep that logger at WARNING
(``observability.logging.configure_logging`` does).

Log events: ``odds_api_request`` (debug: sport, status, cost from ``x-requests-last``, remaining) and
``odds_api_error`` (warning when retried or skipped, error when raised: provider, status, error_code,
attempt, sport, action).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import structlog

from fairedge.odds.providers.the_odds_api.errors import (
    OddsApiAuthError,
    OddsApiError,
    OddsApiNotFound,
    OddsApiQuotaExhausted,
    OddsApiRequestError,
    OddsApiUnavailable,
)
from fairedge.odds.providers.the_odds_api.options import OddsApiOptions

__all__ = ["PROVIDER", "KeySource", "OddsApiClient"]

PROVIDER = "the_odds_api"
MASK = "***"

AUTH_CODES = frozenset({"MISSING_KEY", "INVALID_KEY", "DEACTIVATED_KEY"})
QUOTA_CODES = frozenset({"OUT_OF_USAGE_CREDITS"})
RATE_LIMIT_CODES = frozenset({"EXCEEDED_FREQ_LIMIT"})
NOT_FOUND_CODES = frozenset({"UNKNOWN_SPORT", "EVENT_NOT_FOUND"})

KeySource = Callable[[], str]
"""Gives the API key to use for the next request."""

log = structlog.get_logger(__name__)

_E = TypeVar("_E", bound=OddsApiError)


class _Retryable(Exception):
    """Internal: one attempt failed in a way worth retrying."""

    def __init__(
        self, reason: str, *, status: int | None, error_code: str | None, delay: float | None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.error_code = error_code
        self.delay = delay  # the server's Retry-After, when it sent one


class _ApiKeyQuery(httpx.Auth):
    """Adds ``apiKey`` to the query at send time, so no URL built in this module carries the key."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params({"apiKey": self._api_key})
        yield request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(apiKey={MASK})"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _header_int(headers: httpx.Headers, name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw))
    except ValueError:
        return None


def _retry_after(headers: httpx.Headers) -> float | None:
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def _error_body(response: httpx.Response) -> tuple[str | None, str]:
    """``(error_code, message)`` from an error body; the code is None when the body has none."""
    try:
        body = response.json()
    except ValueError:
        return None, response.reason_phrase or f"HTTP {response.status_code}"
    if not isinstance(body, Mapping):
        return None, f"HTTP {response.status_code}"
    code = body.get("error_code")
    message = body.get("message")
    return (
        code if isinstance(code, str) and code else None,
        message if isinstance(message, str) and message else f"HTTP {response.status_code}",
    )


class OddsApiClient:
    """One key source, one ``httpx.Client``: GET with retries, blocks after auth and quota errors."""

    def __init__(
        self,
        api_key: str | KeySource,
        options: OddsApiOptions,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._used_keys: set[str] = set()  # every key sent, so none leaks through a server message
        if isinstance(api_key, str):
            if not api_key.strip():
                raise ValueError("The Odds API needs an API key (ODDS_API_KEY)")
            fixed = api_key
            self._key_source: KeySource = lambda: fixed
            self._used_keys.add(fixed)
        else:
            self._key_source = api_key
        self.options = options
        self.base_url = options.base_url.rstrip("/")
        self._timeout = httpx.Timeout(options.timeout_seconds, connect=min(options.timeout_seconds, 5.0))
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=self._timeout)
        self._sleep = sleep
        self.clock = clock or _utc_now
        self._rng = rng or random.Random()
        self._quota_remaining: int | None = None
        self._auth_error: OddsApiAuthError | None = None
        self._auth_failed_key: str | None = None
        self._quota_blocked_until: datetime | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={MASK})"

    def close(self) -> None:
        """Close the HTTP client when this client created it."""
        if self._owns_http:
            self._http.close()

    @property
    def quota_remaining(self) -> int | None:
        """Credits left according to the last response, None before any response said."""
        return self._quota_remaining

    def refuse_if_blocked(self, now: datetime) -> None:
        """Raise at once, without a request, while the key is refused or the credits are used up."""
        if self._auth_error is not None:
            if self._key_source() == self._auth_failed_key:
                exc = self._auth_error
                raise OddsApiAuthError(
                    f"{exc.message} (refusing further calls with this key until the key changes)",
                    error_code=exc.error_code,
                    status=exc.status,
                    sport=exc.sport,
                )
            self._auth_error = self._auth_failed_key = None  # a new key: try it
        if self._quota_blocked_until is not None:
            if now < self._quota_blocked_until:
                raise OddsApiQuotaExhausted(
                    "The Odds API OUT_OF_USAGE_CREDITS: usage credits used up, no calls until "
                    f"{self._quota_blocked_until.isoformat()}",
                    retry_at=self._quota_blocked_until,
                    error_code="OUT_OF_USAGE_CREDITS",
                )
            self._quota_blocked_until = None

    def redact(self, text: str) -> str:
        for key in self._used_keys:
            text = text.replace(key, MASK)
        return text

    def log_error(self, level: str, exc: OddsApiError, *, attempt: int, action: str) -> None:
        getattr(log, level)(
            "odds_api_error",
            provider=PROVIDER,
            status=exc.status,
            error_code=exc.error_code,
            attempt=attempt,
            sport=exc.sport,
            error=type(exc).__name__,
            message=self.redact(exc.message),
            action=action,
        )

    def get(self, path: str, params: Mapping[str, str], *, sport: str | None) -> Any:
        """GET ``path`` with retries; returns the decoded JSON or raises an :class:`OddsApiError`."""
        max_attempts = self.options.max_attempts
        for attempt in range(1, max_attempts + 1):
            try:
                return self._attempt(path, params, sport=sport, attempt=attempt)
            except _Retryable as retry:
                final = attempt >= max_attempts
                emit = log.error if final else log.warning
                emit(
                    "odds_api_error",
                    provider=PROVIDER,
                    status=retry.status,
                    error_code=retry.error_code,
                    attempt=attempt,
                    max_attempts=max_attempts,
                    sport=sport,
                    path=path,
                    reason=retry.reason,
                    action="give_up" if final else "retry",
                )
                if final:
                    where = f" for sport {sport}" if sport else ""
                    raise OddsApiUnavailable(
                        f"The Odds API {retry.error_code or retry.status or 'unavailable'}{where} ({path}): "
                        f"{retry.reason} after {attempt} attempt(s)",
                        error_code=retry.error_code,
                        status=retry.status,
                        sport=sport,
                    ) from None
                self._sleep(self._backoff(attempt, retry.delay))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter: uniform in (0, min(cap, base·2^(attempt−1))]; at least the server's Retry-After."""
        cap = self.options.max_backoff_seconds
        ceiling = min(cap, self.options.backoff_seconds * 2.0 ** (attempt - 1))
        delay = ceiling * (1.0 - self._rng.random())  # (0, ceiling]: never a busy retry
        if retry_after is not None:
            delay = max(delay, min(retry_after, cap))
        return delay

    def _key(self, *, sport: str | None, attempt: int) -> str:
        key = self._key_source()
        if not key or not key.strip():
            raise self._terminal(
                OddsApiAuthError,
                "The Odds API MISSING_KEY: the key source gave no key",
                status=None,
                error_code="MISSING_KEY",
                sport=sport,
                attempt=attempt,
            )
        self._used_keys.add(key)
        return key

    def _attempt(self, path: str, params: Mapping[str, str], *, sport: str | None, attempt: int) -> Any:
        key = self._key(sport=sport, attempt=attempt)
        started = time.perf_counter()
        try:
            response = self._http.get(
                self.base_url + path, params=dict(params), auth=_ApiKeyQuery(key), timeout=self._timeout
            )
        except httpx.UnsupportedProtocol as exc:
            raise self._terminal(
                OddsApiRequestError,
                f"The Odds API base URL {self.base_url!r} is not usable: {self.redact(str(exc))}",
                status=None,
                error_code=None,
                sport=sport,
                attempt=attempt,
            ) from None
        except httpx.TimeoutException as exc:
            raise _Retryable(
                f"timeout ({type(exc).__name__})", status=None, error_code=None, delay=None
            ) from None
        except httpx.RequestError as exc:
            raise _Retryable(
                f"{type(exc).__name__}: {self.redact(str(exc))}", status=None, error_code=None, delay=None
            ) from None

        status = response.status_code
        remaining = _header_int(response.headers, "x-requests-remaining")
        if remaining is not None:
            self._quota_remaining = remaining
        log.debug(
            "odds_api_request",
            provider=PROVIDER,
            sport=sport,
            path=path,
            status=status,
            cost=_header_int(response.headers, "x-requests-last"),
            remaining=remaining,
            attempt=attempt,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )

        if status < 300:
            try:
                return response.json()
            except ValueError:
                raise _Retryable("invalid JSON", status=status, error_code=None, delay=None) from None
        code, server_message = _error_body(response)
        raise self._classify(
            status, code, self.redact(server_message), response, key=key, sport=sport, attempt=attempt
        )

    def _classify(
        self,
        status: int,
        code: str | None,
        message: str,
        response: httpx.Response,
        *,
        key: str,
        sport: str | None,
        attempt: int,
    ) -> Exception:
        """The exception for an error response (recording auth and quota blocks on the way)."""
        where = f" for sport {sport}" if sport else ""
        label = code or f"HTTP {status}"
        text = f"The Odds API {label}{where}: {message}"
        if code in AUTH_CODES or (code is None and status in (401, 403)):
            error = self._terminal(
                OddsApiAuthError, text, status=status, error_code=code, sport=sport, attempt=attempt
            )
            self._auth_error, self._auth_failed_key = error, key
            return error
        if code in QUOTA_CODES:
            retry_at = self.clock() + timedelta(seconds=self.options.quota_backoff_seconds)
            self._quota_blocked_until = retry_at
            exc = OddsApiQuotaExhausted(
                f"{text} (no calls until {retry_at.isoformat()})",
                retry_at=retry_at,
                error_code=code,
                status=status,
                sport=sport,
            )
            self.log_error("error", exc, attempt=attempt, action="stop_until_reset")
            return exc
        if code in RATE_LIMIT_CODES or (code is None and status == 429):
            return _Retryable(message, status=status, error_code=code, delay=_retry_after(response.headers))
        if code in NOT_FOUND_CODES or (code is None and status == 404):
            return OddsApiNotFound(text, status=status, error_code=code, sport=sport)
        if status >= 500:
            return _Retryable(message, status=status, error_code=code, delay=None)
        return self._terminal(
            OddsApiRequestError, text, status=status, error_code=code, sport=sport, attempt=attempt
        )

    def _terminal(
        self,
        kind: type[_E],
        message: str,
        *,
        status: int | None,
        error_code: str | None,
        sport: str | None,
        attempt: int,
    ) -> _E:
        exc = kind(message, error_code=error_code, status=status, sport=sport)
        self.log_error("error", exc, attempt=attempt, action="raise")
        return exc
