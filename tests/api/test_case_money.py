"""Money after the decision (#16): cash taken on the spot is handed in within 2 working days
(§71), flagged when late; on the party's application a supervisor defers the payment or
splits it into instalments (§66), and the surcharge runs from the new dates."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend import clock
from backend.cases import deadlines
from tests.api.test_one_door import case_of, numbers, ticket
from tests.api.test_sync import push, rec
from tests.conftest import assert_error


@pytest.fixture
def zf001(demo, auth):
    return auth.login("zf001")


def decide(client, session, **over) -> str:
    (number,) = numbers(client, session)
    push(client, session, [rec("ticket", ticket(number, **over), at=clock.now())])
    return number


def test_cash_is_handed_in_within_two_working_days_and_late_hand_ins_stay_flagged(client, zf001, auth, clock_control):
    clock_control.set("2026-12-03T10:00:00+08:00")  # a Thursday: due Monday 7 December
    zf001 = auth.login("zf001")
    number = decide(client, zf001, payment={"route": "on_site", "receipt_no": "浙财 0099"})
    case = case_of(client, zf001, number)
    assert case["cash"]["hand_in_due"] == "2026-12-07" and case["cash"]["handed_in_on"] is None and not case["cash"]["late"]
    clock_control.set("2026-12-08T10:00:00+08:00")
    zf001 = auth.login("zf001")
    case = case_of(client, zf001, number)
    assert case["cash"]["late"] and "cash_hand_in" in case["overdue"]
    path = f"/api/v1/cases/{case['id']}/cash-hand-in"
    assert_error(client.post(path, json={"handed_in_on": "2026-12-08", "receipt": "JC-缴-001"}, headers=auth.login("zf003").headers),
                 403, "case.not_yours")  # a colleague who did not take it
    assert_error(client.post(path, json={"handed_in_on": "2026-12-01", "receipt": "JC-缴-001"}, headers=zf001.headers), 422,
                 "case.bad_hand_in")
    body = client.post(path, json={"handed_in_on": "2026-12-08", "receipt": "JC-缴-001"}, headers=zf001.headers).get_json()
    assert body["cash"]["handed_in_on"] == "2026-12-08" and body["cash"]["late"] and "cash_hand_in" in body["overdue"]
    assert_error(client.post(path, json={"handed_in_on": "2026-12-08", "receipt": "x"}, headers=zf001.headers), 409, "case.cash_handed_in")


def test_a_deferral_moves_the_surcharge_and_instalments_are_late_on_their_own(client, zf001, auth):
    number = decide(client, zf001, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 15000})
    case = case_of(client, zf001, number)
    due = date.fromisoformat(case["payment_due"])
    path = f"/api/v1/cases/{case['id']}/payment-plan"
    assert_error(client.post(path, json={"kind": "deferral", "until": (due + timedelta(days=30)).isoformat(), "reason": "经济困难"},
                             headers=zf001.headers), 403, "auth.role_forbidden")
    boss = auth.login("zd001")
    assert_error(client.post(path, json={"kind": "deferral", "until": due.isoformat(), "reason": "经济困难"}, headers=boss.headers),
                 422, "case.bad_deferral")
    assert_error(client.post(path, json={"kind": "instalments", "parts": [{"due": (due + timedelta(days=10)).isoformat(), "amount_fen": 5000},
                                                                             {"due": (due + timedelta(days=40)).isoformat(), "amount_fen": 5000}],
                                         "reason": "经济困难"}, headers=boss.headers), 422, "case.bad_instalments")  # 100 of 150 yuan
    until = due + timedelta(days=30)
    body = client.post(path, json={"kind": "deferral", "until": until.isoformat(), "reason": "当事人申请：经济困难"}, headers=boss.headers)
    assert body.status_code == 200 and body.get_json()["payment_plan"]["until"] == until.isoformat()

    from backend.cases import service
    from backend.cases.models import Case
    from backend.extensions import db

    with client.application.app_context():
        row = db.session.get(Case, case["id"])
        assert service.surcharge_due(row, until) == 0  # nothing late before the deferred date
        assert service.surcharge_due(row, until + timedelta(days=2)) == deadlines.surcharge_fen(15000, until, until + timedelta(days=2))
        # instalments: 100 yuan due in 10 days, 50 in 40; 100 paid, the second part alone runs late
        parts = [{"due": (due + timedelta(days=10)).isoformat(), "amount_fen": 10000},
                 {"due": (due + timedelta(days=40)).isoformat(), "amount_fen": 5000}]
        row.payment_plan = {"kind": "instalments", "parts": parts}
        on = due + timedelta(days=45)
        assert service.surcharge_due(row, on) == deadlines.surcharge_fen(10000, due + timedelta(days=10), on) + \
            deadlines.surcharge_fen(5000, due + timedelta(days=40), on)
        row.paid_fen = 10000
        assert service.surcharge_due(row, on) == deadlines.surcharge_fen(5000, due + timedelta(days=40), on)
        db.session.rollback()
