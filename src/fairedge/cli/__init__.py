"""The ``fairedge`` command line: run, db, refresh-odds, opportunities, price, users, keys."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from fairedge.cli import billing as billing_commands
from fairedge.cli import cache as cache_commands
from fairedge.cli import db as db_commands
from fairedge.cli import feed as feed_commands
from fairedge.cli import keys as keys_commands
from fairedge.cli import odds as odds_commands
from fairedge.cli import users as users_commands
from fairedge.cli.price import register as register_price
from fairedge.cli.serve import run_command, serve_command
from fairedge.cli.worker import beat_command, worker_command

app = typer.Typer(
    name="fairedge",
    help="FairEdge: no-vig fair lines, +EV bets, arbitrage and middles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("run")(run_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("beat")(beat_command)
register_price(app)
app.command("refresh-odds")(odds_commands.refresh_odds_command)
app.command("opportunities")(odds_commands.opportunities_command)
app.command("backfill")(feed_commands.backfill_command)
app.add_typer(feed_commands.app, name="odds")
app.add_typer(db_commands.app, name="db")
app.add_typer(users_commands.app, name="users")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(cache_commands.app, name="cache")
app.add_typer(billing_commands.app, name="billing")


@app.command("version")
def version_command(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also print the Python version.")] = False,
) -> None:
    """Print the FairEdge version."""
    from fairedge import __version__

    typer.echo(__version__ + (f" (Python {sys.version.split()[0]})" if verbose else ""))


def main() -> None:
    app()
