"""Lawful decisions (#16) through the phone's door (`POST /api/v1/sync`): who may be punished,
where, and by whom. Each case here was accepted or refused wrongly by the independent
review before the rule was built; the same rules run on the phone (shared vectors in
backend/tickets/rule_vectors.json)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from backend import clock
from tests.api.test_one_door import numbers, pending_consent, ticket
from tests.api.test_sync import push, rec


@pytest.fixture
def zf001(demo, auth):
    return auth.login("zf001")


def issue(client, session, **over) -> dict:
    (number,) = numbers(client, session)
    return push(client, session, [rec("ticket", ticket(number, **over), at=clock.now())])[0]


def born_years_ago(years: int, days_before_birthday: int = 0) -> str:
    """A resident ID (valid check character) of someone whose `years`-th birthday is
    `days_before_birthday` days from today in Shanghai (0: today; 1: tomorrow, so still years − 1)."""
    from datetime import timedelta

    from backend.identity_numbers import resident_id_check_char

    today = clock.local_today()
    birthday = today + timedelta(days=days_before_birthday)
    try:
        born = birthday.replace(year=birthday.year - years)
    except ValueError:  # 29 February
        born = birthday.replace(year=birthday.year - years, day=28)
    body = f"330211{born:%Y%m%d}001"
    return body + resident_id_check_char(body)


def citizen(id_number: str, **more) -> dict:
    return {"type": "citizen", "name": "小明", "id_number": id_number, **more}


def test_a_place_outside_the_street_is_refused(client, zf001):
    r = issue(client, zf001, lat=39.9087, lon=116.3975)  # Tiananmen
    assert r["status"] == "rejected" and r["code"] == "ticket.place_outside_jurisdiction" and r["details"]["field"] == "place"
    r = issue(client, zf001, lat=29.97, lon=121.70)  # 招宝山, the neighbouring street
    assert r["code"] == "ticket.place_outside_jurisdiction"
    assert pending_consent(issue(client, zf001, lat=29.97, lon=121.62))


def test_a_child_under_14_is_not_fined_and_a_minor_is_fined_lightly(app, client, zf001):
    r = issue(client, zf001, party=citizen(born_years_ago(13)))
    assert r["code"] == "ticket.party_under_14"
    r = issue(client, zf001, party=citizen(born_years_ago(14, days_before_birthday=1)))  # 13 until tomorrow
    assert r["code"] == "ticket.party_under_14"
    # SR-001 (占道): 100–1,000 yuan for citizens; a minor's fine lies in the lower half (≤ 550)
    minor = born_years_ago(15)
    r = issue(client, zf001, party=citizen(minor), matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 15000})
    assert pending_consent(r)
    with app.app_context():
        from backend.extensions import db
        from backend.tickets.models import Ticket

        assert db.session.query(Ticket).filter_by(number=r["ref"]).one().circumstances == {"minor_age": 15}
        db.session.remove()


def test_a_minor_fine_above_the_lower_half_is_refused(client, zf001, app):
    """The mitigation rule on a matter whose upper half lies under the 200-yuan cap."""
    from backend.catalog.models import Matter
    from backend.extensions import db

    with app.app_context():
        m = db.session.query(Matter).filter_by(code="SR-001").one()
        m.citizen_min_fen, m.citizen_max_fen = 2000, 10000  # 20–100 yuan: the lower half ends at 60
        db.session.commit()
        db.session.remove()
    minor = born_years_ago(16)
    r = issue(client, zf001, party=citizen(minor), matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 8000})
    assert r["code"] == "ticket.not_mitigated"
    r = issue(client, zf001, party=citizen(minor), matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 1000})
    assert r["code"] == "ticket.reduction_reason_required" and r["details"]["field"] == "mitigation.reason"
    r = issue(client, zf001, party=citizen(minor), matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 1000},
              mitigation={"grounds": ["art32_1"], "reason": "当场清理，主动消除后果"})
    assert pending_consent(r)


def test_parties_documents_and_capacity(client, zf001):
    r = issue(client, zf001, party=citizen("11010519491231002X", capacity="none"))
    assert r["code"] == "ticket.party_not_responsible"
    ten = clock.local_today().replace(year=clock.local_today().year - 10, day=1).isoformat()
    r = issue(client, zf001, party=citizen("E12345678", id_type="passport", birth_date=ten))  # a passport carries no age
    assert r["code"] == "ticket.party_under_14"
    assert pending_consent(issue(client, zf001, party=citizen("E12345678", id_type="passport", birth_date="1980-05-05")))
    assert pending_consent(issue(client, zf001, party=citizen("810000198001010014", id_type="hmt_residence_permit")))
    r = issue(client, zf001, party=citizen("11010519491231002X", id_type="hmt_residence_permit"))
    assert r["code"] == "ticket.bad_id_document"
    r = issue(client, zf001, party=citizen("E1", id_type="library_card"))
    assert r["code"] == "sync.bad_payload" and "party" in r["details"]["fields"]


def test_a_sole_trader_has_the_citizens_cap_and_codes_are_upper_cased(app, client, zf001):
    shop = {"type": "organization", "name": "某某水果店", "credit_code": "92330211MA2H00001P"}
    r = issue(client, zf001, party=shop, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 30000})
    assert r["code"] == "ticket.amount_over_cap"
    company = {"type": "organization", "name": "某某有限公司", "credit_code": "91330211ma2h00002x"}
    r = issue(client, zf001, party=company, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 30000})
    assert pending_consent(r)
    with app.app_context():
        from backend.extensions import db
        from backend.tickets.models import Ticket

        assert db.session.query(Ticket).filter_by(number=r["ref"]).one().party_id_number == "91330211MA2H00002X"
        db.session.remove()
    r = issue(client, zf001, party={**company, "credit_code": "95330211MA2H00001E"})  # 工商 registers no category 5
    assert r["code"] == "ticket.bad_credit_code"


def test_a_certified_supervisor_may_be_the_second_officer_and_consents(client, zf001, auth):
    from backend.tickets.consents import consent_digest

    (number,) = numbers(client, zf001)
    payload = ticket(number, officers=["zf001", "zd001"])
    r = push(client, zf001, [rec("ticket", payload, at=clock.now())])[0]
    assert pending_consent(r) and [p["username"] for p in r["details"]["pending"]] == ["zd001"]
    consent = rec("ticket_cosign", {"number": number, "digest": consent_digest(payload)}, at=clock.now())
    assert push(client, auth.login("zd001"), [consent])[0]["status"] == "created"
    # an auxiliary still cannot be one of the two
    r = issue(client, zf001, officers=["zf001", "fz001"])
    assert r["code"] == "ticket.officer_not_certified"


def test_the_act_is_dated_apart_from_the_decision_and_time_bars_it(app, client, zf001):
    from datetime import timedelta

    from tests.api.test_sync import iso

    three_years = iso(clock.now() - timedelta(days=3 * 365 + 1))
    r = issue(client, zf001, violated_at=three_years)
    assert r["code"] == "ticket.time_barred" and r["details"]["field"] == "violation"
    assert pending_consent(issue(client, zf001, violated_at=three_years, serious_harm=True))  # §36: five years
    r = issue(client, zf001, violated_at=iso(clock.now() + timedelta(days=2)))
    assert r["code"] == "ticket.violation_after_decision"
    yesterday = clock.now() - timedelta(days=1)
    r = issue(client, zf001, violated_at=iso(yesterday))
    assert pending_consent(r)
    t = client.get(f"/api/v1/tickets/{r['ref']}", headers=zf001.headers).get_json()
    assert t["violated_at"][:16] == yesterday.isoformat()[:16] and t["issued_at"] != t["violated_at"]
    html = client.get(f"/api/v1/tickets/{r['ref']}/print?format=html", headers=zf001.headers).get_data(as_text=True)
    from backend.clock import LOCAL_TZ

    assert yesterday.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日 %H:%M") in html  # 违法时间, not the decision's


def test_what_may_be_decided_on_the_spot_and_how_it_is_named(client, zf001):
    """§51: confiscation by law closes a matter to simple procedure; a basis that requires a
    warning and a fine gets both; §34: the decision names its discretion tier."""
    r = issue(client, zf001, matter_code="HJ-002", penalty={"kind": "fine", "amount_fen": 20000})
    assert "ticket.other_penalty_required" in {x["code"] for x in r["details"]["refusals"]}
    r = issue(client, zf001, matter_code="SR-011", penalty={"kind": "fine", "amount_fen": 15000})
    assert r["code"] == "ticket.warning_and_fine_required"
    r = issue(client, zf001, matter_code="SR-011", penalty={"kind": "warning_fine", "amount_fen": 15000})
    assert pending_consent(r)
    html = client.get(f"/api/v1/tickets/{r['ref']}/print?format=html", headers=zf001.headers).get_data(as_text=True)
    assert "警告，并处罚款 人民币 150.00 元" in html
    # SR-001 citizens: 100–1,000 yuan in three bands (轻微 100–280, 一般 280–550, 较重 550–1,000)
    r = issue(client, zf001, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 15000, "tier": 2})
    assert r["code"] == "ticket.amount_outside_tier" and "280.00" in r["message"]["zh-CN"]
    r = issue(client, zf001, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 15000})
    t = client.get(f"/api/v1/tickets/{r['ref']}", headers=zf001.headers).get_json()
    assert t["penalty_tier"]["name"] == "轻微" and t["penalty_tier"]["level"] == 1  # recorded though not chosen
    html = client.get(f"/api/v1/tickets/{r['ref']}/print?format=html", headers=zf001.headers).get_data(as_text=True)
    assert "裁量基准：轻微" in html


def test_filing_deadlines_are_configured_per_domain(app, client, zf001, monkeypatch):
    from backend.cases import deadlines
    from tests.api.test_one_door import case_of

    monkeypatch.setitem(app.config, "FILING_WORKING_DAYS_BY_DOMAIN", {"市容环卫": 5})
    r = issue(client, zf001, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 15000})
    case = case_of(client, zf001, r["ref"])
    issued = clock.local_today()
    assert case["filing_due"] == deadlines.add_working_days(issued, 5).isoformat()
    r = issue(client, zf001, matter_code="LH-001")  # 园林绿化: the default
    assert "ref" in r, r
    assert case_of(client, zf001, r["ref"])["filing_due"] == deadlines.add_working_days(issued, 3).isoformat()


def test_a_province_may_treat_sole_traders_as_organisations(app, client, zf001, monkeypatch):
    monkeypatch.setitem(app.config, "INDIVIDUAL_BUSINESS_AS_CITIZEN", False)
    assert client.get("/api/v1/rules", headers=zf001.headers).get_json()["rules"]["individual_business_as_citizen"] is False
    shop = {"type": "organization", "name": "某某水果店", "credit_code": "92330211MA2H00001P"}
    r = issue(client, zf001, party=shop, matter_code="SR-001", penalty={"kind": "fine", "amount_fen": 30000})
    assert pending_consent(r)  # the organisation's cap and range


def test_a_fine_that_presupposes_an_ignored_order_names_the_order(client, zf001):
    """浙江省城市市容和环境卫生管理条例 §17 ¶3 (SR-001): 责令限期改正；逾期不改正的，可以处…罚款 —
    no fine on the spot without the order, nor before its deadline passed; the paper names it."""
    today = clock.local_today()
    FINE_150 = {"kind": "fine", "amount_fen": 15000}
    r = issue(client, zf001, matter_code="SR-001", penalty=FINE_150, prior_order=None)
    assert r["code"] == "ticket.prior_order_required" and r["details"]["field"] == "prior_order.ordered_on"
    running = {"ordered_on": (today - timedelta(days=3)).isoformat(), "deadline": today.isoformat(), "reference": "蛟综执责改〔2026〕3号"}
    r = issue(client, zf001, matter_code="SR-001", penalty=FINE_150, prior_order=running)
    assert r["code"] == "ticket.prior_order_not_due" and today.isoformat() in r["message"]["zh-CN"]
    r = issue(client, zf001, matter_code="SR-001", penalty=FINE_150, prior_order={**running, "deadline": (today - timedelta(days=1)).isoformat()})
    assert pending_consent(r), r
    t = client.get(f"/api/v1/tickets/{r['ref']}", headers=zf001.headers).get_json()
    assert t["prior_order"]["precondition"] == "责令限期改正，逾期不改正" and "当事人逾期不改正（蛟综执责改〔2026〕3号）" in t["prior_order_text"]
    # 拒不改正 (SR-018, §16 ¶3): the order, no deadline; a fine at once elsewhere needs none (SR-004)
    r = issue(client, zf001, matter_code="SR-018", prior_order={"ordered_on": today.isoformat()}, penalty={"kind": "fine", "amount_fen": 3000})
    assert pending_consent(r), r
    r = issue(client, zf001, matter_code="SR-004", prior_order=None, penalty={"kind": "fine", "amount_fen": 3000})
    assert pending_consent(r), r
    assert client.get(f"/api/v1/tickets/{r['ref']}", headers=zf001.headers).get_json()["prior_order"] is None


def test_the_reviewed_demo_catalog_follows_its_basis(client, zf001):
    """The rows reviewed against the texts (docs/tickets.md): articles, ranges, warnings and
    what is closed to simple procedure because its minimum lies above the caps."""
    m = {x["code"]: x for x in client.get("/api/v1/matters", headers=zf001.headers).get_json()["items"]}
    assert m["SR-004"]["ranges"]["citizen"] == {"min_fen": 2000, "max_fen": 5000} and "第三十二条" in m["SR-004"]["legal_basis"]
    assert m["SR-004"]["precondition"] == "" and m["SR-004"]["warning_allowed"] is False
    assert m["SR-006"]["simple_procedure"] is False and m["SR-006"]["ranges"]["organization"]["min_fen"] == 1_000_000
    assert m["HJ-007"]["simple_procedure"] is False and "第六十三条" in m["HJ-007"]["legal_basis"]
    assert "第五十条" in m["SZ-004"]["penalty_basis"] and m["SZ-001"]["warning_allowed"] is False
    assert m["SR-009"]["ranges"] == {"citizen": None, "organization": None} and m["SR-009"]["warning_allowed"] is True
    order_first = {c for c, x in m.items() if x["precondition"]}
    assert order_first == {"SR-001", "SR-002", "SR-003", "SR-005", "SR-006", "SR-007", "SR-008", "SR-017", "SR-018"}
