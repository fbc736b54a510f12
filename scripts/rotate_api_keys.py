#!/usr/bin/env python
"""Swap an external API's key in the running deployment, without a restart (the operations guide's name).

    python scripts/rotate_api_keys.py --service=odds_api              # prompts for the new key (hidden)
    printf '%s' "$NEW_KEY" | python scripts/rotate_api_keys.py --service=odds_api
    python scripts/rotate_api_keys.py --service=odds_api --key-file=/run/secrets/odds_api_keys

``--service=odds_api`` is ``fairedge keys rotate-odds-api`` under this name: the same options, check and
output. Needs a Python with FairEdge installed (the project's ``.venv/bin/python``, or the image's
``python``) and the deployment's settings (its environment, or a ``.env`` in the working directory).
"""

from pathlib import Path
from typing import Annotated

import typer

from fairedge.cli.common import fail
from fairedge.cli.keys import rotate_odds_api

SERVICES = ("odds_api",)


def rotate_api_keys(
    service: Annotated[str, typer.Option(help="The API whose key to swap: odds_api.")],
    key_file: Annotated[
        Path | None,
        typer.Option(help="Read the new key(s) from this file (one per line) instead of stdin or a prompt."),
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Try each new key with the provider's free call before storing it.")
    ] = True,
    environment: Annotated[
        str | None,
        typer.Option(help="The deployment you mean to change; when given, it must equal ENVIRONMENT."),
    ] = None,
) -> None:
    """Swap an external API key of the running deployment: the next call of every process uses it."""
    if service not in SERVICES:
        fail(f"--service {service!r} is not one this script rotates: {', '.join(SERVICES)}")
    rotate_odds_api(key_file=key_file, check=check, environment=environment)


if __name__ == "__main__":
    script = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    script.command()(rotate_api_keys)
    script(prog_name="rotate_api_keys.py")
