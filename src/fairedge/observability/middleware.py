"""Request middleware: request id, client IP, one structured log line and the HTTP metrics per request.

The client IP is decided here and nowhere else (uvicorn runs with ``proxy_headers=False``): from
``X-Forwarded-For`` only when the peer is a trusted proxy (``FORWARDED_ALLOW_IPS``, see kit/clientip.py).
It is stored in ``scope["state"]["client_ip"]`` (``request.state.client_ip``) and bound to every log event
of the request.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses and background tasks are not wrapped twice.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairedge.kit.clientip import TrustedProxies, client_ip
from fairedge.observability import metrics
from fairedge.observability.logging import log_request

MAX_PEERS = 4096  # peer addresses whose canonical form is remembered (cleared when full)
MAX_LABEL_SETS = 1024  # (method, handler, status) metric children remembered
EVENT_STREAM = b"text/event-stream"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, trusted_proxies: TrustedProxies = TrustedProxies()) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies
        self._peers: dict[str | None, str] = {}
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = b""
        forwarded: list[bytes] = []
        for name, value in scope.get("headers") or ():  # one pass over the headers (lower-case names)
            if name == b"x-request-id":
                incoming = value
            elif name == b"x-forwarded-for":
                forwarded.append(value)
        given = incoming.decode("latin-1")
        request_id = given if 0 < len(given) <= 64 and given.isprintable() else f"req_{uuid.uuid4().hex}"
        ip = self._client_ip(scope, forwarded)
        scope.setdefault("state", {})["client_ip"] = ip
        # Each request runs in its own task (its own copy of the context): clearing first drops anything
        # inherited, and nothing is cleared after, so the 500 handler, which Starlette runs outside every
        # middleware once this one has returned, still logs `unhandled_error` with the request id and IP.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, endpoint=scope.get("path", ""), client_ip=ip
        )
        started = time.perf_counter()
        status = 500
        request_id_header = (b"x-request-id", request_id.encode())

        answered: float | None = None  # an event stream's latency is its time to the headers

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                if any(name == b"content-type" and value.startswith(EVENT_STREAM) for name, value in headers):
                    answered = time.perf_counter()
                message["headers"] = [*headers, request_id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            handler = _route_template(scope)
            method = scope.get("method", "GET")
            requests, duration = self._metrics(method, handler, status)
            requests.inc()
            # A stream lasts as long as its client stays: its whole life in the histogram would fire the
            # latency alert for every open browser tab.
            duration.observe(elapsed if answered is None else answered - started)
            if handler not in ("/metrics", "/health"):
                log_request(
                    endpoint=scope.get("path", ""),
                    handler=handler,
                    method=method,
                    status_code=status,
                    duration_ms=round(elapsed * 1000, 2),
                    user_id=scope.get("state", {}).get("user_id"),
                    client_ip=ip,
                )

    def _metrics(self, method: str, handler: str, status: int) -> tuple[Any, Any]:
        """The request counter's and duration histogram's children for these labels, looked up once."""
        key = (method, handler, status)
        found = self._children.get(key)
        if found is None:
            found = (
                metrics.HTTP_REQUESTS.labels(method=method, handler=handler, status=str(status)),
                metrics.HTTP_DURATION.labels(method=method, handler=handler),
            )
            if len(self._children) < MAX_LABEL_SETS:  # route templates and statuses: a small fixed set
                self._children[key] = found
        return found

    def _client_ip(self, scope: Scope, forwarded: list[bytes]) -> str:
        peer = scope.get("client")
        host = peer[0] if peer else None
        if not forwarded:  # the peer itself: its canonical spelling, worked out once per address
            found = self._peers.get(host)
            if found is None:
                found = client_ip(host, None, self.trusted_proxies)
                if len(self._peers) >= MAX_PEERS:
                    self._peers.clear()
                self._peers[host] = found
            return found
        # Several X-Forwarded-For lines are one list (RFC 9110 field combination), in order.
        return client_ip(host, ",".join(v.decode("latin-1") for v in forwarded), self.trusted_proxies)


def _route_template(scope: Scope) -> str:
    # The route's path template keeps the label set small (no ids); unmatched paths share one label.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
