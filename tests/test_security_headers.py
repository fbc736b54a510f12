"""Security headers on every response, CORS for the configured origins only, the client IP behind a proxy."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from structlog.testing import capture_logs

from fairedge.app import create_app
from fairedge.config import Settings
from fairedge.kit.clientip import TrustedProxies
from fairedge.observability.middleware import RequestContextMiddleware
from fairedge.runtime import Runtime
from fairedge.security_headers import API_CSP, HSTS, WEB_CSP, SecurityHeadersMiddleware

WEB_APP = "https://app.example.com"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}

BuildApp = Callable[..., FastAPI]


@pytest.fixture
def build_app(engine: Engine) -> BuildApp:
    """An app on the migrated test database, with its own runtime (these tests write nothing)."""
    url = engine.url.render_as_string(hide_password=False)

    def build(**overrides: Any) -> FastAPI:
        settings = Settings(_env_file=None, **{"ENVIRONMENT": "testing", "DATABASE_URL": url, **overrides})
        return create_app(settings, runtime=Runtime.build(settings))

    return build


@pytest.fixture
def client(build_app: BuildApp) -> Iterator[TestClient]:
    with TestClient(build_app(CORS_ORIGINS=WEB_APP)) as c:
        yield c


def _assert_secured(response: httpx.Response, csp: str) -> None:
    for name, value in ALWAYS.items():
        assert response.headers[name] == value, name
    assert response.headers["content-security-policy"] == csp
    assert "strict-transport-security" not in response.headers


# --- security headers through the app ---------------------------------------------------------------------


def test_json_response_has_the_strict_api_policy(client: TestClient) -> None:
    response = client.get("/api/sports")
    assert response.status_code == 200
    _assert_secured(response, API_CSP)


@pytest.mark.parametrize("path", ["/health", "/openapi.json"])
def test_health_and_schema_have_the_api_policy(client: TestClient, path: str) -> None:
    _assert_secured(client.get(path), API_CSP)


def test_errors_have_the_headers(client: TestClient) -> None:
    not_found = client.get("/api/no-such-thing")
    assert not_found.status_code == 404
    _assert_secured(not_found, API_CSP)
    invalid = client.get("/api/events", params={"limit": 0})
    assert invalid.status_code == 422
    _assert_secured(invalid, API_CSP)


def test_unhandled_error_500_has_the_headers(build_app: BuildApp) -> None:
    app = build_app()

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/boom", boom)
    app.router.routes.insert(0, app.router.routes.pop())  # ahead of a web app mounted at "/"
    with (
        TestClient(app, raise_server_exceptions=False) as c,
        capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs,
    ):
        response = c.get("/api/boom")
    assert response.status_code == 500
    _assert_secured(response, API_CSP)
    # Logged by the 500 handler, which runs after every middleware has returned: still the request's context.
    (error,) = [e for e in logs if e["event"] == "unhandled_error"]
    assert error["client_ip"] == "testclient" and error["request_id"].startswith("req_")


def test_web_app_paths_have_the_web_policy(client: TestClient) -> None:
    response = client.get("/")
    _assert_secured(response, WEB_CSP)
    assert client.get("/some/page").headers["content-security-policy"] == WEB_CSP


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_policy_allows_exactly_what_the_page_loads(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    csp = _directives(response.headers["content-security-policy"])
    for name, value in ALWAYS.items():
        assert response.headers[name] == value
    page = response.text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    inline = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert scripts or inline
    for url in scripts:
        assert url in csp["script-src"]
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert "'unsafe-inline'" not in csp["script-src"]
    for tag, url in re.findall(r'(<link[^>]*href="([^"]+)"[^>]*>)', page):
        allowed = csp["style-src"] if 'rel="stylesheet"' in tag else csp["img-src"]  # else the favicon
        assert any(url.startswith(source) for source in allowed), url
    assert csp["connect-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]


def test_production_adds_hsts(build_app: BuildApp, db_backend: str) -> None:
    production = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": "s" * 40,
        "REDIS_URL": "redis://127.0.0.1:6379/15",
    }
    if db_backend == "sqlite":  # production refuses SQLite: nothing to serve headers from
        with pytest.raises(ValueError, match="must point at PostgreSQL"):
            build_app(**production)
        return
    app = build_app(**production)
    with TestClient(app) as c:
        response = c.get("/api/sports")
    assert response.headers["strict-transport-security"] == HSTS
    assert response.headers["x-frame-options"] == "DENY"


# --- the middleware alone ----------------------------------------------------------------------------------


def _tiny(production: bool = False) -> TestClient:
    def framed(_request: Request) -> Response:
        return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    def streamed(_request: Request) -> Response:
        return StreamingResponse(iter([b"a", b"b"]), media_type="text/plain")

    def docs(_request: Request) -> Response:
        return Response("<html><script>go()</script></html>", media_type="text/html")

    def docs_json(_request: Request) -> Response:
        return JSONResponse({"not": "html"})

    app = Starlette(
        routes=[
            Route("/api/framed", framed),
            Route("/api/stream", streamed),
            Route("/docs", docs),
            Route("/docs/data", docs_json),
        ]
    )
    return TestClient(SecurityHeadersMiddleware(app, production=production))


def test_hsts_only_in_production() -> None:
    assert "strict-transport-security" not in _tiny().get("/api/stream").headers
    assert _tiny(production=True).get("/api/stream").headers["strict-transport-security"] == HSTS


def test_header_set_by_the_endpoint_is_kept() -> None:
    response = _tiny().get("/api/framed")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers["content-security-policy"] == API_CSP


def test_streamed_response_gets_the_headers() -> None:
    response = _tiny().get("/api/stream")
    assert response.text == "ab"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_docs_page_inline_script_is_hashed_and_body_intact() -> None:
    response = _tiny().get("/docs")
    assert response.text == "<html><script>go()</script></html>"
    digest = base64.b64encode(hashlib.sha256(b"go()").digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["content-security-policy"]


def test_docs_path_that_is_not_html_passes_through() -> None:
    response = _tiny().get("/docs/data")
    assert response.json() == {"not": "html"}
    assert "'sha256-" not in response.headers["content-security-policy"]


def test_unknown_404_is_secured() -> None:
    response = _tiny().get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-security-policy"] == WEB_CSP


# --- CORS --------------------------------------------------------------------------------------------------


def _preflight(client: TestClient, origin: str) -> httpx.Response:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, x-api-key, x-csrf-token",
    }
    response: httpx.Response = client.options("/api/sports", headers=headers)
    return response


def test_preflight_from_the_configured_origin_is_allowed(client: TestClient) -> None:
    response = _preflight(client, WEB_APP)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == WEB_APP
    assert response.headers["access-control-allow-credentials"] == "true"
    allowed = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert allowed == {"GET", "POST", "PATCH", "DELETE", "OPTIONS"}
    assert response.headers["x-frame-options"] == "DENY"  # preflights are secured too


def test_preflight_from_another_origin_is_refused(client: TestClient) -> None:
    response = _preflight(client, "https://evil.example")
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_cross_origin_response_exposes_the_rate_limit_headers(client: TestClient) -> None:
    response = client.get("/api/sports", headers={"Origin": WEB_APP})
    assert response.headers["access-control-allow-origin"] == WEB_APP
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
        "x-request-id",
    }
    other = client.get("/api/sports", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_error_response_carries_cors_headers(client: TestClient) -> None:
    response = client.get("/api/no-such-thing", headers={"Origin": WEB_APP})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == WEB_APP


def test_no_cors_without_configured_origins(build_app: BuildApp) -> None:
    with TestClient(build_app()) as c:
        assert "access-control-allow-origin" not in c.get("/api/sports", headers={"Origin": WEB_APP}).headers
        assert "access-control-allow-origin" not in _preflight(c, WEB_APP).headers


# --- client IP ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "expected"),
    [("10.0.0.5", "198.51.100.7"), ("203.0.113.9", "203.0.113.9")],
    ids=["trusted-proxy", "untrusted-peer"],
)
def test_request_log_carries_the_client_ip(build_app: BuildApp, peer: str, expected: str) -> None:
    app = build_app(FORWARDED_ALLOW_IPS="10.0.0.0/8")
    with TestClient(app, client=(peer, 40000)) as c, capture_logs() as logs:
        c.get("/api/sports", headers={"X-Forwarded-For": "1.1.1.1, 198.51.100.7"})
    (line,) = [e for e in logs if e["event"] == "request"]
    assert line["client_ip"] == expected


def _state_app(trusted: TrustedProxies) -> TestClient:
    log = structlog.get_logger("test")

    def whoami(request: Request) -> Response:
        log.warning("auth_failed")  # any event in the request carries the IP
        return JSONResponse({"client_ip": request.state.client_ip})

    app = Starlette(routes=[Route("/whoami", whoami)])
    return TestClient(RequestContextMiddleware(app, trusted_proxies=trusted), client=("10.0.0.5", 40000))


def test_client_ip_in_request_state_and_every_log_event() -> None:
    client = _state_app(TrustedProxies.parse(["10.0.0.0/8"]))
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        body = client.get("/whoami", headers={"X-Forwarded-For": "198.51.100.7"}).json()
    assert body == {"client_ip": "198.51.100.7"}
    (failed,) = [e for e in logs if e["event"] == "auth_failed"]
    assert failed["client_ip"] == "198.51.100.7" and failed["request_id"].startswith("req_")


def test_several_forwarded_for_lines_are_one_list() -> None:
    client = _state_app(TrustedProxies.parse(["10.0.0.0/8"]))
    headers = [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "198.51.100.7, 10.0.0.9")]
    assert client.get("/whoami", headers=headers).json() == {"client_ip": "198.51.100.7"}


def test_spoofed_header_from_an_untrusted_peer_is_ignored() -> None:
    client = _state_app(TrustedProxies.parse(["192.168.0.0/16"]))
    body = client.get("/whoami", headers={"X-Forwarded-For": "198.51.100.7"}).json()
    assert body == {"client_ip": "10.0.0.5"}


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in csp.split(";") if directive.strip())
    return {name: sources for name, *sources in parts}
