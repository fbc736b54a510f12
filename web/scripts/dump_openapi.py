"""Write the API's OpenAPI schema (create_app().openapi()) to web/src/api/openapi.json.

Run with the project's interpreter: `.venv/bin/python web/scripts/dump_openapi.py [output]` (make web-client).
The schema does not depend on the database: an in-memory SQLite keeps the dump free of files and servers.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "sqlite://")
os.environ.setdefault("ENVIRONMENT", "development")

from fairedge.app import create_app  # settings come from the environment set above

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "api" / "openapi.json"


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    schema = create_app().openapi()
    output.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
