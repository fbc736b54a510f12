"""The cache on the HTTP side: the dependency that hands it to endpoints, and the response for its bytes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request, Response

from fairedge.cache.cache import Cache


async def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.runtime.cache
    return cache


CacheDep = Annotated[Cache, Depends(get_cache)]


def json_response(body: bytes, headers: Mapping[str, str]) -> Response:
    """``body`` as JSON, with ``headers`` (``RateLimit-*``: FastAPI adds the headers its dependencies set
    only to responses it builds itself, not to one an endpoint returns)."""
    response = Response(body, media_type="application/json")
    response.headers.update(headers)
    return response
