"""The cache on the HTTP side: the dependency that hands it to endpoints, and the response for its bytes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from fairedge.cache.cache import Cache


async def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.runtime.cache
    return cache


CacheDep = Annotated[Cache, Depends(get_cache)]


def json_response(body: bytes, set_by_dependencies: Response) -> Response:
    """``body`` as JSON, with the headers the request's dependencies set (``RateLimit-*`` from the access
    dependency): FastAPI adds those only to responses it builds itself, not to one an endpoint returns."""
    response = Response(body, media_type="application/json")
    response.raw_headers.extend(set_by_dependencies.raw_headers)
    return response
