"""Alerts and their deliveries.

An :class:`Alert` is a user's saved filter (the names and meaning of ``GET /api/opportunities``' parameters)
and where to send what it matches: a webhook URL, stored encrypted (``webhook_ciphertext``, cipher.py: a
Discord or Slack URL is a bearer secret), and the body's shape (``generic`` JSON, ``discord`` or
``slack``). ``watermark`` is the ``first_seen`` instant up to which the alert has looked at opportunities;
it only moves forward. An alert whose webhook fails ``ALERT_PAUSE_AFTER_FAILURES`` times in a row is paused
(``status`` ``paused`` with ``paused_reason``); its owner resumes it.

An :class:`AlertDelivery` is one opportunity for one alert: unique per (alert, opportunity), so an
opportunity is sent once per alert however many scans find it. It keeps the opportunity as it was when
matched (``payload``), its status (``pending``, ``delivered``, ``failed`` after the last attempt,
``cancelled`` when its alert was paused or deleted first), attempts, the last error and response code.
Only ``pending`` ever changes again; the others are finished, and ``tasks.user_cleanup`` deletes them
``ALERT_DELIVERY_RETENTION_DAYS`` after they matched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import UniqueConstraint

from fairedge.db.base import Base, BigIntId, PortableJSON

CHANNELS = ("generic", "discord", "slack")
ALERT_STATUSES = ("active", "paused")
DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")
FINISHED_DELIVERY_STATUSES = ("delivered", "failed", "cancelled")  # never attempted again


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused')", name="status"),
        CheckConstraint("channel IN ('generic', 'discord', 'slack')", name="channel"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("auth.users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="active")
    paused_reason: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(16))
    webhook_ciphertext: Mapped[str] = mapped_column(Text)  # the URL as a Fernet token (cipher.py)
    # The filter, as GET /api/opportunities' parameters (bookmaker: any of these books; empty: any book).
    kinds: Mapped[list[str]] = mapped_column(PortableJSON)
    sport: Mapped[str | None] = mapped_column(String(64))
    league: Mapped[str | None] = mapped_column(String(64))
    market: Mapped[str | None] = mapped_column(String(64))
    bookmakers: Mapped[list[str]] = mapped_column(PortableJSON)
    min_ev: Mapped[float | None] = mapped_column(Float)
    min_profit_margin: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(32))  # None: the deployment's first devig method
    watermark: Mapped[datetime]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AlertDelivery(Base):
    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "opportunity_id"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')", name="status"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("alerts.id", ondelete="CASCADE"))
    # No foreign key: the retention job deletes ended opportunities; the delivery log outlives them.
    opportunity_id: Mapped[int] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    response_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)  # the opportunity as matched
    created_at: Mapped[datetime] = mapped_column(index=True)


__all__ = ["Alert", "AlertDelivery"]
