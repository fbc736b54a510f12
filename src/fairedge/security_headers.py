"""Security headers on every response: CSP by kind of page, framing, sniffing, referrer, HSTS (production).

Pure ASGI, so errors, 404s and streamed responses get them too, and a header an endpoint set itself is kept.

Three Content-Security-Policies, by path:
- the API (``/api``, ``/health``, ``/metrics``, ``/openapi.json``) only ever returns data: nothing may load
  or frame it;
- FastAPI's ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from cdn.jsdelivr.net (the exact files
  fastapi.openapi.docs names), ReDoc its fonts from Google and its search worker from a ``blob:``, and both
  need inline styles. Swagger UI starts from an inline script: rather than allow every inline script, the
  policy names the page's own inline scripts by SHA-256, computed from the body as it goes out;
- everything else is the web app, served from this origin only.

Referrer-Policy is ``strict-origin-when-cross-origin`` rather than ``no-referrer``: other sites see the origin
only (never a path, which may hold a reset token), HTTPS pages send nothing to HTTP, and same-origin requests
keep their Referer and, unlike under ``no-referrer`` (Fetch sends ``Origin: null`` for POSTs then), a real
``Origin`` header, which CSRF checks may rely on.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'"
WEB_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# fastapi.openapi.docs defaults (swagger-ui-dist@5, redoc@2, Google fonts for ReDoc, favicon).
DOCS_SCRIPTS = (
    "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
    "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
)
DOCS_CSP = (
    "default-src 'none'; script-src {scripts}; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css "
    "https://fonts.googleapis.com; font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HSTS = "max-age=63072000; includeSubDomains"

API_PATHS = ("/api", "/health", "/metrics", "/openapi.json")
DOCS_PATHS = ("/docs", "/redoc")

_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def security_headers(
    path: str, *, production: bool, inline_scripts: tuple[bytes, ...] = ()
) -> dict[str, str]:
    """The headers for a response to ``path``; ``inline_scripts`` are the page's own (docs pages only)."""
    if _under(path, DOCS_PATHS):
        hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline_scripts]
        csp = DOCS_CSP.format(scripts=" ".join([*DOCS_SCRIPTS, *hashes]))
    elif _under(path, API_PATHS):
        csp = API_CSP
    else:
        csp = WEB_CSP
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    if production:
        # Production is served over HTTPS only (behind Nginx); elsewhere HSTS would pin localhost to HTTPS.
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        if not _under(path, DOCS_PATHS):
            headers = security_headers(path, production=self.production)

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = _merged(message.get("headers", []), headers)
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return

        # A docs page: its CSP names its inline scripts, so hold the start until the (small) body is complete.
        start: Message | None = None
        body: list[bytes] = []

        async def send_docs(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and _is_html(message):
                start = message
                return
            if start is None:
                if message["type"] == "http.response.start":
                    message["headers"] = _merged(
                        message.get("headers", []), security_headers(path, production=self.production)
                    )
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            scripts = tuple(m.group(1) for m in _INLINE_SCRIPT.finditer(page))
            start["headers"] = _merged(
                start.get("headers", []),
                security_headers(path, production=self.production, inline_scripts=scripts),
            )
            await send(start)
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, send_docs)


def _merged(existing: list[tuple[bytes, bytes]], headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    # An endpoint that set one of these headers itself knows better: keep its value.
    present = {name.lower() for name, _ in existing}
    added = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return [*existing, *((name, value) for name, value in added if name not in present)]


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def _route_path(scope: Scope) -> str:
    # The path the app routes on: without the prefix a proxy mounts the app under (root_path).
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and (path == root_path or path.startswith(root_path + "/")):
        return path[len(root_path) :] or "/"
    return path


def _is_html(start: Message) -> bool:
    content_type: bytes = dict(start.get("headers", [])).get(b"content-type", b"")
    return content_type.startswith(b"text/html")
