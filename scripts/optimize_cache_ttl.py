#!/usr/bin/env python
"""Analyse the cache and recommend its TTL (the operations guide's name for it).

    python scripts/optimize_cache_ttl.py --analyze
    python scripts/optimize_cache_ttl.py --analyze --metrics-url http://api:8000/metrics --window 60

``fairedge cache analyze`` under this name (``--analyze`` names what it does; it is the only thing it does):
key counts and TTLs per board from Redis, hits and misses per view from an API's /metrics, and the TTL to
set with the reasoning. Needs a Python with FairEdge installed and the deployment's settings (REDIS_URL).
"""

from typing import Annotated

import typer

from fairedge.cli.cache import analyze


def optimize_cache_ttl(
    run: Annotated[bool, typer.Option("--analyze", help="Analyse and recommend (required).")] = False,
    metrics_url: Annotated[
        str, typer.Option(help="An API process's /metrics.")
    ] = "http://127.0.0.1:8000/metrics",
    window: Annotated[float, typer.Option(min=0, help="Seconds between two reads of /metrics.")] = 0.0,
) -> None:
    if not run:
        raise typer.BadParameter("say --analyze", param_hint="--analyze")
    analyze(metrics_url=metrics_url, window=window)


if __name__ == "__main__":
    script = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    script.command()(optimize_cache_ttl)
    script(prog_name="optimize_cache_ttl.py")
