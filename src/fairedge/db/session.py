"""The request's unit of work: one session per request, committed before the response is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from fairedge.db.engine import session_scope


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.session_factory) as session:
        yield session


# scope="function": commit before the response goes out, so a client never sees a 200 for a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
