"""The operations guide's security queries, verbatim on PostgreSQL (schemas auth and audit), and their
schema-less spelling on SQLite, against accounts made by the service."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from accounts_env import verified_user
from factories import T0
from fairedge.users import service

ROLE_DISTRIBUTION = "SELECT role, COUNT(*) as user_count FROM auth.users GROUP BY role;"
RECENT_ROLE_CHANGES = "SELECT * FROM audit.user_role_changes WHERE created_at > NOW() - INTERVAL '24 hours';"


def test_the_guides_role_queries_run(session_factory: sessionmaker[Session], db_backend: str) -> None:
    roles: dict[str, int]
    with session_factory() as session:
        ids = [verified_user(session, f"u{n}@example.com", T0) for n in range(3)]
        boss, _ = service.create_admin(session, "boss@example.com", "boss password 1", now=T0)
        analyst = service.get_user(session, ids[0])
        service.change_role(
            session, analyst, "analyst", actor_id=boss.id, reason="staff", client_ip=None, now=T0
        )
        session.flush()
        if db_backend == "postgresql":
            # Verbatim; the rows were written at T0, so "the last 24 hours" is asked at T0's clock.
            roles = {str(row[0]): int(row[1]) for row in session.execute(text(ROLE_DISTRIBUTION))}
            recent = (
                session.execute(
                    text(RECENT_ROLE_CHANGES.replace("NOW()", "CAST(:now AS timestamptz)")), {"now": T0}
                )
                .mappings()
                .all()
            )
            session.execute(text(RECENT_ROLE_CHANGES)).all()  # and as written, against the real clock
        else:
            translated = ROLE_DISTRIBUTION.replace("auth.", "")
            roles = {str(row[0]): int(row[1]) for row in session.execute(text(translated))}
            recent = (
                session.execute(
                    text("SELECT * FROM user_role_changes WHERE created_at > :since"),
                    {"since": "2026-01-14 18:00:00"},
                )
                .mappings()
                .all()
            )
    assert roles == {"user": 2, "analyst": 1, "admin": 1}
    changes = {(r["old_role"], r["new_role"], r["reason"]) for r in recent}
    assert ("user", "admin", "fairedge users create-admin") in changes
    assert ("user", "analyst", "staff") in changes
