"""Request middleware: request id, one structured log line and the HTTP metrics per request.

Pure ASGI (not BaseHTTPMiddleware) so streaming responses and background tasks are not wrapped twice.
"""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairedge.observability import metrics

log = structlog.get_logger("fairedge.request")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else f"req_{uuid.uuid4().hex}"
        )
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
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
                )
            structlog.contextvars.clear_contextvars()


def _route_template(scope: Scope) -> str:
    # The route's path template keeps the label set small (no ids); unmatched paths share one label.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
