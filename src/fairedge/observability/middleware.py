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

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairedge.kit.clientip import TrustedProxies, client_ip
from fairedge.observability import metrics

log = structlog.get_logger("fairedge.request")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, trusted_proxies: TrustedProxies = TrustedProxies()) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else f"req_{uuid.uuid4().hex}"
        )
        ip = self._client_ip(scope)
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

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            handler = _route_template(scope)
            method = scope.get("method", "GET")
            metrics.HTTP_REQUESTS.labels(method=method, handler=handler, status=str(status)).inc()
            metrics.HTTP_DURATION.labels(method=method, handler=handler).observe(elapsed)
            if handler not in ("/metrics", "/health"):
                log.info(
                    "request",
                    endpoint=scope.get("path", ""),
                    handler=handler,
                    method=method,
                    status_code=status,
                    duration_ms=round(elapsed * 1000, 2),
                    user_id=scope.get("state", {}).get("user_id"),
                    client_ip=ip,
                )

    def _client_ip(self, scope: Scope) -> str:
        peer = scope.get("client")
        # Several X-Forwarded-For lines are one list (RFC 9110 field combination), in order.
        forwarded = ",".join(
            value.decode("latin-1")
            for name, value in scope.get("headers") or []
            if name == b"x-forwarded-for"
        )
        return client_ip(peer[0] if peer else None, forwarded, self.trusted_proxies)


def _route_template(scope: Scope) -> str:
    # The route's path template keeps the label set small (no ids); unmatched paths share one label.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
