#!/usr/bin/env python
"""Rotate the JWT signing key without logging anyone out (the operations guide's name for it).

    python scripts/rotate_jwt_secrets.py --environment=production

The command ``fairedge keys rotate-jwt`` itself, under this name: the same options, environment check and
output. Needs a Python with FairEdge installed (the project's ``.venv/bin/python``, or the image's
``python``) and the deployment's settings (its environment, or a ``.env`` in the working directory).
"""

import typer

from fairedge.cli.keys import rotate_jwt

if __name__ == "__main__":
    script = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    script.command()(rotate_jwt)
    script(prog_name="rotate_jwt_secrets.py")
