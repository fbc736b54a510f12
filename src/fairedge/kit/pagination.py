"""Offset pagination shared by list endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Page:
    offset: int
    limit: int

    def meta(self, total: int) -> PageMeta:
        following = self.offset + self.limit
        return PageMeta(
            total=total,
            offset=self.offset,
            limit=self.limit,
            next_offset=following if following < total else None,
        )


class PageMeta(BaseModel):
    total: int
    offset: int
    limit: int
    next_offset: int | None
