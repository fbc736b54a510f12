"""A local fake of the Stripe API calls FairEdge makes, for tests (``STRIPE_API_BASE=fake.url``).

Serves what stripe-python sends for Checkout Sessions (``POST /v1/checkout/sessions``), customer-portal
sessions (``POST /v1/billing_portal/sessions``) and prices by lookup key (``GET /v1/prices``), in Stripe's
shapes (form-encoded requests with bracketed keys, JSON answers, Stripe's error body). Requests with another
secret key get Stripe's 401; ``fail_next(path, status)`` makes the next call to ``path`` fail. Every call is
kept in ``calls`` with its form decoded into nested dicts and lists::

    with FakeStripe(api_key="sk_test_fake") as stripe_api:
        settings(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_API_BASE=stripe_api.url)
        ...
        stripe_api.calls[-1].form["client_reference_id"]
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PRICES = {
    "fairedge_pro_monthly": {"id": "price_1SfEdgeProMonthly00001", "metadata": {"tier": "pro"}},
    "fairedge_elite_monthly": {"id": "price_1SfEdgeEliteMonthly0001", "metadata": {"tier": "elite"}},
}


@dataclass
class Call:
    method: str
    path: str
    form: dict[str, Any]
    headers: dict[str, str]


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back to structure: ``a[b][0][c]=v`` → ``{"a": {"b": [{"c": "v"}]}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            following: Any = value if last else ([] if parts[i + 1].isdigit() else {})
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None or last:
                    node[index] = following
                node = node[index]
            else:
                if part not in node or last:
                    node[part] = following
                node = node[part]
    return root


@dataclass
class FakeStripe:
    api_key: str = "sk_test_fake"
    calls: list[Call] = field(default_factory=list)
    _failures: dict[str, list[int]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _counter: int = 0

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, path: str, status: int) -> None:
        self._failures.setdefault(path, []).append(status)

    def __enter__(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                return

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else split.query
                form = _nest(parse_qsl(body, keep_blank_values=True))
                fake.calls.append(Call(method, split.path, form, dict(self.headers.items())))
                status, answer = fake._answer(method, split.path, form, self.headers.get("Authorization", ""))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_fake{len(fake.calls):06d}")
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _error(self, status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
        return status, {"error": {"type": kind, "message": message}}

    def _answer(self, method: str, path: str, form: dict[str, Any], auth: str) -> tuple[int, dict[str, Any]]:
        if auth != f"Bearer {self.api_key}":
            return self._error(401, "invalid_request_error", "Invalid API Key provided: sk_test_****")
        failures = self._failures.get(path)
        if failures:
            return self._error(failures.pop(0), "api_error", "Something went wrong on Stripe's end.")
        self._counter += 1
        if method == "POST" and path == "/v1/checkout/sessions":
            session_id = f"cs_test_fake{self._counter:04d}"
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "mode": form.get("mode"),
                "client_reference_id": form.get("client_reference_id"),
                "customer": form.get("customer"),
                "metadata": form.get("metadata", {}),
                "status": "open",
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            }
        if method == "POST" and path == "/v1/billing_portal/sessions":
            return 200, {
                "id": f"bps_fake{self._counter:04d}",
                "object": "billing_portal.session",
                "customer": form.get("customer"),
                "return_url": form.get("return_url"),
                "url": f"https://billing.stripe.com/p/session/test_fake{self._counter:04d}",
            }
        if method == "GET" and path == "/v1/prices":
            keys = form.get("lookup_keys") or []
            data = [
                {"object": "price", "active": True, "lookup_key": key, **PRICES[key]}
                for key in keys
                if key in PRICES
            ]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/prices"}
        return self._error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
