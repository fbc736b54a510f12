"""GET against The Odds API v4: the keys, retries with backoff and jitter, and error classification.

Errors branch on the body's ``error_code``, not on the status (the status is only the fallback for a body
without a code):

- ``MISSING_KEY``, ``INVALID_KEY``, ``DEACTIVATED_KEY`` (or a 401/403 without a code) →
  :class:`OddsApiAuthError`, never retried with that key: the key is refused (by its digest, in the feed
  store) and the next configured key takes over at once; with none left every call is refused without an
  HTTP request until the keys change.
- ``OUT_OF_USAGE_CREDITS`` → the key is refused the same way; with no key left,
  :class:`OddsApiQuotaExhausted` (the provider then pauses polling and probes for the credits' return).
- ``EXCEEDED_FREQ_LIMIT`` (429), 5xx, timeouts, connection errors, invalid JSON → retried up to
  ``max_attempts`` with exponential backoff and full jitter (at least ``Retry-After`` when sent), then
  :class:`OddsApiUnavailable`.
- 422 bad parameters (``INVALID_MARKET``, ``INVALID_SPORT``, …), ``HISTORICAL_UNAVAILABLE_ON_FREE_USAGE_PLAN``
  and any other 4xx → :class:`OddsApiRequestError`, not retried: a bug or a bad configuration fails loudly.
- 404 ``UNKNOWN_SPORT``, ``EVENT_NOT_FOUND`` → :class:`OddsApiNotFound`.

**The keys** come from a key ring (``keys.py``) asked before every request, so a rotation in the secrets
store is used by the next request. A key travels only in the ``apiKey`` query parameter, added by an
``httpx.Auth`` hook at send time: it is never in the URLs built here, in logs (paths are logged without a
query string, keys are named by digest), exception messages (server text is redacted of every key seen;
transport errors are raised ``from None`` so the ``httpx`` request, whose URL holds the key, is not chained)
or reprs. ``httpx`` itself logs full URLs at INFO on the ``httpx`` logger: keep that logger at WARNING
(``observability.logging.configure_logging`` does).

**Quota.** Every answer's ``x-requests-remaining|used|last`` headers become :attr:`OddsApiClient.last_quota`
and the ``fairedge_odds_api_quota_*`` gauges.

Log events: ``odds_api_request`` (debug: sport, status, cost from ``x-requests-last``, remaining),
``odds_api_key_switched`` (warning: the refused key's and the next key's digests) and ``odds_api_error``
(warning when retried or skipped, error when raised: provider, status, error_code, attempt, sport, action).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import structlog

from fairedge.observability import metrics
from fairedge.odds.providers.the_odds_api.errors import (
    OddsApiAuthError,
    OddsApiError,
    OddsApiNotFound,
    OddsApiQuotaExhausted,
    OddsApiRequestError,
    OddsApiUnavailable,
)
from fairedge.odds.providers.the_odds_api.feed import FeedStore, MemoryFeedStore, Quota, key_ref
from fairedge.odds.providers.the_odds_api.keys import KeyRing, KeySource
from fairedge.odds.providers.the_odds_api.options import OddsApiOptions

__all__ = ["PROVIDER", "KeySource", "OddsApiClient"]

PROVIDER = "the_odds_api"
MASK = "***"

AUTH_CODES = frozenset({"MISSING_KEY", "INVALID_KEY", "DEACTIVATED_KEY"})
QUOTA_CODES = frozenset({"OUT_OF_USAGE_CREDITS"})
RATE_LIMIT_CODES = frozenset({"EXCEEDED_FREQ_LIMIT"})
NOT_FOUND_CODES = frozenset({"UNKNOWN_SPORT", "EVENT_NOT_FOUND"})

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


class _KeyRefused(Exception):
    """Internal: the provider refused this key (auth or credits); the next key may take over."""

    def __init__(self, key: str, error: OddsApiError) -> None:
        super().__init__(error.message)
        self.key = key
        self.error = error


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
    """One key ring, one ``httpx.Client``: GET with retries; a refused key hands over to the next one."""

    def __init__(
        self,
        api_key: str | Sequence[str] | KeySource,
        options: OddsApiOptions,
        *,
        store: FeedStore | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if isinstance(api_key, str) and not api_key.strip():
            raise ValueError("The Odds API needs an API key (ODDS_API_KEY)")
        self.store: FeedStore = store if store is not None else MemoryFeedStore()
        self.keys = KeyRing(api_key, self.store)
        if not callable(api_key):
            self.keys.keys()  # a fixed key is known, so redacted, before it is ever sent
        self.options = options
        self.base_url = options.base_url.rstrip("/")
        self._timeout = httpx.Timeout(options.timeout_seconds, connect=min(options.timeout_seconds, 5.0))
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=self._timeout)
        self._sleep = sleep
        self.clock = clock or _utc_now
        self._rng = rng or random.Random()
        self.last_quota = Quota()  # the last quota headers any answer carried
        self.last_headers = Quota()  # the quota headers of the last answer (None where it had none)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={MASK})"

    def close(self) -> None:
        """Close the HTTP client when this client created it."""
        if self._owns_http:
            self._http.close()

    @property
    def quota_remaining(self) -> int | None:
        """Credits left according to the last response, None before any response said."""
        return self.last_quota.remaining

    def refused_error(self, *, sport: str | None = None) -> OddsApiError:
        """The error for a refresh that has no usable key: credits used up, or every key refused."""
        refusals = self.keys.refusals()
        if not refusals:
            return OddsApiAuthError(
                "The Odds API MISSING_KEY: no key configured "
                "(ODDS_API_KEY, or fairedge keys rotate-odds-api)",
                error_code="MISSING_KEY",
                sport=sport,
            )
        reasons = {refusal.reason for _, refusal in refusals}
        if reasons & QUOTA_CODES:
            return OddsApiQuotaExhausted(
                f"The Odds API OUT_OF_USAGE_CREDITS: the credits of every key ({len(refusals)}) are used up",
                error_code="OUT_OF_USAGE_CREDITS",
                status=401,
                sport=sport,
            )
        code = refusals[0][1].reason
        return OddsApiAuthError(
            f"The Odds API {code}: every key was refused "
            "(refusing further calls with this key until the key changes)",
            error_code=code,
            status=401,
            sport=sport,
        )

    def redact(self, text: str) -> str:
        for key in self.keys.seen:
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

    def get(self, path: str, params: Mapping[str, str], *, sport: str | None, key: str | None = None) -> Any:
        """GET ``path`` with retries; returns the decoded JSON or raises an :class:`OddsApiError`.

        A key refused on the way (auth or credits) is marked and the call goes again at once with the next
        key, when there is one. With ``key``, that key only, and a refusal marks nothing (the probe).
        """
        max_attempts = self.options.max_attempts
        attempt = 1
        while True:
            try:
                return self._attempt(path, params, sport=sport, attempt=attempt, key=key)
            except _KeyRefused as refused:
                if self.keys.current() is None:
                    raise refused.error from None
                log.warning(
                    "odds_api_key_switched",
                    provider=PROVIDER,
                    refused=key_ref(refused.key),
                    error_code=refused.error.error_code,
                    now_using=key_ref(self.keys.current() or ""),
                    sport=sport,
                )
                continue
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
                attempt += 1

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter: uniform in (0, min(cap, base·2^(attempt−1))]; at least the server's Retry-After."""
        cap = self.options.max_backoff_seconds
        ceiling = min(cap, self.options.backoff_seconds * 2.0 ** (attempt - 1))
        delay = ceiling * (1.0 - self._rng.random())  # (0, ceiling]: never a busy retry
        if retry_after is not None:
            delay = max(delay, min(retry_after, cap))
        return delay

    def _key(self, *, sport: str | None, attempt: int) -> str:
        key = self.keys.current()
        if key is None:
            error = self.refused_error(sport=sport)
            self.log_error("error", error, attempt=attempt, action="raise")
            raise error
        return key

    def _attempt(
        self, path: str, params: Mapping[str, str], *, sport: str | None, attempt: int, key: str | None
    ) -> Any:
        probing = key is not None
        if key is None:
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
        quota = self._record_quota(response.headers)
        log.debug(
            "odds_api_request",
            provider=PROVIDER,
            sport=sport,
            path=path,
            status=status,
            cost=quota.last,
            remaining=quota.remaining,
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
            status,
            code,
            self.redact(server_message),
            response,
            key=key,
            sport=sport,
            attempt=attempt,
            probing=probing,
        )

    @property
    def last_call_cost(self) -> int | None:
        """``x-requests-last`` of the last answer: what that call cost (None when it did not say)."""
        return self.last_headers.last

    def _record_quota(self, headers: httpx.Headers) -> Quota:
        """The quota headers of this answer; the last known values stay when an answer carries none."""
        remaining = _header_int(headers, "x-requests-remaining")
        used = _header_int(headers, "x-requests-used")
        last = _header_int(headers, "x-requests-last")
        quota = Quota(remaining, used, last, self.clock())
        self.last_headers = quota
        if remaining is None and used is None and last is None:
            return quota
        self.last_quota = quota
        for gauge, value in (
            (metrics.ODDS_API_QUOTA_REMAINING, remaining),
            (metrics.ODDS_API_QUOTA_USED, used),
            (metrics.ODDS_API_QUOTA_LAST, last),
        ):
            if value is not None:
                gauge.labels(provider=PROVIDER).set(value)
        return quota

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
        probing: bool,
    ) -> Exception:
        """The exception for an error response (refusing the key on the way for auth and credits)."""
        where = f" for sport {sport}" if sport else ""
        label = code or f"HTTP {status}"
        text = f"The Odds API {label}{where}: {message}"
        if code in AUTH_CODES or (code is None and status in (401, 403)):
            auth = self._terminal(
                OddsApiAuthError, text, status=status, error_code=code, sport=sport, attempt=attempt
            )
            return auth if probing else self._refuse(key, code or "INVALID_KEY", auth)
        if code in QUOTA_CODES:
            exhausted = OddsApiQuotaExhausted(text, error_code=code, status=status, sport=sport)
            self.log_error("error", exhausted, attempt=attempt, action="key_out_of_credits")
            return exhausted if probing else self._refuse(key, code or "OUT_OF_USAGE_CREDITS", exhausted)
        if code in RATE_LIMIT_CODES or (code is None and status == 429):
            return _Retryable(message, status=status, error_code=code, delay=_retry_after(response.headers))
        if code in NOT_FOUND_CODES or (code is None and status == 404):
            return OddsApiNotFound(text, status=status, error_code=code, sport=sport)
        if status >= 500:
            return _Retryable(message, status=status, error_code=code, delay=None)
        return self._terminal(
            OddsApiRequestError, text, status=status, error_code=code, sport=sport, attempt=attempt
        )

    def _refuse(self, key: str, reason: str, error: OddsApiError) -> _KeyRefused:
        self.keys.refuse(key, reason, self.clock())
        return _KeyRefused(key, error)

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
