#!/usr/bin/env python
"""Warm the cache of the opportunity list (the operations guide's name for it).

    python scripts/warm_cache.py --priority=high   # each plan's default list
    python scripts/warm_cache.py --all             # also per kind and per sport

The command ``fairedge cache warm`` itself, under this name: the same options and output. Needs a Python with
FairEdge installed (the project's ``.venv/bin/python``, or the image's ``python``) and the deployment's
settings (its environment, or a ``.env`` in the working directory), REDIS_URL among them.
"""

import typer

from fairedge.cli.cache import warm

if __name__ == "__main__":
    script = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    script.command()(warm)
    script(prog_name="warm_cache.py")
