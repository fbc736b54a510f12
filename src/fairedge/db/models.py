"""Imports every domain's models so that ``Base.metadata`` is complete (for Alembic and test set-up).

This is the one place where the database layer names the domains; it imports them lazily, by module path,
so the layering of the code (domains depend on db, not the reverse) stays intact.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "fairedge.bets.models",
    "fairedge.alerts.models",
    "fairedge.billing.models",
    "fairedge.odds.models",
    "fairedge.opportunities.models",
    "fairedge.secretstore.models",
    "fairedge.users.models",
)


def load_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
