"""``fairedge db upgrade|downgrade|current``: the Alembic migrations, on the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from fairedge.cli.common import fail, load_settings
from fairedge.db import migrate
from fairedge.db.engine import make_engine

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    settings = load_settings()
    try:
        migrate.upgrade(settings.DATABASE_URL, revision)
    except Exception as exc:
        fail(f"upgrade to {revision} failed: {exc}", code=1)
    typer.echo(f"database at {revision}")


@app.command(
    "downgrade", context_settings={"ignore_unknown_options": True}
)  # "-1" is a revision, not an option
def downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")]) -> None:
    """Revert migrations down to REVISION (-1 for one step, base for empty)."""
    settings = load_settings()
    try:
        migrate.downgrade(settings.DATABASE_URL, revision)
    except Exception as exc:
        fail(f"downgrade to {revision} failed: {exc}", code=1)
    typer.echo(f"database at {revision}")


@app.command("current")
def current() -> None:
    """Print the database's revision and the code's head."""
    settings = load_settings()
    engine = make_engine(settings)
    try:
        revision = migrate.current_revision(engine)
    except Exception as exc:
        fail(f"cannot read the database revision: {exc}", code=1)
    finally:
        engine.dispose()
    head = migrate.head_revision(settings.DATABASE_URL)
    state = "up to date" if revision == head else "behind head"
    typer.echo(f"current: {revision or 'empty'}  head: {head}  ({state})")
