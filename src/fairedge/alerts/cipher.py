"""Webhook URLs at rest. A Discord or Slack webhook URL is a bearer secret (whoever holds it can post), so
``alerts.webhook_ciphertext`` holds it as a Fernet token under the key the secrets store derives from
``SECRET_KEY`` (secretstore/store.py ``fernet_for``: the same scheme, not a second one). It is opened only to
post (the delivery job, a test-send) and to show its owner the masked form (``ssrf.mask_url``:
``scheme://host:port/…``); nothing logs or answers more than that.

A process whose ``SECRET_KEY`` differs from the one that sealed a URL cannot open it
(:class:`UnreadableWebhook`): the delivery job leaves that alert's deliveries pending and logs
``alert_webhook_unreadable``, the API shows ``<unreadable>``; saving the URL again seals it under the
current key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from fairedge.alerts.ssrf import mask_url
from fairedge.config import Settings
from fairedge.secretstore.store import fernet_for

UNREADABLE = "<unreadable>"  # the masked form of a URL this process cannot decrypt


class UnreadableWebhook(Exception):
    """A stored webhook URL sealed under another SECRET_KEY."""


@dataclass(frozen=True, slots=True)
class WebhookCipher:
    fernet: Fernet

    def seal(self, url: str) -> str:
        return self.fernet.encrypt(url.encode()).decode()

    def open(self, ciphertext: str) -> str:
        try:
            return self.fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise UnreadableWebhook("SECRET_KEY differs from the one that saved the webhook URL") from None

    def masked(self, ciphertext: str) -> str:
        try:
            return mask_url(self.open(ciphertext))
        except UnreadableWebhook:
            return UNREADABLE


def cipher_for(settings: Settings) -> WebhookCipher:
    return WebhookCipher(fernet_for(settings.SECRET_KEY.get_secret_value()))
