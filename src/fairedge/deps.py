"""Typed FastAPI dependencies shared by every router: declared once, as ``Annotated`` aliases.

Dependencies that do no I/O are ``async``: FastAPI runs a sync dependency in a worker thread, and under load
those hops queue for anyio's 40 thread tokens behind the endpoints themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from fairedge.config import Settings
from fairedge.db.session import SessionDep
from fairedge.kit.pagination import MAX_LIMIT, Page


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_now(request: Request) -> datetime:
    """The moment a request is answered at: ages and "live" are computed from it (a fake clock in tests)."""
    now: datetime = request.app.state.runtime.clock()
    return now


async def get_page(
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
) -> Page:
    return Page(offset=offset, limit=limit)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PageDep = Annotated[Page, Depends(get_page)]
NowDep = Annotated[datetime, Depends(get_now)]

__all__ = ["NowDep", "PageDep", "SessionDep", "SettingsDep"]
