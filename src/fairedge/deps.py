"""Typed FastAPI dependencies shared by every router: declared once, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from fairedge.config import Settings
from fairedge.db.session import SessionDep
from fairedge.kit.pagination import MAX_LIMIT, Page


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_page(
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
) -> Page:
    return Page(offset=offset, limit=limit)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PageDep = Annotated[Page, Depends(get_page)]

__all__ = ["PageDep", "SessionDep", "SettingsDep"]
