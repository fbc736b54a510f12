"""What every command needs: settings that fail with a message, logging, and error exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from pydantic import ValidationError

from fairedge.config import Settings
from fairedge.errors import FairEdgeError
from fairedge.observability.logging import configure_logging


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_settings(service: str = "cli") -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        fail(f"invalid settings: {problems}")
    configure_logging(
        service=service, level=settings.LOG_LEVEL, fmt=settings.LOG_FORMAT, log_dir=settings.LOG_DIR
    )
    return settings


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn FairEdge errors into a one-line message and exit code 1 (no traceback)."""
    try:
        yield
    except FairEdgeError as exc:
        fail(exc.message, code=1)
