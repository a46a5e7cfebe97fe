"""The working-day calendar as data (#16): a decision whose payment period runs into a year
without its State Council notice is due on a provisional date — shown as such, never the
start of a surcharge — until an administrator loads the notice; then every open case is
counted again. By REST and by `flask holidays load`."""
from __future__ import annotations

import json

import pytest

from backend import clock
from tests.api.test_one_door import case_of, numbers, ticket
from tests.api.test_sync import push, rec
from tests.conftest import assert_error

NOTICE_2027 = {  # a notice for the test (the statutory floor, 1–4 January rested, Saturday 9 January worked)
    "holidays": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04", "2027-02-05", "2027-02-06", "2027-02-07",
                 "2027-02-08", "2027-04-05", "2027-05-01", "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01",
                 "2027-10-02", "2027-10-03"],
    "workdays": ["2027-01-09"], "source": "测试用 2027 年节假日安排",
}


@pytest.fixture
def late_december(clock_control, demo):
    clock_control.set("2026-12-17T10:00:00+08:00")
    return clock_control


def test_a_due_date_in_a_year_without_its_notice_is_provisional_until_the_notice_is_loaded(client, late_december, auth):
    zf001 = auth.login("zf001")
    (number,) = numbers(client, zf001)
    push(client, zf001, [rec("ticket", ticket(number, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 15000}),
                             at=clock.now())])
    case = case_of(client, zf001, number)
    assert case["payment_due"] == "2027-01-04" and case["deadlines_provisional"] == ["payment_due"]  # never 1 January
    boss, admin = auth.login("zd001"), auth.login("admin")
    years = {y["year"]: y for y in client.get("/api/v1/holiday-calendar", headers=boss.headers).get_json()["items"]}
    assert years[2026]["source"] == "package" and years[2027]["source"] == "statutory" and years[2027]["provisional"]

    late_december.set("2027-02-01T10:00:00+08:00")
    zf001, boss, admin = auth.login("zf001"), auth.login("zd001"), auth.login("admin")  # six weeks on: new tokens
    case = case_of(client, zf001, number)
    assert case["surcharge_fen"] == 0  # no surcharge counted from a date a notice could still move

    # only an administrator loads a notice, and only a sound one
    assert_error(client.put("/api/v1/holiday-calendar/2027", json=NOTICE_2027, headers=boss.headers), 403, "auth.role_forbidden")
    short = dict(NOTICE_2027, holidays=NOTICE_2027["holidays"][:-1])  # 3 October left out
    assert_error(client.put("/api/v1/holiday-calendar/2027", json=short, headers=admin.headers), 422, "holidays.statutory_missing")
    weekday = dict(NOTICE_2027, workdays=["2027-01-11"])
    assert_error(client.put("/api/v1/holiday-calendar/2027", json=weekday, headers=admin.headers), 422, "holidays.workday_not_weekend")
    other = dict(NOTICE_2027, workdays=["2028-01-08"])
    assert_error(client.put("/api/v1/holiday-calendar/2027", json=other, headers=admin.headers), 422, "holidays.other_year")
    assert case_of(client, zf001, number)["deadlines_provisional"] == ["payment_due"]  # refused loads changed nothing

    resp = client.put("/api/v1/holiday-calendar/2027", json=NOTICE_2027, headers=admin.headers)
    assert resp.status_code == 200 and resp.get_json()["recomputed_cases"] >= 1
    case = case_of(client, zf001, number)
    assert case["payment_due"] == "2027-01-05" and case["deadlines_provisional"] == []
    assert case["surcharge_fen"] == 15000 * 3 * 27 // 100  # 6 January to 1 February, from the settled date
    years = {y["year"]: y for y in client.get("/api/v1/holiday-calendar", headers=boss.headers).get_json()["items"]}
    assert years[2027]["source"] == "notice" and years[2027]["notice"] == NOTICE_2027["source"]


def test_the_cli_loads_a_notice_from_a_file(app, demo, tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, **NOTICE_2027}, ensure_ascii=False), encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["holidays", "load", str(path)])
    assert out.exit_code == 0 and "loaded 2027" in out.output, out.output
    shown = app.test_cli_runner().invoke(args=["holidays", "show"]).output
    assert "2027: notice" in shown
    path.write_text(json.dumps({"year": 2027, **NOTICE_2027, "holidays": ["2027-01-01"]}), encoding="utf-8")
    bad = app.test_cli_runner().invoke(args=["holidays", "load", str(path)])
    assert bad.exit_code == 1 and "holidays.statutory_missing" in bad.output
