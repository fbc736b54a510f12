"""HTTP for alerts: the owner's saved filters (create, list, read, edit, delete, pause, resume,
test-send) and each alert's delivery log. Someone else's alert is a 404, as one that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from fairedge.alerts import service
from fairedge.alerts.cipher import cipher_for
from fairedge.alerts.delivery import policy_for, sender_for
from fairedge.alerts.schemas import AlertCreate, AlertOut, AlertUpdate, DeliveryOut, DeliveryPage, TestSendOut
from fairedge.api_schemas import BAD_BODY, NOT_FOUND, UNAVAILABLE, Responses, invalid
from fairedge.billing.access import AccessDep
from fairedge.deps import NowDep, PageDep, SessionDep, SettingsDep
from fairedge.users.deps import CurrentUser

router = APIRouter(prefix="/api/alerts", tags=["alerts"], responses=UNAVAILABLE)

AlertId = Annotated[int, Path(ge=1, le=2**62)]
OVER_CAP: Responses = {
    403: {"description": "The plan's alert count is reached (plan_limit); details give the allowance."}
}
REFUSED_URL = (
    "when the webhook URL is refused (production: not https, or to a loopback, private, link-local, "
)
REFUSED_URL += "multicast or reserved address, also after DNS resolution), or a filter applies to no kind"


@router.get("", response_model=list[AlertOut])
def list_alerts(
    user: CurrentUser, _access: AccessDep, session: SessionDep, settings: SettingsDep
) -> list[AlertOut]:
    """Your alerts, oldest first, with their filters (the web app matches the live stream against them)."""
    cipher = cipher_for(settings)
    return [AlertOut.build(a, cipher) for a in service.list_alerts(session, user.id)]


@router.post(
    "", status_code=201, response_model=AlertOut, responses=OVER_CAP | BAD_BODY | invalid(REFUSED_URL)
)
def create_alert(
    body: AlertCreate,
    user: CurrentUser,
    access: AccessDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> AlertOut:
    cipher = cipher_for(settings)
    alert = service.create_alert(
        session,
        user.id,
        access.plan,
        body.to_input(),
        policy=policy_for(settings),
        cipher=cipher,
        methods=settings.SCAN_DEVIG_METHODS,
        now=now,
    )
    return AlertOut.build(alert, cipher)


@router.get("/{alert_id}", response_model=AlertOut, responses=NOT_FOUND | invalid())
def get_alert(
    alert_id: AlertId, user: CurrentUser, _access: AccessDep, session: SessionDep, settings: SettingsDep
) -> AlertOut:
    return AlertOut.build(service.get_alert(session, user.id, alert_id), cipher_for(settings))


@router.patch("/{alert_id}", response_model=AlertOut, responses=NOT_FOUND | BAD_BODY | invalid(REFUSED_URL))
def update_alert(
    alert_id: AlertId,
    body: AlertUpdate,
    user: CurrentUser,
    _access: AccessDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> AlertOut:
    cipher = cipher_for(settings)
    alert = service.update_alert(
        session,
        user.id,
        alert_id,
        body.changes(),
        policy=policy_for(settings),
        cipher=cipher,
        methods=settings.SCAN_DEVIG_METHODS,
        now=now,
    )
    return AlertOut.build(alert, cipher)


@router.delete("/{alert_id}", status_code=204, responses=NOT_FOUND | invalid())
def delete_alert(alert_id: AlertId, user: CurrentUser, _access: AccessDep, session: SessionDep) -> Response:
    service.delete_alert(session, user.id, alert_id)
    return Response(status_code=204)


@router.post("/{alert_id}/pause", response_model=AlertOut, responses=NOT_FOUND | invalid())
def pause_alert(
    alert_id: AlertId,
    user: CurrentUser,
    _access: AccessDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> AlertOut:
    return AlertOut.build(service.pause_alert(session, user.id, alert_id, now=now), cipher_for(settings))


@router.post("/{alert_id}/resume", response_model=AlertOut, responses=NOT_FOUND | invalid())
def resume_alert(
    alert_id: AlertId,
    user: CurrentUser,
    access: AccessDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> AlertOut:
    """Active again; opportunities that appeared while it was paused are not sent."""
    alert = service.resume_alert(session, user.id, alert_id, access.plan, now=now)
    return AlertOut.build(alert, cipher_for(settings))


@router.post("/{alert_id}/test", response_model=TestSendOut, responses=NOT_FOUND | invalid())
def send_test(
    alert_id: AlertId,
    user: CurrentUser,
    _access: AccessDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> TestSendOut:
    """Post a test message to the webhook now and say what it answered (not a delivery: never pauses)."""
    result = service.send_test(
        session, user.id, alert_id, sender_for(settings), cipher_for(settings), now=now
    )
    return TestSendOut(
        ok=result.ok,
        status_code=result.status_code,
        error=result.error,
        duration_ms=round(result.seconds * 1000, 1),
    )


@router.get("/{alert_id}/deliveries", response_model=DeliveryPage, responses=NOT_FOUND | invalid())
def list_deliveries(
    alert_id: AlertId, user: CurrentUser, _access: AccessDep, session: SessionDep, page: PageDep
) -> DeliveryPage:
    """The alert's delivery log, newest first: status, attempts, last response code and error."""
    total, rows = service.deliveries(session, user.id, alert_id, offset=page.offset, limit=page.limit)
    return DeliveryPage(items=[DeliveryOut.build(d) for d in rows], page=page.meta(total))
