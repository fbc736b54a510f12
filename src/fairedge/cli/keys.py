"""``fairedge keys rotate-jwt|list-jwt|rotate-odds-api``: keys in the secrets store, by ``kid`` or digest.

A JWT rotation adds a key that signs from now on; the older keys keep verifying until every token they
signed has expired, so nobody is logged out. An Odds API rotation swaps the provider keys: every process
uses the new ones from its next call, none restarts. Key material is never printed: only kids, digests
and times.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from fairedge.cli.common import fail, load_settings
from fairedge.cli.format import table
from fairedge.cli.users import account_errors
from fairedge.config import Settings
from fairedge.secretstore.store import SecretVersion
from fairedge.users.security import JWT_SECRET

app = typer.Typer(
    help="Keys: rotate and list the JWT signing keys, swap The Odds API keys (never their values).",
    no_args_is_help=True,
)


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@app.command("rotate-jwt")
def rotate_jwt(
    environment: Annotated[
        str | None,
        typer.Option(
            help="The deployment you mean to rotate; it must equal this process's ENVIRONMENT, so a shell "
            "pointed at the wrong deployment refuses. Required in production."
        ),
    ] = None,
) -> None:
    """Rotate the JWT signing key without logging anyone out."""
    from fairedge.runtime import Runtime

    settings = load_settings()
    if environment is None and settings.is_production:
        fail("name the deployment: --environment production")
    if environment is not None and environment != settings.ENVIRONMENT:
        fail(
            f"--environment {environment} does not match this deployment's ENVIRONMENT "
            f"({settings.ENVIRONMENT}); nothing was rotated"
        )
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            kid = runtime.accounts.signer.rotate(cache_seconds=settings.SECRETS_CACHE_SECONDS)
            versions = runtime.secrets.valid(JWT_SECRET)
        finally:
            runtime.close()
    typer.echo(
        f"new JWT signing key {kid} ({settings.ENVIRONMENT}); every process signs with it within "
        f"{settings.SECRETS_CACHE_SECONDS:g} s"
    )
    older = [(v.kid, v.retire_at) for v in versions if v.kid != kid and v.retire_at is not None]
    if not older:
        typer.echo("no earlier key was valid: nothing to retire")
    for old_kid, retire_at in older:
        typer.echo(f"previous key {old_kid} verifies tokens until {_utc(retire_at)}")


@app.command("list-jwt")
def list_jwt() -> None:
    """The valid JWT signing keys, newest (the one that signs) first."""
    from fairedge.runtime import Runtime

    settings = load_settings()
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            versions = runtime.secrets.valid(JWT_SECRET)
        finally:
            runtime.close()
    if not versions:
        typer.echo("no JWT signing key yet: the first token issued creates one")
        return
    rows = [_row(version, signs=i == 0) for i, version in enumerate(versions)]
    for line in table(("kid", "created", "retires", "signs"), rows, align="llll"):
        typer.echo(line)


def _row(version: SecretVersion, *, signs: bool) -> tuple[str, str, str, str]:
    retires = "-" if version.retire_at is None else _utc(version.retire_at)
    return (version.kid, _utc(version.created_at), retires, "yes" if signs else "no")


def _new_odds_api_keys(key_file: Path | None) -> tuple[str, ...]:
    """From the file, else standard input when it is not a terminal, else a hidden prompt: never from
    the command line, where the shell's history and ``ps`` would keep it."""
    from fairedge.odds.feed_keys import parse_keys

    if key_file is not None:
        try:
            text = key_file.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"cannot read --key-file: {exc.strerror}")
    elif not sys.stdin.isatty():
        text = sys.stdin.read()
    else:
        text = typer.prompt("New The Odds API key(s), comma separated", hide_input=True)
    keys = parse_keys(text)
    if not keys:
        fail("no key given: nothing was rotated")
    return keys


def _check_odds_api_keys(settings: Settings, keys: tuple[str, ...]) -> None:
    """Each new key against the free /sports call: a key the provider refuses is never stored."""
    from fairedge.odds.providers.factory import odds_api_options
    from fairedge.odds.providers.the_odds_api import (
        OddsApiAuthError,
        OddsApiError,
        OddsApiQuotaExhausted,
    )
    from fairedge.odds.providers.the_odds_api.client import OddsApiClient
    from fairedge.odds.providers.the_odds_api.feed import key_ref

    client = OddsApiClient(keys, odds_api_options(settings))
    try:
        for key in keys:
            try:
                client.get("/sports", {}, sport=None, key=key)
            except OddsApiQuotaExhausted:
                typer.echo(f"warning: key {key_ref(key)} is valid but its credits are used up", err=True)
            except OddsApiAuthError as exc:
                fail(f"The Odds API refuses key {key_ref(key)} ({exc.error_code}): nothing was rotated", 1)
            except OddsApiError as exc:
                fail(
                    f"cannot check key {key_ref(key)}: {client.redact(exc.message)}; nothing was rotated "
                    "(--no-check stores it unchecked)",
                    1,
                )
    finally:
        client.close()


@app.command("rotate-odds-api")
def rotate_odds_api(
    key_file: Annotated[
        Path | None,
        typer.Option(help="Read the new key(s) from this file (one per line) instead of stdin or a prompt."),
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Try each new key with The Odds API's free /sports call before storing it.")
    ] = True,
    environment: Annotated[
        str | None,
        typer.Option(help="The deployment you mean to change; when given, it must equal ENVIRONMENT."),
    ] = None,
) -> None:
    """Swap The Odds API key(s) of the running deployment: no restart, the next call uses the new key."""
    from fairedge.odds.providers.the_odds_api.feed import key_ref
    from fairedge.runtime import Runtime

    settings = load_settings()
    if environment is not None and environment != settings.ENVIRONMENT:
        fail(
            f"--environment {environment} does not match this deployment's ENVIRONMENT "
            f"({settings.ENVIRONMENT}); nothing was rotated"
        )
    keys = _new_odds_api_keys(key_file)
    if check:
        _check_odds_api_keys(settings, keys)
    with account_errors(settings):
        runtime = Runtime.build(settings)
        try:
            stored = runtime.odds_api_keys()
            before = stored()
            version = stored.rotate(keys)
        finally:
            runtime.close()
    refs = ", ".join(key_ref(k) for k in keys)
    typer.echo(
        f"The Odds API keys rotated ({settings.ENVIRONMENT}, version {version.kid}): {refs}; every process "
        f"uses them from its next call (within {settings.SECRETS_CACHE_SECONDS:g} s), no restart"
    )
    retired = [key_ref(k) for k in before if k not in keys]
    if retired:
        typer.echo(f"retired: {', '.join(retired)}")
