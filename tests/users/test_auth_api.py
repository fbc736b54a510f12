"""Accounts over HTTP on a real database: registration, sessions, keys, roles, plans and revocation."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import structlog
from sqlalchemy import select
from structlog.testing import capture_logs

from accounts_env import PASSWORD, Env, bearer
from factories import T0
from fairedge.users.models import AuditEvent, User, UserRoleChange


def test_registration_needs_a_verified_address_before_login(env: Env) -> None:
    client = env.client
    assert (
        client.post("/api/auth/register", json={"email": "Ann@Example.com", "password": PASSWORD}).status_code
        == 202
    )
    refused = client.post("/api/auth/login", json={"email": "ann@example.com", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"]["details"]["reason"] == "email_not_verified"
    token = env.token_from_mail("ann@example.com", "verify")
    verified = client.post("/api/auth/verify-email", json={"token": token})
    assert verified.status_code == 200 and verified.json()["email_verified"] is True
    assert client.post("/api/auth/verify-email", json={"token": token}).status_code == 422  # single use
    me = client.get("/api/me", headers=bearer(env.login("ann@example.com"))).json()
    assert me["user"]["email"] == "ann@example.com" and me["plan"]["name"] == "free"
    # Registering again answers the same, and mails the owner instead of creating anything.
    again = client.post("/api/auth/register", json={"email": "ann@example.com", "password": PASSWORD + "!"})
    assert again.status_code == 202
    assert env.outbox.messages(to="ann@example.com")[-1]["Subject"] == "You already have a FairEdge account"


def test_bad_input_is_a_422_never_a_500(env: Env) -> None:
    client = env.client
    assert (
        client.post("/api/auth/register", json={"email": "not-an-email", "password": PASSWORD}).status_code
        == 422
    )
    short = client.post("/api/auth/register", json={"email": "a@example.com", "password": "short"})
    assert short.status_code == 422 and short.json()["error"]["code"] == "validation_error"
    same = client.post("/api/auth/register", json={"email": "abcdefghij@x.io", "password": "abcdefghij@x.io"})
    assert same.status_code == 422
    assert client.post("/api/auth/verify-email", json={"token": "x" * 40}).status_code == 422


def test_wrong_password_is_401_and_logs_auth_failed_with_ip_never_the_password(env: Env) -> None:
    env.signup("bob@example.com")
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        answer = env.client.post(
            "/api/auth/login", json={"email": "bob@example.com", "password": "wrong-password-123"}
        )
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    failures = [line for line in logs if line["event"] == "auth_failed"]
    assert (
        failures and failures[0]["client_ip"] == "testclient" and failures[0]["reason"] == "bad_credentials"
    )
    assert "wrong-password-123" not in json.dumps(logs, default=str)


def test_refresh_rotates_and_reuse_revokes_the_family(env: Env) -> None:
    first = env.signup("cy@example.com")
    second = env.client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    reused = env.client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "refresh_token_reused"
    # The revocation stands although the answer was an error: the rotated token of the family is dead too.
    after = env.client.post("/api/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    # Another login (another family) is untouched.
    assert (
        env.client.post(
            "/api/auth/refresh", json={"refresh_token": env.login("cy@example.com")["refresh_token"]}
        ).status_code
        == 200
    )


def test_web_session_cookie_needs_the_csrf_header(env: Env) -> None:
    env.signup("dee@example.com")
    tokens = env.login("dee@example.com", use_cookie=True)
    assert tokens["refresh_token"] is None
    cookies = env.client.cookies
    assert cookies.get("fairedge_refresh") and cookies.get("fairedge_csrf")
    assert env.client.post("/api/auth/refresh").status_code == 403  # no X-CSRF-Token
    wrong = env.client.post("/api/auth/refresh", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = env.client.post("/api/auth/refresh", headers={"X-CSRF-Token": cookies["fairedge_csrf"]})
    assert ok.status_code == 200 and ok.json()["refresh_token"] is None
    assert (
        "httponly" in ok.headers["set-cookie"].lower()
        and "samesite=strict" in ok.headers["set-cookie"].lower()
    )
    out = env.client.post("/api/auth/logout", headers={"X-CSRF-Token": env.client.cookies["fairedge_csrf"]})
    assert out.status_code == 204


def test_jwt_key_rotation_logs_nobody_out_and_the_old_key_retires(env: Env) -> None:
    tokens = env.signup("eve@example.com")
    old_kid = _kid(tokens["access_token"])
    new_kid = env.runtime.accounts.signer.rotate(cache_seconds=0)
    assert new_kid != old_kid
    assert env.client.get("/api/me", headers=bearer(tokens)).status_code == 200  # signed with the old key
    fresh = env.login("eve@example.com")
    assert _kid(fresh["access_token"]) == new_kid
    # Past the longest access-token lifetime the old key is retired and its tokens are refused.
    env.clock.advance(16 * 60)
    assert env.client.get("/api/me", headers=bearer(tokens)).status_code == 401
    refreshed = env.client.post("/api/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).json()
    assert env.client.get("/api/me", headers=bearer(refreshed)).status_code == 200


def _kid(token: str) -> str:
    import jwt

    kid = jwt.get_unverified_header(token)["kid"]
    assert isinstance(kid, str)
    return kid


def test_forged_and_expired_tokens_are_refused(env: Env) -> None:
    import jwt

    tokens = env.signup("fay@example.com")
    forged = jwt.encode(
        {"sub": "1", "ver": 1, "iat": T0, "exp": T0 + timedelta(hours=1), "typ": "access"},
        "a" * 64,
        algorithm="HS256",
        headers={"kid": _kid(tokens["access_token"])},
    )
    assert env.client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    none_alg = jwt.encode({"sub": "1"}, key=None, algorithm="none")  # type: ignore[arg-type]
    assert env.client.get("/api/me", headers={"Authorization": f"Bearer {none_alg}"}).status_code == 401
    env.clock.advance(15 * 60 + 11)
    assert env.client.get("/api/me", headers=bearer(tokens)).status_code == 401


def test_api_keys_need_a_plan_that_includes_them_and_are_shown_once(env: Env) -> None:
    tokens = env.signup("gus@example.com")
    free = env.client.post("/api/keys", json={"name": "laptop"}, headers=bearer(tokens))
    assert free.status_code == 403 and free.json()["error"]["code"] == "plan_limit"
    env.grant("gus@example.com", "pro")
    created = env.client.post("/api/keys", json={"name": "laptop"}, headers=bearer(tokens))
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("fe_") and created.json()["prefix"] == key[:11]
    listed = env.client.get("/api/keys", headers=bearer(tokens)).json()
    assert [k["name"] for k in listed] == ["laptop"] and "key" not in listed[0]
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        assert env.client.get("/api/opportunities", headers=headers).status_code == 200
    # A key reaches data, not the account: it cannot mint more keys.
    assert env.client.post("/api/keys", json={"name": "x"}, headers={"X-API-Key": key}).status_code == 403
    revoked = env.client.delete(f"/api/keys/{created.json()['id']}", headers=bearer(tokens))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert env.client.get("/api/opportunities", headers={"X-API-Key": key}).status_code == 401
    with env.session_factory() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "api_key_created" in actions and "api_key_revoked" in actions and "plan_granted" in actions


def test_one_user_cannot_touch_another_users_key(env: Env) -> None:
    owner = env.signup("hal@example.com")
    env.grant("hal@example.com", "pro")
    key_id = env.client.post("/api/keys", json={"name": "k"}, headers=bearer(owner)).json()["id"]
    other = env.signup("ivy@example.com")
    assert env.client.delete(f"/api/keys/{key_id}", headers=bearer(other)).status_code == 404
    assert env.client.get("/api/keys", headers=bearer(other)).json() == []
    assert env.client.get("/api/keys", headers=bearer(owner)).json()[0]["revoked_at"] is None


def test_admin_routes_are_for_admins_and_role_changes_are_audited(env: Env) -> None:
    user = env.signup("jo@example.com")
    assert env.client.get("/api/admin/users", headers=bearer(user)).status_code == 403
    assert env.client.get("/api/admin/audit", headers=bearer(user)).status_code == 403
    admin = env.admin()
    users = env.client.get("/api/admin/users", headers=bearer(admin)).json()["items"]
    jo = next(u for u in users if u["email"] == "jo@example.com")
    assert jo["plan"] == "free"
    changed = env.client.patch(
        f"/api/admin/users/{jo['id']}", json={"role": "analyst", "reason": "staff"}, headers=bearer(admin)
    )
    assert changed.status_code == 200 and changed.json()["role"] == "analyst"
    with env.session_factory() as session:
        row = session.scalars(
            select(UserRoleChange)
            .where(UserRoleChange.user_id == jo["id"])
            .order_by(UserRoleChange.id.desc())
        ).first()
    assert row is not None and (row.old_role, row.new_role, row.reason) == ("user", "analyst", "staff")
    audit = env.client.get(
        "/api/admin/audit", params={"action": "role_changed"}, headers=bearer(admin)
    ).json()
    assert audit["items"][0]["user_id"] == jo["id"]
    # The last admin cannot demote themself.
    me = env.client.get("/api/me", headers=bearer(admin)).json()["user"]["id"]
    assert (
        env.client.patch(f"/api/admin/users/{me}", json={"role": "user"}, headers=bearer(admin)).status_code
        == 409
    )


def test_disabling_a_user_ends_sessions_and_keys_at_once(env: Env) -> None:
    tokens = env.signup("kim@example.com")
    env.grant("kim@example.com", "pro")
    key = env.client.post("/api/keys", json={"name": "k"}, headers=bearer(tokens)).json()["key"]
    admin = env.admin()
    user_id = env.client.get("/api/me", headers=bearer(tokens)).json()["user"]["id"]
    assert (
        env.client.patch(
            f"/api/admin/users/{user_id}", json={"disabled": True}, headers=bearer(admin)
        ).status_code
        == 200
    )
    assert env.client.get("/api/me", headers=bearer(tokens)).status_code == 401
    assert (
        env.client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )
    assert env.client.get("/api/opportunities", headers={"X-API-Key": key}).status_code == 401
    refused = env.client.post("/api/auth/login", json={"email": "kim@example.com", "password": PASSWORD})
    assert refused.status_code == 403


def test_password_change_and_reset_end_every_other_session(env: Env) -> None:
    laptop = env.signup("lee@example.com")
    phone = env.login("lee@example.com")
    changed = env.client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
        headers=bearer(laptop),
    )
    assert changed.status_code == 200
    assert env.client.get("/api/me", headers=bearer(phone)).status_code == 401
    assert (
        env.client.post("/api/auth/refresh", json={"refresh_token": phone["refresh_token"]}).status_code
        == 401
    )
    assert env.client.get("/api/me", headers=bearer(changed.json())).status_code == 200  # this client stays
    # Reset by mail: the answer never says whether the address exists.
    assert (
        env.client.post("/api/auth/password-reset", json={"email": "nobody@example.com"}).status_code == 202
    )
    assert env.client.post("/api/auth/password-reset", json={"email": "lee@example.com"}).status_code == 202
    token = env.token_from_mail("lee@example.com", "reset")
    confirmed = env.client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "new_password": "third time lucky!"}
    )
    assert confirmed.status_code == 200
    assert env.client.get("/api/me", headers=bearer(changed.json())).status_code == 401
    env.login("lee@example.com", "third time lucky!")


def test_production_answers_401_without_credentials_but_health_stays_open(
    make_env: Callable[..., Env],
) -> None:
    env = make_env(ANONYMOUS_PLAN="none")
    refused = env.client.get("/api/opportunities")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert env.client.get("/health").status_code == 200
    tokens = env.signup("max@example.com")
    assert env.client.get("/api/opportunities", headers=bearer(tokens)).status_code == 200


def test_the_plan_rate_limit_answers_429_with_headers(make_env: Callable[..., Env]) -> None:
    env = make_env(ANONYMOUS_PLAN="free", RATE_LIMIT_FREE="3/minute")
    answers = [env.client.get("/api/opportunities") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Limit"] == "3" and answers[2].headers["RateLimit-Remaining"] == "0"
    refused = answers[3]
    assert int(refused.headers["Retry-After"]) >= 1 and refused.json()["error"]["code"] == "rate_limited"
    # A logged-in user has a bucket of their own; their refusal names them and the endpoint in the log.
    tokens = env.signup("ned@example.com")
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        codes = [env.client.get("/api/events", headers=bearer(tokens)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    exceeded = [line for line in logs if line["event"] == "rate_limit_exceeded"]
    assert exceeded and exceeded[0]["endpoint"] == "/api/events" and exceeded[0]["user_id"] is not None


def test_failed_logins_are_throttled_before_the_hash(make_env: Callable[..., Env]) -> None:
    env = make_env(RATE_LIMIT_LOGIN_FAILURES="2/minute")
    env.signup("oz@example.com")
    codes = [
        env.client.post(
            "/api/auth/login", json={"email": "oz@example.com", "password": "wrong password!"}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [401, 401, 429]
    # Even the right password waits now: the account is throttled, whoever asks.
    assert (
        env.client.post("/api/auth/login", json={"email": "oz@example.com", "password": PASSWORD}).status_code
        == 429
    )


def test_oauth2_password_form_for_the_docs(env: Env) -> None:
    env.signup("pia@example.com")
    answer = env.client.post("/api/auth/token", data={"username": "pia@example.com", "password": PASSWORD})
    assert answer.status_code == 200 and answer.json()["token_type"] == "bearer"


def test_request_log_line_names_the_user(env: Env) -> None:
    tokens = env.signup("quin@example.com")
    with capture_logs() as logs:
        env.client.get("/api/opportunities", headers=bearer(tokens))
    lines = [line for line in logs if line["event"] == "request"]
    user_ids = {line.get("user_id") for line in lines}
    with env.session_factory() as session:
        uid = session.scalar(select(User.id).where(User.email == "quin@example.com"))
    assert uid in user_ids, json.dumps(lines, default=str)


def test_a_key_stops_when_the_plan_no_longer_includes_keys(env: Env) -> None:
    tokens = env.signup("rex@example.com")
    env.grant("rex@example.com", "pro")
    key = env.client.post("/api/keys", json={"name": "k"}, headers=bearer(tokens)).json()["key"]
    env.grant("rex@example.com", "free")  # the grant replaced: a downgrade
    refused = env.client.get("/api/opportunities", headers={"X-API-Key": key})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "plan_limit"
    me = env.client.get("/api/me", headers=bearer(tokens)).json()
    assert me["plan"]["name"] == "free" and me["api_keys"] == {"live": 1, "allowed": 0}


def test_me_needs_a_login_and_shows_usage(env: Env) -> None:
    assert env.client.get("/api/me").status_code == 401  # the local plan has no user to show
    tokens = env.signup("sam@example.com")
    env.client.get("/api/opportunities", headers=bearer(tokens))
    me = env.client.get("/api/me", headers=bearer(tokens)).json()
    assert me["requests"]["limit"] == 60 and me["requests"]["remaining"] < 60 and me["requests"]["known"]
    assert me["grant"] is None and me["plan"]["rate_limit"] == "60/minute"


def test_an_enabled_user_can_log_in_again(env: Env) -> None:
    tokens = env.signup("tia@example.com")
    admin = env.admin()
    user_id = env.client.get("/api/me", headers=bearer(tokens)).json()["user"]["id"]
    for disabled in (True, False):
        answer = env.client.patch(
            f"/api/admin/users/{user_id}", json={"disabled": disabled}, headers=bearer(admin)
        )
        assert answer.status_code == 200 and answer.json()["disabled"] is disabled
    env.login("tia@example.com")
    audit = env.client.get("/api/admin/audit", params={"user_id": user_id}, headers=bearer(admin)).json()
    assert {"user_disabled", "user_enabled"} <= {item["action"] for item in audit["items"]}
