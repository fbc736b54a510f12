"""``fairedge keys rotate-jwt|list-jwt``: the JWT signing keys in the secrets store, by ``kid`` only.

A rotation adds a key that signs from now on; the older keys keep verifying until every token they signed
has expired, so nobody is logged out. Key material is never printed: only kids and times.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from fairedge.cli.common import fail, load_settings
from fairedge.cli.format import table
from fairedge.cli.users import account_errors
from fairedge.secretstore.store import SecretVersion
from fairedge.users.security import JWT_SECRET

app = typer.Typer(
    help="Signing keys: rotate and list the JWT keys (never their values).", no_args_is_help=True
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
