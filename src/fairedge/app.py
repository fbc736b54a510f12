"""create_app(): middleware, error handlers, routers, lifespan and (embedded) the scheduler."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount, compile_path
from starlette.types import Scope

from fairedge import __version__
from fairedge.alerts.endpoints import router as alerts_router
from fairedge.api_schemas import ACCESS, error_body
from fairedge.bets.endpoints import router as bets_router
from fairedge.billing.access import get_access
from fairedge.billing.billing_endpoints import router as billing_router
from fairedge.billing.endpoints import router as account_router
from fairedge.billing.subscribed import SubscribedPlans
from fairedge.billing.subscriptions import SubscriptionGauges
from fairedge.calculator.endpoints import router as calculator_router
from fairedge.config import Settings, get_settings
from fairedge.db.engine import make_session_factory
from fairedge.db.session import SessionGate
from fairedge.errors import FairEdgeError
from fairedge.health.admin_status import router as admin_status_router
from fairedge.health.board import BoardGauges
from fairedge.health.checks import HealthChecks
from fairedge.health.endpoints import router as health_router
from fairedge.health.odds_feed import OddsFeed
from fairedge.health.probe import HealthProbe
from fairedge.kit.clientip import TrustedProxies
from fairedge.observability.memory import MemoryWatch
from fairedge.observability.middleware import RequestContextMiddleware
from fairedge.odds.endpoints import router as odds_router
from fairedge.opportunities.endpoints import router as opportunities_router
from fairedge.opportunities.listing import KnownQueries
from fairedge.opportunities.stream_endpoints import router as stream_router
from fairedge.runtime import Runtime
from fairedge.security_headers import SecurityHeadersMiddleware, security_headers
from fairedge.users.endpoints import admin_router, auth_router

log = structlog.get_logger(__name__)

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


def _error(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FairEdgeError)
    async def fairedge_error(_request: Request, exc: FairEdgeError) -> JSONResponse:
        return _error(exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "parameter": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
                "location": err["loc"][0],
                "message": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors()
        ]
        names = ", ".join(d["parameter"] for d in details)
        return _error(422, "validation_error", f"invalid parameter: {names}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        if exc.status_code == 405:
            # Starlette lists the methods of the first route that matched the path only; a path served by
            # several routes (GET and POST /api/keys) allows all of theirs.
            allowed = _allowed_methods(request)
            if allowed:  # paths outside the schema (/metrics) keep Starlette's own answer
                exc.headers = {**(exc.headers or {}), "Allow": allowed}
        # Starlette's headers carry meaning: a 405 lists the methods the path allows in "Allow".
        return _error(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def database_unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        # The database is down or unreachable: say so (503, retry later) instead of a bare 500.
        log.error(
            "database_unavailable", error_type=type(exc.orig).__name__ if exc.orig else "OperationalError"
        )
        return _error(503, "database_unavailable", "the database is unavailable; retry shortly")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(exc).__name__)
        # Starlette sends this response from outside every middleware: the security headers are added here.
        production = request.app.state.settings.is_production
        return _error(
            500,
            "internal_error",
            "internal error; the request id in the logs has the details",
            headers=security_headers(request.url.path, production=production),
        )


def _allowed_methods(request: Request) -> str:
    # From the OpenAPI document (cached by FastAPI): every documented operation of the matching path.
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods))


def _metrics_registry() -> CollectorRegistry:
    """This process's metrics; under ``fairedge serve`` (PROMETHEUS_MULTIPROC_DIR set) every worker's, merged
    from their files, whichever worker answers the scrape."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class SinglePageApp(StaticFiles):
    """The built web app (web/dist): its files, and index.html for any other GET outside the API, so a deep
    link (/events/12, /login?next=…) loads the app, which routes it. API paths and missing build assets keep
    their 404. Hashed assets are cached for good; index.html is revalidated so a new build is seen at once."""

    NOT_APP = ("api/", "health", "metrics", "docs", "redoc", "openapi.json", "assets/")

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            deep_link = scope["method"] in ("GET", "HEAD") and not path.startswith(self.NOT_APP)
            if exc.status_code != 404 or not deep_link:
                raise
            path = "index.html"
            response = await super().get_response(path, scope)
        immutable = path.startswith("assets/") and response.status_code == 200
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response


class AppMount(Mount):
    """The web app at ``/``, never answering for the API's own paths: there the router's 404 and its 405 with
    ``Allow`` (a path the API serves under another method) stay, which a mount matching every path hides."""

    API = ("/api/", "/health", "/metrics")

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith(self.API):
            return Match.NONE, {}
        return super().matches(scope)


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, run_scheduler: bool = False
) -> FastAPI:
    settings = settings or get_settings()
    runtime = runtime or Runtime.build(settings)

    checks = HealthChecks(runtime.engine, settings.REDIS_URL)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The probe's thread reads through connections of its own, never the requests' session factory
        # (which tests bind to one connection: two threads on one connection break its transaction).
        probe_sessions = make_session_factory(runtime.engine)
        probe = HealthProbe(
            checks,
            settings.HEALTH_PROBE_SECONDS,
            readings=(
                BoardGauges(probe_sessions, settings.odds_provider).read,
                OddsFeed(settings, probe_sessions, runtime.odds_api_keys()).read,
                SubscriptionGauges(probe_sessions, settings, runtime.clock).read,
            ),
        )
        probe.start()
        # Started here, after gunicorn's fork: each worker watches its own memory.
        memory = MemoryWatch(settings.MEMORY_WARNING_MB, settings.MEMORY_CHECK_SECONDS)
        memory.start()
        scheduler = runtime.scheduler() if run_scheduler else None
        app.state.scheduler = scheduler
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            memory.stop()
            probe.stop()
            checks.close()
            runtime.close()

    app = FastAPI(
        title="FairEdge",
        version=__version__,
        description="No-vig fair lines, +EV bets, arbitrage and middles from many bookmakers.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.subscribed = SubscribedPlans(runtime.session_factory, settings, runtime.clock)
    app.state.session_gate = SessionGate(
        runtime.session_factory, permits=settings.DB_POOL_SIZE, wait_seconds=settings.DB_POOL_TIMEOUT
    )
    app.state.health = checks
    app.state.list_queries = KnownQueries()  # the opportunity list's validated query strings (ListRoute)
    app.state.scheduler = None
    # The last added runs first: request context (client IP, logs) around security headers (every response,
    # preflights too) around CORS (answers preflights; the app's error responses still get CORS headers).
    if settings.CORS_ORIGINS:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_credentials=True,  # the web app's refresh-token cookie
            allow_methods=("GET", "POST", "PATCH", "DELETE", "OPTIONS"),
            allow_headers=("Authorization", "Content-Type", "X-API-Key", "X-CSRF-Token", "X-Request-ID"),
            expose_headers=(
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
                "Retry-After",
                "X-Request-ID",
            ),
        )
    app.add_middleware(SecurityHeadersMiddleware, production=settings.is_production)
    app.add_middleware(
        RequestContextMiddleware, trusted_proxies=TrustedProxies.parse(settings.FORWARDED_ALLOW_IPS)
    )
    _install_error_handlers(app)
    app.include_router(health_router)
    # Data routes: the caller's plan decides what they see (401 without credentials in production) and
    # each request spends the plan's rate limit.
    plan_checked = [Depends(get_access)]
    app.include_router(odds_router, dependencies=plan_checked, responses=ACCESS)
    app.include_router(opportunities_router, dependencies=plan_checked, responses=ACCESS)
    app.include_router(stream_router)  # the list's access, with a query token for EventSource (inside)
    app.include_router(bets_router, dependencies=plan_checked, responses=ACCESS)
    app.include_router(calculator_router, dependencies=plan_checked, responses=ACCESS)
    app.include_router(auth_router)  # throttled per IP and account inside (login, reset)
    app.include_router(account_router)
    app.include_router(billing_router)  # plan page (access checked inside); Stripe's webhook (signed)
    app.include_router(alerts_router, responses=ACCESS)  # the owner's alerts; plan and rate limit inside
    app.include_router(admin_router, dependencies=plan_checked, responses=ACCESS)
    app.include_router(admin_status_router, dependencies=plan_checked, responses=ACCESS)

    registry = _metrics_registry()

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    if (WEB_DIST / "index.html").is_file():
        app.router.routes.append(AppMount("/", app=SinglePageApp(directory=WEB_DIST, html=True), name="web"))
    else:

        @app.get("/", include_in_schema=False)
        def index() -> dict[str, str]:
            return {
                "name": "FairEdge",
                "version": __version__,
                "docs": "/docs",
                "opportunities": "/api/opportunities",
            }

    return app
