"""Login, refresh, logout, device revocation and login rate limits."""
from __future__ import annotations

import pytest

from backend import clock
from backend.auth import tokens
from tests.conftest import assert_error
from tests.redis_server import limiter_storage  # noqa: F401  (the rate-limit tests run on memory and on Redis)


def test_login_returns_tokens_officer_and_device(client, demo, auth):
    s = auth.login("zf001")
    assert s.body["token_type"] == "Bearer"
    assert s.body["expires_in"] == 900
    assert s.body["officer"]["username"] == "zf001"
    assert s.body["officer"]["role"] == "officer"
    assert s.body["device"]["device_id"] == s.device_id
    assert "password" not in s.body["officer"] and "password_hash" not in s.body["officer"]
    me = client.get("/api/v1/me", headers=s.headers)
    assert me.status_code == 200
    assert me.get_json()["officer"]["username"] == "zf001"


def test_wrong_password_and_unknown_user_get_the_same_refusal(client, demo):
    for body in (
        {"username": "zf001", "password": "wrong-pass", "device_id": "dev-aaaaaaaa"},
        {"username": "nobody", "password": "demo1234", "device_id": "dev-aaaaaaaa"},
    ):
        assert_error(client.post("/api/v1/auth/login", json=body), 401, "auth.invalid_credentials")


def test_inactive_officer_cannot_log_in(app, client, demo):
    from backend.auth.models import Officer
    from backend.extensions import db

    with app.app_context():
        db.session.query(Officer).filter_by(username="zf002").update({"active": False})
        db.session.commit()
    resp = client.post("/api/v1/auth/login", json={"username": "zf002", "password": "demo1234", "device_id": "dev-bbbbbbbb"})
    assert_error(resp, 401, "auth.invalid_credentials")


def test_requests_without_or_with_bad_tokens_are_refused(client, demo, app):
    assert_error(client.get("/api/v1/me"), 401, "auth.required")
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}), 401, "auth.token_invalid")
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "auth.required")
    forged = tokens.issue_access_token("another-secret-of-at-least-32-bytes!!", 1, "sid", "dev", 60)
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401, "auth.token_invalid")


def test_expired_access_token_is_refused_and_refresh_gets_a_new_one(app, client, demo, auth):
    s = auth.login("zf001")
    with app.app_context():
        claims = tokens.decode_access_token(app.config["SECRET_KEY"], s.access_token)
        expired = tokens.issue_access_token(app.config["SECRET_KEY"], int(claims["sub"]), claims["sid"], s.device_id, -120)
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"}), 401, "auth.token_expired")
    resp = client.post("/api/v1/auth/refresh", json={"refresh_token": s.refresh_token})
    assert resp.status_code == 200
    fresh = resp.get_json()
    assert fresh["refresh_token"] != s.refresh_token
    assert fresh["session_id"] == s.body["session_id"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_session(client, demo, auth):
    s = auth.login("zf001")
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": s.refresh_token}).get_json()
    # the old token comes back (a copied token): the whole session is cut
    assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": s.refresh_token}), 401, "auth.refresh_reused")
    assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401, "auth.session_revoked")
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {first['access_token']}"}), 401, "auth.session_revoked")


def test_garbage_refresh_tokens_are_refused(client, demo):
    for token in ("x", "no-dot", "abc.def", "." * 5):
        resp = client.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert resp.status_code == 401, token


def test_logout_ends_only_this_device_session(client, demo, auth):
    phone = auth.login("zf001")
    tablet = auth.login("zf001")
    assert client.post("/api/v1/auth/logout", headers=phone.headers).status_code == 204
    assert_error(client.get("/api/v1/me", headers=phone.headers), 401, "auth.session_revoked")
    assert client.get("/api/v1/me", headers=tablet.headers).status_code == 200


def test_supervisor_revokes_a_lost_phone_and_it_is_cut_off_at_once(client, demo, auth):
    phone = auth.login("zf001")
    boss = auth.login("zd001")
    resp = client.post(f"/api/v1/devices/{phone.device_id}/revoke", json={"reason": "手机丢失"}, headers=boss.headers)
    assert resp.status_code == 200
    assert resp.get_json()["revoked"] is True
    # the still-unexpired access token stops working, refresh too, and so does a new login
    assert_error(client.get("/api/v1/me", headers=phone.headers), 401, "device.revoked")
    assert_error(client.post("/api/v1/auth/refresh", json={"refresh_token": phone.refresh_token}), 401, "device.revoked")
    resp = client.post("/api/v1/auth/login", json={"username": "zf002", "password": "demo1234", "device_id": phone.device_id})
    assert_error(resp, 403, "device.revoked")
    # other phones are unaffected
    assert client.get("/api/v1/me", headers=boss.headers).status_code == 200


def test_supervisor_cannot_revoke_another_streets_device(client, demo, auth):
    other = auth.login("zf101")
    boss = auth.login("zd001")
    resp = client.post(f"/api/v1/devices/{other.device_id}/revoke", json={"reason": "x"}, headers=boss.headers)
    assert_error(resp, 403, "auth.other_jurisdiction")
    assert client.get("/api/v1/me", headers=other.headers).status_code == 200


def test_a_device_of_one_street_cannot_be_used_to_log_in_to_another(client, demo, auth):
    s = auth.login("zf001")
    resp = client.post("/api/v1/auth/login", json={"username": "zf101", "password": "demo1234", "device_id": s.device_id})
    assert_error(resp, 403, "device.other_jurisdiction")


@pytest.mark.usefixtures("limiter_storage")
def test_login_is_rate_limited_per_username_on_failures(client, demo):
    body = {"username": "zf002", "password": "wrong-pass", "device_id": "dev-cccccccc"}
    codes = [client.post("/api/v1/auth/login", json=body).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    err = assert_error(client.post("/api/v1/auth/login", json=body), 429, "rate_limited")
    assert err["details"]
    resp = client.post("/api/v1/auth/login", json=body)
    assert resp.headers.get("Retry-After")
    # another username from the same address is still served (until the address limit)
    ok = client.post("/api/v1/auth/login", json={"username": "zf001", "password": "demo1234", "device_id": "dev-dddddddd"})
    assert ok.status_code == 200


@pytest.mark.usefixtures("limiter_storage")
def test_login_is_rate_limited_per_address(client, demo):
    statuses = []
    for i in range(11):
        body = {"username": f"user{i}", "password": "x", "device_id": "dev-eeeeeeee"}
        statuses.append(client.post("/api/v1/auth/login", json=body).status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_successful_logins_do_not_lock_an_officer_out(client, demo, auth):
    for _ in range(6):
        auth.login("zd001")


def test_password_rehash_keeps_login_working(app, client, demo, auth):
    from backend.auth.models import Officer
    from backend.extensions import db
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("demo1234")
    with app.app_context():
        db.session.query(Officer).filter_by(username="zf001").update({"password_hash": weak})
        db.session.commit()
    auth.login("zf001")
    with app.app_context():
        upgraded = db.session.query(Officer).filter_by(username="zf001").one().password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    auth.login("zf001")


def test_access_token_lifetime_is_short(app, demo, auth):
    s = auth.login("zf001")
    with app.app_context():
        claims = tokens.decode_access_token(app.config["SECRET_KEY"], s.access_token)
    assert 0 < claims["exp"] - clock.now().timestamp() <= app.config["ACCESS_TOKEN_TTL"] + 5
