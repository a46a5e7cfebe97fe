"""The case store: payments and the surcharge, pauses, general-procedure stages and deadlines."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from backend import clock
from backend.cases import deadlines
from backend.cases.models import Case
from backend.extensions import db
from tests.api.test_tickets import issue, lease
from tests.conftest import assert_error



def now() -> datetime:
    """Now on the product's clock (tests may have moved it: tests/conftest.py CLOCK_INSTANTS)."""
    return clock.now().replace(microsecond=0)


def _simple_case(app, client, auth, **over):
    phone = auth.login("zf001")
    number = lease(client, phone, 1)[0]
    issue(app, phone, number, **over)
    case = client.get("/api/v1/cases?procedure=simple", headers=phone.headers).get_json()["items"][-1]
    return phone, case


def test_payment_on_time_closes_the_case(app, client, at_any_hour, demo, auth):
    phone, case = _simple_case(app, client, auth)
    due = date.fromisoformat(case["payment_due"])
    resp = client.post(f"/api/v1/cases/{case['id']}/payments", headers=phone.headers,
                       json={"amount_fen": 15000, "channel": "e_payment", "paid_on": due.isoformat()})
    body = resp.get_json()
    assert resp.status_code == 200 and body["stage"] == "closed" and body["close_reason"] == "paid"
    assert [e["kind"] for e in body["events"]] == ["filed", "payment", "closed"]


def test_late_payment_owes_the_surcharge_and_stays_open_until_paid(app, client, demo, auth):
    phone, case = _simple_case(app, client, auth)
    due = date.fromisoformat(case["payment_due"])
    late = due + timedelta(days=2)  # 2 days late: 6 % of 150 yuan = 9 yuan
    first = client.post(f"/api/v1/cases/{case['id']}/payments", headers=phone.headers,
                        json={"amount_fen": 15000, "channel": "bank", "paid_on": late.isoformat()}).get_json()
    assert first["stage"] == "executing" and first["paid_fen"] == 15000
    err = assert_error(client.post(f"/api/v1/cases/{case['id']}/payments", headers=phone.headers,
                                   json={"amount_fen": 5000, "channel": "bank", "paid_on": late.isoformat()}), 422, "payment.too_much")
    assert err["details"]["surcharge_fen"] == 900 and err["details"]["owed_fen"] == 900
    done = client.post(f"/api/v1/cases/{case['id']}/payments", headers=phone.headers,
                       json={"amount_fen": 900, "channel": "bank", "paid_on": late.isoformat()}).get_json()
    assert done["stage"] == "closed"


def test_reconsideration_pauses_the_surcharge(app, client, demo, auth):
    phone, case = _simple_case(app, client, auth)
    due = date.fromisoformat(case["payment_due"])
    client.post(f"/api/v1/cases/{case['id']}/pauses", headers=phone.headers,
                json={"kind": "reconsideration", "start": (due + timedelta(days=1)).isoformat(), "end": (due + timedelta(days=10)).isoformat()})
    with app.app_context():
        from backend.cases.service import surcharge_due

        c = db.session.get(Case, case["id"])
        assert surcharge_due(c, due + timedelta(days=12)) == 15000 * 3 * 2 // 100  # only 2 of 12 late days count


def test_on_the_spot_cash_and_warnings_close_at_once(app, client, demo, auth):
    _, cash = _simple_case(app, client, auth, penalty={"kind": "fine", "amount_fen": 10000},
                           payment={"route": "on_the_spot", "receipt_number": "浙财 001"})
    assert cash["stage"] == "closed" and cash["paid_fen"] == 10000 and cash["close_reason"] == "paid_on_the_spot"
    _, warning = _simple_case(app, client, auth, matter_code="SR-009", penalty={"kind": "warning"},
                              issued_at=now() + timedelta(seconds=1))
    assert warning["stage"] == "closed" and warning["payment_due"] is None


# Worked by hand from the State Council's 2026 notice: (filing due: 3 working days, paying
# due: 15 days, moved off rest days). A server that took the UTC date would be a day early
# at 00:30; one that ignored 调休 would count the make-up Sunday as a rest day.
DUE_BY_HAND = {
    "0030-shanghai": ("2026-12-01", "2026-12-04", "2026-12-16"),  # Tue; UTC still says Mon 30 Nov
    "2330-shanghai": ("2026-12-04", "2026-12-09", "2026-12-21"),  # Fri night: over the weekend; 19 Dec is a Saturday
    "makeup-sunday": ("2026-09-20", "2026-09-23", "2026-10-08"),  # 5 Oct falls in 国庆 (1–7 Oct)
}


def test_filing_and_paying_deadlines_count_from_the_local_day_at_any_hour(app, client, at_any_hour, demo, auth, request):
    _, case = _simple_case(app, client, auth)
    instant = request.node.callspec.params["at_any_hour"]
    issued = at_any_hour.today()
    expected = DUE_BY_HAND.get(instant) or (issued.isoformat(), deadlines.add_working_days(issued, 3).isoformat(),
                                            deadlines.period_end(issued, 15).isoformat())
    assert (issued.isoformat(), case["filing_due"], case["payment_due"]) == expected
    assert abs(datetime.fromisoformat(case["opened_at"]) - at_any_hour.now()) < timedelta(minutes=1)  # the clock's instant


def test_a_general_case_is_proposed_then_moves_by_its_steps_not_by_stage_switches(app, client, demo, auth):
    officer = auth.login("zf001")
    opened = client.post("/api/v1/cases", headers=officer.headers,
                         json={"party_name": "某某餐饮有限公司", "matter_code": "HJ-003", "facts": "油烟超标排放"}).get_json()
    assert opened["procedure"] == "general" and opened["stage"] == "proposed"  # 立案 needs a supervisor's approval
    today = clock.local_today()
    assert opened["filing_due"] == deadlines.add_working_days(today, 7).isoformat()  # §54
    assert opened["decision_due"] is None  # the 90 days start when it is filed
    cid = opened["id"]
    assert_error(client.post(f"/api/v1/cases/{cid}/transitions", headers=officer.headers, json={"to": "decided"}), 409, "case.use_steps")
    # the first round's door still closes a case early, with its reason, through the closure step (a supervisor's)
    assert_error(client.post(f"/api/v1/cases/{cid}/transitions", headers=officer.headers, json={"to": "closed", "note": "不予立案"}),
                 403, "case.needs_supervisor")
    boss = auth.login("zd001")
    closed = client.post(f"/api/v1/cases/{cid}/transitions", headers=boss.headers, json={"to": "closed", "note": "经核查不构成违法"}).get_json()
    assert closed["stage"] == "closed" and closed["close_reason"] == "withdrawn"
    assert_error(client.post(f"/api/v1/cases/{cid}/transitions", headers=boss.headers, json={"to": "closed", "note": "x"}), 409, "case.closed")


def test_cases_are_scoped_to_the_street(app, client, demo, auth):
    _, case = _simple_case(app, client, auth)
    other = auth.login("zd101")
    assert client.get("/api/v1/cases", headers=other.headers).get_json()["items"] == []
    assert_error(client.get(f"/api/v1/cases/{case['id']}", headers=other.headers), 403, "auth.other_jurisdiction")
