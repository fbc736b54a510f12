"""tasks.user_cleanup's rules on both databases: what goes, and what must stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from accounts_env import verified_user
from conftest import make_settings
from factories import T0, FakeClock
from fairedge.secretstore.store import SecretStore
from fairedge.users.models import AuditEvent, EmailToken, RefreshToken, User, UserRoleChange
from fairedge.users.security import digest, hash_password
from fairedge.users.tasks import user_cleanup

DAY = timedelta(days=1)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_cleanup_purges_what_expired_and_keeps_the_rest(
    session_factory: sessionmaker[Session], database_url: str
) -> None:
    settings = make_settings(database_url, UNVERIFIED_ACCOUNT_DAYS=7, AUDIT_RETENTION_DAYS=30)
    now = T0
    with session_factory() as session:
        kept = verified_user(session, "kept@example.com", now - 100 * DAY)
        for email, age in (("stale@example.com", 8), ("fresh@example.com", 1)):
            session.add(User(email=email, password_hash=hash_password("x" * 12), created_at=now - age * DAY))
        session.flush()
        stale = session.scalar(select(User.id).where(User.email == "stale@example.com"))
        for n, (owner, expires) in enumerate([(kept, now - DAY), (kept, now + DAY), (stale, now + DAY)]):
            session.add(
                RefreshToken(
                    user_id=owner,
                    family_id="f",
                    token_digest=digest(f"r{n}"),
                    created_at=now - 2 * DAY,
                    expires_at=expires,
                )
            )
        for n, (expires, used) in enumerate([(now - DAY, None), (now + DAY, now - DAY), (now + DAY, None)]):
            session.add(
                EmailToken(
                    user_id=kept,
                    purpose="verify",
                    token_digest=digest(f"e{n}"),
                    created_at=now - 2 * DAY,
                    expires_at=expires,
                    used_at=used,
                )
            )
        for age in (40, 10):
            session.add(
                AuditEvent(action="role_changed", user_id=kept, created_at=now - age * DAY, details={})
            )
            session.add(UserRoleChange(user_id=kept, new_role="user", created_at=now - age * DAY))
        session.commit()

    clock = FakeClock(now)
    secrets = SecretStore(session_factory, "s" * 40, cache_seconds=0, clock=clock)
    report = user_cleanup(session_factory, settings, secrets, clock)

    assert report["refresh_tokens"] == 1  # the expired one; the stale user's goes with the user (cascade)
    assert report["email_tokens"] == 2  # expired, and used
    assert report["unverified_users"] == 1
    assert report["audit_rows"] == 2  # one of each table, 40 days old
    with session_factory() as session:
        emails = set(session.scalars(select(User.email)).all())
        assert emails == {"kept@example.com", "fresh@example.com"}
        assert _count(session, RefreshToken) == 1 and _count(session, EmailToken) == 1
        assert _count(session, AuditEvent) == 1 and _count(session, UserRoleChange) == 1
