"""The API contract every router shares: the error body and the ``responses=`` that document it, and the
strict query types (devig method, timestamps), so the OpenAPI schema says exactly what the API accepts and
sends."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from fairedge.pricing.devig import METHODS


class ParameterProblem(BaseModel):
    """Why one request parameter was refused; further keys may say what would be accepted."""

    # Optional keys are absent, not null, when they do not apply: "validation" mode leaves them out of
    # "required" in the response schema too.
    model_config = ConfigDict(extra="allow", json_schema_mode_override="validation")

    parameter: str = Field(description="The parameter's name; an item of a list is name.index (kind.0).")
    location: str | None = Field(None, description="Where it was sent: query or path.")
    message: str | None = Field(None, description="What is wrong with it.")
    type: str | None = Field(None, description="Machine code of the validation rule that failed.")
    allowed: list[str] | None = Field(None, description="The values that would be accepted.")


class ErrorInfo(BaseModel):
    code: str = Field(
        description="Stable machine code: not_found, method_not_allowed, validation_error, invalid_input, "
        "database_unavailable, internal_error."
    )
    message: str = Field(description="For a person to read.")
    details: list[ParameterProblem] | dict[str, Any] | None = Field(
        description="422: one entry per refused parameter. Other errors: null, or an object of facts "
        "(database_busy: waited_seconds)."
    )


class ErrorBody(BaseModel):
    """Every error FairEdge answers with: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorInfo


def error_body(
    code: str, message: str, details: list[dict[str, Any]] | dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON of an error, validated by :class:`ErrorBody` so it is what the schema documents."""
    body = ErrorBody.model_validate({"error": {"code": code, "message": message, "details": details}})
    return body.model_dump(mode="json", exclude_unset=True)


Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "No such resource (not_found)."}}
UNAVAILABLE: Responses = {
    503: {
        "model": ErrorBody,
        "description": "The database is unavailable; retry shortly (database_unavailable).",
    }
}

UNAUTHORIZED: Responses = {
    401: {
        "model": ErrorBody,
        "description": "Credentials missing, invalid, expired or revoked (unauthorized).",
    }
}
FORBIDDEN: Responses = {
    403: {
        "model": ErrorBody,
        "description": "Not allowed: a role, a disabled account, or the plan (forbidden, plan_limit).",
    }
}
RATE_LIMITED: Responses = {
    429: {
        "model": ErrorBody,
        "description": "Too many requests (rate_limited); Retry-After says when to try again.",
    }
}
BAD_BODY: Responses = {
    400: {
        "model": ErrorBody,
        "description": "The request body could not be read (not UTF-8 text) (http_error).",
    }
}
CONFLICT: Responses = {409: {"model": ErrorBody, "description": "The change conflicts (conflict)."}}
# Every data endpoint: who may call it and how often.
ACCESS: Responses = UNAUTHORIZED | FORBIDDEN | RATE_LIMITED


def invalid(also: str = "") -> Responses:
    """The 422 of a route with parameters; ``also`` names its refusals that the parameter schemas cannot
    express (combinations, deployment settings)."""
    description = "A parameter was refused (validation_error); details name each one."
    if also:
        description += f" Also {also} (invalid_input)."
    return {422: {"model": ErrorBody, "description": description}}


# Ids and names as the database can hold them, so an impossible value is a 422 rather than a database error:
# events.id is a PostgreSQL integer, and PostgreSQL text cannot hold NUL. Names (sport, league, market,
# bookmaker) have no control characters at all.
EVENT_ID_MAX = 2**31 - 1
Name = Annotated[str, StringConstraints(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")]

# The devig methods usable by name, an enum in the schema and the generated client. Built from METHODS so
# the two never drift; mypy cannot list members built at run time (hence the ignore).
DevigMethod = StrEnum("DevigMethod", [(m, m) for m in METHODS])  # type: ignore[misc]

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")


def _rfc3339_only(value: object) -> object:
    # Pydantic alone would also take "0.5" (Unix time) or a bare date; the schema promises a date-time.
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("expected an RFC 3339 date-time with an offset, e.g. 2026-01-31T19:30:00Z")
    return value


def _as_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # within hours of year 1 or 9999: the bound lies beyond any stored time
        return (datetime.max if value.year > 1 else datetime.min).replace(tzinfo=UTC)


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only), AfterValidator(_as_utc)]
"""An instant as an RFC 3339 date-time with an offset (``2026-01-31T19:30:00Z``), handed on in UTC."""
