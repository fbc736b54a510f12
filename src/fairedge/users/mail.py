"""Outgoing mail behind one interface. No mail server is assumed: the outbox writes each message to a folder
(``MAIL_OUTBOX_DIR``) as an .eml file, and ``fairedge users outbox`` prints them. Links carry tokens, so
messages go to the outbox and never to the logs (the log line names the recipient's user id only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class MailSender(Protocol):
    def send(self, mail: Mail, *, user_id: int | None = None) -> None: ...


class OutboxMailSender:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, mail: Mail, *, user_id: int | None = None) -> None:
        message = EmailMessage()
        message["To"] = mail.to
        message["From"] = "FairEdge <no-reply@fairedge.local>"
        message["Subject"] = mail.subject
        message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        message.set_content(mail.body)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (self.directory / name).write_bytes(bytes(message))
        log.info("mail_queued", user_id=user_id, subject=mail.subject, outbox_file=name)

    def messages(self, *, to: str | None = None) -> list[EmailMessage]:
        """The outbox, oldest first; ``to`` keeps one recipient's."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            message = BytesParser(policy=default).parsebytes(path.read_bytes())
            if isinstance(message, EmailMessage) and (to is None or message["To"] == to.lower()):
                found.append(message)
        return found
