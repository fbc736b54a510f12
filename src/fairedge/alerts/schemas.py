"""Alerts as the API takes and shows them. The filter's fields carry the names and meaning of
``GET /api/opportunities``' parameters (rates as fractions), so a client can match an opportunity from the
live stream against ``GET /api/alerts`` the way the server does."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fairedge.alerts.cipher import WebhookCipher
from fairedge.alerts.models import Alert, AlertDelivery
from fairedge.alerts.service import AlertFilter, AlertInput
from fairedge.api_schemas import DevigMethod, Name
from fairedge.kit.pagination import PageMeta

Kind = Literal["ev", "arbitrage", "middle"]
Channel = Literal["generic", "discord", "slack"]
AlertName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
WebhookUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=r"^[^\x00-\x20\x7f]*$")]


class FilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: list[Kind] = Field(default_factory=list, max_length=3, description="Kinds; all when empty.")
    sport: Name | None = Field(None, description="Sport group, e.g. basketball.")
    league: Name | None = Field(None, description="Sport key (basketball_nba) or title.")
    market: Name | None = Field(None, description="Market key: h2h, spreads, totals…")
    bookmaker: list[Name] = Field(
        default_factory=list, max_length=20, description="Any leg at any of these books; any book when empty."
    )
    min_ev: float | None = Field(
        None, ge=-1, le=100, description="Minimum EV as a fraction; +EV and middles."
    )
    min_profit_margin: float | None = Field(
        None, ge=-1, le=100, description="Minimum arbitrage profit margin as a fraction; arbitrage only."
    )
    method: DevigMethod | None = Field(None, description="Devig method; the deployment's first when absent.")

    def to_filter(self) -> AlertFilter:
        return AlertFilter(
            kinds=tuple(dict.fromkeys(self.kind)),
            sport=self.sport,
            league=self.league,
            market=self.market,
            bookmakers=tuple(dict.fromkeys(self.bookmaker)),
            min_ev=self.min_ev,
            min_profit_margin=self.min_profit_margin,
            method=self.method.value if self.method else None,
        )


class AlertCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AlertName
    channel: Channel = Field("generic", description="Body shape: FairEdge JSON, Discord or Slack webhook.")
    webhook_url: WebhookUrl = Field(description="Where to POST; https to a public address in production.")
    filters: FilterIn = Field(default_factory=lambda: FilterIn())

    def to_input(self) -> AlertInput:
        return AlertInput(self.name, self.channel, self.webhook_url, self.filters.to_filter())


class AlertUpdate(BaseModel):
    """Only the fields sent change; ``filters`` replaces the fields it names."""

    model_config = ConfigDict(extra="forbid")

    name: AlertName | None = None
    channel: Channel | None = None
    webhook_url: WebhookUrl | None = None
    filters: FilterIn | None = None

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ("name", "channel", "webhook_url")
                               if k in self.model_fields_set and getattr(self, k) is not None}  # fmt: skip
        if self.filters is not None:
            parsed = self.filters.to_filter()
            names = {"kind": "kinds", "bookmaker": "bookmakers"}
            for field in self.filters.model_fields_set:
                key = names.get(field, field)
                out[key] = getattr(parsed, key)
        return out


class FilterOut(BaseModel):
    kind: list[Kind]
    sport: str | None
    league: str | None
    market: str | None
    bookmaker: list[str]
    min_ev: float | None
    min_profit_margin: float | None
    method: str | None


class AlertOut(BaseModel):
    id: int
    name: str
    status: Literal["active", "paused"]
    paused_reason: str | None = Field(description="Why it is paused: by its owner, or a failing webhook.")
    paused_at: datetime | None
    channel: Channel
    webhook: str = Field(description="The webhook URL with its path hidden (it often carries a token).")
    filters: FilterOut
    consecutive_failures: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, alert: Alert, cipher: WebhookCipher) -> AlertOut:
        return cls(
            id=alert.id,
            name=alert.name,
            status=alert.status,
            paused_reason=alert.paused_reason,
            paused_at=alert.paused_at,
            channel=alert.channel,
            webhook=cipher.masked(alert.webhook_ciphertext),
            filters=FilterOut(
                kind=alert.kinds,
                sport=alert.sport,
                league=alert.league,
                market=alert.market,
                bookmaker=alert.bookmakers,
                min_ev=alert.min_ev,
                min_profit_margin=alert.min_profit_margin,
                method=alert.method,
            ),
            consecutive_failures=alert.consecutive_failures,
            created_at=alert.created_at,
            updated_at=alert.updated_at,
        )


class DeliveryOut(BaseModel):
    id: int
    opportunity_id: int
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    response_code: int | None = Field(description="The webhook's HTTP status of the last attempt.")
    last_error: str | None
    created_at: datetime = Field(description="When the opportunity matched.")
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    opportunity: dict[str, Any] = Field(description="The opportunity as it was when it matched.")

    @classmethod
    def build(cls, d: AlertDelivery) -> DeliveryOut:
        return cls(
            id=d.id,
            opportunity_id=d.opportunity_id,
            status=d.status,
            attempts=d.attempts,
            response_code=d.response_code,
            last_error=d.last_error,
            created_at=d.created_at,
            last_attempt_at=d.last_attempt_at,
            next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
            delivered_at=d.delivered_at,
            opportunity=d.payload,
        )


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    page: PageMeta


class TestSendOut(BaseModel):
    ok: bool
    status_code: int | None = Field(description="The webhook's HTTP status; null without an answer.")
    error: str | None
    duration_ms: float
