"""``fairedge cache warm|analyze``: fill the cache with the lists asked for most; read its keys, TTLs and hit
ratio and say what TTL to set.

Both work on the Redis cache (``REDIS_URL``). The embedded cache lives inside the ``fairedge run`` process:
it is warmed there after every scan, and its hit ratio is on that process's ``/metrics``.
"""

from __future__ import annotations

import statistics
import time
from typing import Annotated, Literal

import httpx
import typer

from fairedge.cache import analysis
from fairedge.cache.backends import RedisBackend
from fairedge.cli.common import fail, load_settings, user_errors
from fairedge.cli.format import table

app = typer.Typer(
    help="The cache of the opportunity list and event boards: warm it, analyse its keys and hit ratio.",
    no_args_is_help=True,
)

Priority = Literal["high", "all"]


@app.command("warm")
def warm(
    priority: Annotated[
        Priority,
        typer.Option(help="high: each plan's default list; all: also per kind and per sport."),
    ] = "high",
    all_views: Annotated[bool, typer.Option("--all", help="Same as --priority all.")] = False,
) -> None:
    """Compute and store the lists asked for most, for the board as it stands (what the scan's
    cache_warming job does after every scan)."""
    from fairedge.opportunities import tasks as opportunity_tasks
    from fairedge.runtime import Runtime

    settings = load_settings()
    if not settings.REDIS_URL:
        typer.echo(
            "REDIS_URL is not set: the embedded cache lives in the `fairedge run` process, "
            "which warms it after every scan; nothing to do here"
        )
        return
    with user_errors():
        runtime = Runtime.build(settings)
        try:
            done = opportunity_tasks.cache_warming(
                runtime.session_factory,
                settings,
                runtime.clock,
                runtime.cache,
                "all" if all_views else priority,
            )
        finally:
            runtime.close()
    if done["stored"] < done["views"]:
        fail(f"stored {done['stored']} of {done['views']} views: is Redis reachable at REDIS_URL?", code=1)
    typer.echo(f"warmed {done['stored']} views in {done['seconds']:.2f} s")


@app.command("analyze")
def analyze(
    metrics_url: Annotated[
        str, typer.Option(help="An API process's /metrics (gunicorn: every worker's counters).")
    ] = "http://127.0.0.1:8000/metrics",
    window: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds between two reads of /metrics: the ratio over that window, not "
            "since the API started (0: since it started).",
        ),
    ] = 0.0,
) -> None:
    """Key counts and TTLs per board, hit and miss per view, and the TTL to set, with the reasoning."""
    settings = load_settings()
    if not settings.REDIS_URL:
        fail(
            "REDIS_URL is not set: the embedded cache lives in the `fairedge run` process (see its /metrics)"
        )
    backend = RedisBackend(settings.REDIS_URL, prefix=settings.CACHE_KEY_PREFIX, timeout_seconds=5.0)
    try:
        boards = [analysis.board_keys(backend.client, backend.prefix, ns) for ns in analysis.NAMESPACES]
    except Exception as exc:
        fail(f"cannot read the cache's keys at REDIS_URL: {exc}", code=1)
    finally:
        backend.close()
    _print_boards(boards)
    views = _views(metrics_url, window)
    if views is not None:
        _print_views(views, window)
    observed = [b.bump_interval for b in boards if b.bump_interval is not None]
    interval = min(observed) if observed else settings.refresh_seconds
    source = "observed between recent scans" if observed else "ODDS_REFRESH_SECONDS: no scans seen yet"
    typer.echo(f"\nscan interval: {interval:.1f} s ({source})")
    typer.echo("recommended:")
    for line in analysis.recommendations(settings.CACHE_TTL_SECONDS, interval, boards, views or []):
        typer.echo(f"- {line}")


def _print_boards(boards: list[analysis.BoardKeys]) -> None:
    rows = []
    for b in boards:
        ttls = sorted(b.ttls)
        ttl = f"{ttls[0]:.0f} / {statistics.median(ttls):.0f} / {ttls[-1]:.0f}" if ttls else "-"
        rows.append(
            (
                b.namespace,
                b.version or "-",
                str(b.current),
                f"{b.current_bytes / 1024:.0f}",
                str(b.retired),
                f"{b.retired_bytes / 1024:.0f}",
                ttl,
                ", ".join(f"{plan} {n}" for plan, n in sorted(b.by_plan.items())) or "-",
            )
        )
    header = ("board", "version", "current", "KiB", "retired", "KiB", "TTL left min/med/max s", "by plan")
    for line in table(header, rows, align="llrrrrrl"):
        typer.echo(line)


def _views(url: str, window: float) -> list[analysis.ViewTraffic] | None:
    try:
        first = analysis.traffic(httpx.get(url, timeout=5).text)
        if not window:
            return first
        time.sleep(window)
        return analysis.difference(analysis.traffic(httpx.get(url, timeout=5).text), first)
    except httpx.HTTPError as exc:
        typer.echo(f"\nhit ratio: /metrics unreadable at {url} ({type(exc).__name__}); keys only")
        return None


def _print_views(views: list[analysis.ViewTraffic], window: float) -> None:
    typer.echo(f"\nhits and misses {f'over {window:g} s' if window else 'since the API started'}:")
    rows = []
    for v in views:
        ratio = v.ratio
        misses = ", ".join(f"{r} {n:.0f}" for r, n in sorted(v.misses.items()) if n) or "-"
        rows.append((v.view, f"{v.hits:.0f}", misses, "-" if ratio is None else f"{ratio:.1%}"))
    for line in table(("view", "hits", "misses by reason", "hit ratio"), rows, align="lrlr"):
        typer.echo(line)
