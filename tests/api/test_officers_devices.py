"""Officer and device management: cursor paging, creation, certificates."""
from __future__ import annotations

from tests.conftest import assert_error


def test_officers_are_paged_with_a_cursor_and_scoped_to_the_street(client, demo, auth):
    s = auth.login("zd001")
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/officers?limit=4" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=s.headers).get_json()
        assert set(body) == {"items", "next"}
        assert len(body["items"]) <= 4
        seen += [o["username"] for o in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages >= 3
    assert len(seen) == len(set(seen))  # no row twice
    assert "zf001" in seen and "zd001" in seen
    assert not any(u.startswith(("zf1", "zd1")) for u in seen)  # 招宝山 officers are not listed
    assert "admin" not in seen  # the district admin belongs to no street


def test_paging_stays_correct_when_rows_are_added_between_pages(app, client, demo, auth):
    from backend.auth import service

    s = auth.login("zd001")
    first = client.get("/api/v1/officers?limit=3", headers=s.headers).get_json()
    with app.app_context():
        service.create_officer(username="late1", name="新人", role="auxiliary", password="abc12345", jurisdiction_id=1)
    rest, cursor = [], first["next"]
    while cursor:
        body = client.get(f"/api/v1/officers?limit=3&cursor={cursor}", headers=s.headers).get_json()
        rest += [o["username"] for o in body["items"]]
        cursor = body["next"]
    names = [o["username"] for o in first["items"]] + rest
    assert len(names) == len(set(names)) and "late1" in names


def test_admin_creates_an_officer_with_a_certificate_who_can_then_log_in(client, demo, auth):
    admin = auth.login("admin")
    resp = client.post(
        "/api/v1/officers",
        headers=admin.headers,
        json={
            "username": "zf009", "name": "新队员", "role": "officer", "password": "s3cure-pass",
            "jurisdiction_id": 1,
            "certificate": {"number": "浙综执 33021100409", "domains": ["市容环卫"], "valid_from": "2026-01-01", "valid_until": "2029-12-31"},
        },
    )
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert created["certificates"][0]["domains"] == ["市容环卫"]
    me = client.get("/api/v1/me", headers=auth.login("zf009", password="s3cure-pass").headers).get_json()
    assert me["can_decide_penalties"] is True


def test_officer_creation_refusals(client, demo, auth):
    admin = auth.login("admin")
    base = {"username": "xx001", "name": "某人", "role": "officer", "password": "s3cure-pass", "jurisdiction_id": 1}
    assert_error(client.post("/api/v1/officers", headers=admin.headers, json={**base, "username": "zf001"}), 409, "officer.username_taken")
    assert_error(client.post("/api/v1/officers", headers=admin.headers, json={**base, "password": "onlyletters"}), 422, "officer.weak_password")
    assert_error(client.post("/api/v1/officers", headers=admin.headers, json={**base, "jurisdiction_id": None}), 422, "officer.jurisdiction_required")
    aux_with_cert = {**base, "role": "auxiliary", "certificate": {"number": "X1", "domains": ["市容环卫"], "valid_from": "2026-01-01", "valid_until": "2027-01-01"}}
    assert_error(client.post("/api/v1/officers", headers=admin.headers, json=aux_with_cert), 422, "officer.auxiliary_no_certificate")
    dup_cert = {**base, "certificate": {"number": "浙综执 33021100401", "domains": ["市容环卫"], "valid_from": "2026-01-01", "valid_until": "2027-01-01"}}
    assert_error(client.post("/api/v1/officers", headers=admin.headers, json=dup_cert), 409, "certificate.number_taken")
    assert_error(client.post("/api/v1/officers", headers=admin.headers, json={**base, "role": "boss"}), 422, "validation_error")


def test_devices_list_shows_who_used_a_phone_and_revocation(client, demo, auth):
    phone = auth.login("zf001")
    boss = auth.login("zd001")
    client.post(f"/api/v1/devices/{phone.device_id}/revoke", json={"reason": "丢失"}, headers=boss.headers)
    items = client.get("/api/v1/devices", headers=boss.headers).get_json()["items"]
    row = next(d for d in items if d["device_id"] == phone.device_id)
    assert row["revoked"] is True and row["revoked_reason"] == "丢失"
    assert row["last_officer_id"] == phone.body["officer"]["id"]
    assert_error(client.post("/api/v1/devices/dev-unknown-1/revoke", json={"reason": "x"}, headers=boss.headers), 404, "device.not_found")


def test_team_roster_has_certificates_and_no_personal_data(client, demo, auth):
    a = auth.login("zf001")
    team = client.get("/api/v1/team", headers=a.headers).get_json()["items"]
    names = {m["username"] for m in team}
    assert {"zf001", "zf002", "fz001", "zd001"} <= names and "zf101" not in names  # own street only
    assert all("phone" not in m and "confirm" not in m for m in team)
    zf002 = next(m for m in team if m["username"] == "zf002")
    assert zf002["certificates"] and zf002["keys"] == []  # no session key registered yet (tests/api/test_ticket_cosign.py)


def test_a_certificate_that_ended_yesterday_is_not_valid_at_half_past_midnight(app, client, clock_control, demo, auth):
    """Validity is counted in local days: at 00:30 on 1 December (still 30 November in UTC)
    a certificate valid until 30 November has lapsed."""
    from datetime import date

    from backend.auth import service
    from backend.auth.models import Certificate, Officer
    from backend.extensions import db

    clock_control.set("2026-12-01T00:30:00+08:00")
    with app.app_context():
        officer = db.session.query(Officer).filter_by(username="zf002").one()
        db.session.query(Certificate).filter_by(officer_id=officer.id).update({"valid_until": date(2026, 11, 30)})
        db.session.commit()
        assert service.valid_certificate(officer) is None
        db.session.remove()
    me = client.get("/api/v1/me", headers=auth.login("zf002").headers).get_json()
    assert me["certificate"] is None and me["can_decide_penalties"] is False
