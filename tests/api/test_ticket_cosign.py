"""The second officer's consent (#17, §42): a decision naming two officers is complete only
once the other named officer consented to *this* decision from their own session
(`ticket_cosign {number, digest}`); the phone's word that the colleague agreed is not enough.
Before this, a ticket naming zf002 was `created` without zf002 ever being asked, and the
roster handed every teammate a crackable PBKDF2 verifier of each officer's monthly code."""
from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from backend import clock
from backend.tickets.consents import consent_digest, consent_message
from tests.api.test_one_door import numbers, ticket
from tests.api.test_sync import push, rec
from tests.conftest import assert_error


def cosign(number: str, payload: dict, **over) -> dict:
    return rec("ticket_cosign", {"number": number, "digest": consent_digest(payload), **over}, at=clock.now())


def new_key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(spki).decode()


def webcrypto_sign(key: ec.EllipticCurvePrivateKey, message: bytes) -> str:
    """What WebCrypto's ECDSA sign returns (raw r‖s), base64url without padding."""
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return base64.urlsafe_b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode().rstrip("=")


@pytest.fixture
def issued(client, demo, auth):
    """zf001 issues a decision naming zf002; returns (zf001, number, payload, ticket result)."""
    zf001 = auth.login("zf001")
    (number,) = numbers(client, zf001)
    payload = ticket(number)
    r = push(client, zf001, [rec("ticket", payload, at=clock.now())])[0]
    return zf001, number, payload, r


def test_a_decision_waits_for_the_named_second_officers_consent(client, auth, issued):
    zf001, number, payload, r = issued
    assert r["status"] == "incomplete" and r["code"] == "ticket.cosign_pending" and r["ref"] == number
    assert [p["username"] for p in r["details"]["pending"]] == ["zf002"]
    assert r["message"]["zh-CN"] and r["message"]["en"]
    boss = auth.login("zd001")
    waiting = next(i for i in client.get("/api/v1/sync/incomplete", headers=boss.headers).get_json()["items"] if i["ref"] == number)
    assert waiting["waiting_for"]["code"] == "ticket.cosign_pending" and waiting["age_s"] >= 0
    assert [p["username"] for p in waiting["waiting_for"]["pending"]] == ["zf002"]
    t = client.get(f"/api/v1/tickets/{number}", headers=zf001.headers).get_json()
    assert [p["name"] for p in t["cosign_pending"]] and t["consents"] == []
    # the console's figure names who is awaited, in words
    day = clock.local_today().isoformat()
    rows = client.get(f"/api/v1/supervision/stats/records_incomplete?from={day}&to={day}", headers=boss.headers).get_json()["items"]
    assert [r["awaiting_consent"] for r in rows if r["kind"] == "ticket"] == [t["cosign_pending"][0]["name"]]

    zf002 = auth.login("zf002")
    assert push(client, zf002, [cosign(number, payload)])[0]["status"] == "created"
    # the issuing phone's resend now hears the decision is complete; the supervisor's list is empty
    again = push(client, zf001, [dict(rec("ticket", payload, at=clock.now()), id=r["id"])])[0]
    assert again["status"] == "duplicate" and again["original_status"] == "created" and "code" not in again
    assert all(i["ref"] != number for i in client.get("/api/v1/sync/incomplete", headers=boss.headers).get_json()["items"])
    t = client.get(f"/api/v1/tickets/{number}", headers=zf001.headers).get_json()
    assert t["cosign_pending"] == [] and [c["matches"] for c in t["consents"]] == [True]


def test_a_consent_from_anyone_else_or_to_other_content_is_refused(client, auth, issued):
    zf001, number, payload, _ = issued
    r = push(client, auth.login("zf003"), [cosign(number, payload)])[0]  # not named on it
    assert r["status"] == "rejected" and r["code"] == "ticket.cosign_mismatch" and r["details"]["field"] == "number"
    r = push(client, zf001, [cosign(number, payload)])[0]  # the issuer cannot stand in for the second officer
    assert r["status"] == "rejected" and r["code"] == "ticket.cosign_mismatch"
    other = dict(payload, penalty={"kind": "fine", "amount_fen": 2000})  # what zf002 was shown is not what was sent
    zf002 = auth.login("zf002")
    r = push(client, zf002, [cosign(number, other)])[0]
    assert r["status"] == "rejected" and r["code"] == "ticket.cosign_mismatch" and r["details"]["field"] == "digest"
    r = push(client, auth.login("fz001"), [cosign(number, payload)])[0]  # auxiliaries never co-sign
    assert r["status"] == "rejected" and r["code"] == "auth.role_forbidden"
    r = push(client, zf002, [rec("ticket_cosign", {"number": number, "digest": consent_digest(payload).upper()}, at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "sync.bad_payload" and "digest" in r["details"]["fields"]
    # none of that consented: the decision still waits for zf002
    assert [p["username"] for p in client.get("/api/v1/sync/incomplete", headers=auth.login("zd001").headers).get_json()["items"][0]
            ["waiting_for"]["pending"]] == ["zf002"]
    # an officer of another street cannot even reach it
    r = push(client, auth.login("zf101"), [cosign(number, payload)])[0]
    assert r["status"] == "rejected" and r["code"] == "auth.other_jurisdiction"


def test_a_consent_that_arrives_first_waits_and_a_shared_phone_keeps_per_officer_sessions(client, demo, auth):
    zf001 = auth.login("zf001")
    (number,) = numbers(client, zf001)
    payload = ticket(number)
    zf002_here = auth.login("zf002", device_id=zf001.device_id)  # zf002's own session on zf001's phone (PIN-unlocked)
    early = cosign(number, payload)
    r = push(client, zf002_here, [early])[0]
    assert r["status"] == "rejected" and r["code"] == "ticket.cosign_no_decision" and r["retryable"] is True
    assert push(client, zf001, [rec("ticket", payload, at=clock.now())])[0]["code"] == "ticket.cosign_pending"
    assert push(client, zf002_here, [early])[0]["status"] == "created"  # the same record, sent again
    t = client.get(f"/api/v1/tickets/{number}", headers=zf001.headers).get_json()
    assert t["cosign_pending"] == [] and t["consents"][0]["officer_id"] == zf002_here.body["officer"]["id"]


def test_rest_and_sync_are_one_door_for_consent(client, auth, issued):
    zf001, number, payload, _ = issued
    zf002 = auth.login("zf002")
    other = consent_digest(dict(payload, facts="另一件事"))
    assert_error(client.post(f"/api/v1/tickets/{number}/cosign", json={"digest": other}, headers=zf002.headers), 422,
                 "ticket.cosign_mismatch")
    assert_error(client.post(f"/api/v1/tickets/{number}/cosign", json={"digest": consent_digest(payload)},
                             headers=auth.login("fz001").headers), 403, "auth.role_forbidden")
    assert_error(client.post(f"/api/v1/tickets/{number}/cosign", json={"digest": consent_digest(payload)},
                             headers=auth.login("zf003").headers), 403, "ticket.cosign_mismatch")
    resp = client.post(f"/api/v1/tickets/{number}/cosign", json={"digest": consent_digest(payload)}, headers=zf002.headers)
    assert resp.status_code == 201, resp.get_json()
    # the same consent by record is a resend, not a second consent
    assert push(client, zf002, [cosign(number, payload)])[0]["status"] == "created"
    assert len(client.get(f"/api/v1/tickets/{number}", headers=zf001.headers).get_json()["consents"]) == 1


def test_the_roster_carries_public_keys_and_nothing_crackable(client, demo, auth):
    zf002 = auth.login("zf002")
    key, spki = new_key()
    assert client.put("/api/v1/auth/session-key", json={"public_key": spki}, headers=zf002.headers).status_code == 200
    # once per login: a stolen access token cannot swap the key teammates trust
    _, other = new_key()
    assert_error(client.put("/api/v1/auth/session-key", json={"public_key": other}, headers=zf002.headers), 409,
                 "auth.session_key_set")
    rsa = base64.b64encode(b"\x30\x82" + b"\x00" * 60).decode()
    assert_error(client.put("/api/v1/auth/session-key", json={"public_key": rsa}, headers=auth.login("zf003").headers), 422,
                 "auth.bad_public_key")
    for who in ("zf001", "fz001", "zd001"):
        roster = {m["username"]: m for m in client.get("/api/v1/team", headers=auth.login(who).headers).get_json()["items"]}
        text = json.dumps(roster)
        assert "confirm" not in text and "salt" not in text and "hash" not in text and "device" not in text, who
        assert [k["public_key"] for k in roster["zf002"]["keys"]] == [spki]
    assert "confirm_code" not in client.get("/api/v1/me", headers=zf002.headers).get_json()


def test_a_signed_consent_is_checked_with_the_sessions_key(client, auth, issued):
    _, number, payload, _ = issued
    zf002 = auth.login("zf002")
    key, spki = new_key()
    client.put("/api/v1/auth/session-key", json={"public_key": spki}, headers=zf002.headers)
    digest = consent_digest(payload)
    forged, _ = new_key()  # a consent QR made with some other key
    r = push(client, zf002, [cosign(number, payload, signature=webcrypto_sign(forged, consent_message(number, digest)))])[0]
    assert r["status"] == "rejected" and r["code"] == "ticket.cosign_bad_signature"
    r = push(client, zf002, [cosign(number, payload, signature=webcrypto_sign(key, consent_message(number, digest)))])[0]
    assert r["status"] == "created"
    assert client.get(f"/api/v1/tickets/{number}", headers=zf002.headers).get_json()["consents"][0]["signed"] is True


def test_the_digest_is_of_the_payload_as_the_phone_sent_it():
    payload = {"b": 1, "a": {"z": "张三", "y": [1.5, None, True]}, "facts": "当事人\n\"引号\""}
    text = '{"a":{"y":[1.5,null,true],"z":"张三"},"b":1,"facts":"当事人\\n\\"引号\\""}'
    import hashlib

    assert consent_digest(payload) == hashlib.sha256(text.encode("utf-8")).hexdigest()
