"""Schemathesis hooks for FairEdge (``schemathesis.toml`` loads them): what an OpenAPI schema cannot say.

Some operations refuse, with 422 ``invalid_input``, values that are each schema-valid but not together, not
here or not now: ``GET /api/opportunities`` a per-kind filter that applies to none of the requested kinds
(``kind=ev`` with ``min_profit_margin``) or a devig method this deployment does not compute; the e-mail
token routes a token that is not (or no longer) valid; registration a password equal to the e-mail. Each
documents that refusal in its 422 description (``api_schemas.invalid(also=…)``). Only those answers are
excused from "schema-valid request rejected" (ST202); every other check still runs on them, the error
body's schema included.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.core.failures import Failure


@schemathesis.hook
def filter_failure(_context: HookContext, failure: Failure, case: Case[Any], response: Response) -> bool:
    documented = case.operation.definition.raw.get("responses", {}).get("422", {}).get("description", "")
    documented_refusal = (
        failure.code == "ST202"
        and "(invalid_input)" in documented
        and response.status_code == 422
        and response.json()["error"]["code"] == "invalid_input"
    )
    return not documented_refusal
