"""Versioned, encrypted secrets every process reads: JWT signing keys now, the Odds API key and Stripe secrets
later. A name has several versions (``kid``); a rotation adds one and gives the others a retirement time, so
tokens signed or requests made with the old one keep working until then."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairedge.db.base import Base, BigIntId


class SecretVersionRow(Base):
    __tablename__ = "secrets"
    __table_args__ = (UniqueConstraint("name", "kid"), {"schema": "auth"})

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kid: Mapped[str] = mapped_column(String(32))
    ciphertext: Mapped[str] = mapped_column(Text)  # Fernet token, key derived from SECRET_KEY
    created_at: Mapped[datetime]
    retire_at: Mapped[datetime | None]  # no longer valid from then; None: valid until a rotation
