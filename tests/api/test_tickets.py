"""Ticket books, issuing tickets against the law and the books, printing, verification."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from backend import clock
from backend.auth.models import Officer
from backend.errors import ApiError
from backend.extensions import db
from backend.tickets import service
from tests.conftest import assert_error



def now() -> datetime:
    """Now on the product's clock (tests may have moved it: tests/conftest.py CLOCK_INSTANTS)."""
    return clock.now().replace(microsecond=0)


def officer(username: str) -> Officer:
    return db.session.query(Officer).filter_by(username=username).one()


def lease(client, session, count=5) -> list[str]:
    resp = client.post("/api/v1/ticket-books", json={"count": count}, headers=session.headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["numbers"]


PRIOR_ORDER = {"ordered_on": "2024-06-01", "deadline": "2024-06-08", "reference": "蛟综执责改〔2024〕7号"}


def proposal(**over):
    p = {
        "party": {"type": "citizen", "name": "张三", "id_number": "11010519491231002X", "address": "蛟川街道某路 1 号"},
        "matter_code": "SR-001", "facts": "超出店门在人行道摆放水果经营，占用道路约 6 平方米，经责令限期改正逾期未改正",
        "place": {"lat": 29.97, "lon": 121.62, "accuracy": 6, "text": "蛟川街道某路与某街交叉口"},
        "penalty": {"kind": "fine", "amount_fen": 15000}, "payment": {"route": "bank"},
        "signature": {"refused_note": None, "sha256": "ab" * 32}, "photos": [], "statement": {"informed": True, "said": ""},
        # SR-001 fines only a correction overdue (浙江省城市市容和环境卫生管理条例 §17 ¶3)
        "prior_order": PRIOR_ORDER,
    }
    p.update(over)
    return p


def issue(app, session, number, username="zf001", co="zf002", issued_at=None, ticket_id=None, subject=None, **over):
    with app.app_context():
        lead, mate = officer(username), officer(co)
        p = proposal(**over)
        p.setdefault("officer_ids", [lead.id, mate.id])
        if "officer_ids" in over:
            p["officer_ids"] = over["officer_ids"]
        ticket, created = service.issue_ticket(ticket_id=ticket_id or str(uuid.uuid4()), number=number, identity_officer=lead,
                                               device_id=session.device_id, issued_at=issued_at or now(), captured_at=issued_at or now(),
                                               proposal=p, subject=subject)
        return ticket.number, created


@pytest.fixture
def phone(demo, auth):
    return auth.login("zf001")


def test_lease_numbers_in_order_with_the_street_format(client, at_any_hour, phone, auth):
    numbers = lease(client, phone, 3)
    year = at_any_hour.today().year  # the local year (the first hours of 1 January are still last year in UTC)
    assert numbers == [f"蛟川综执简〔{year}〕第{n:06d}号" for n in (1, 2, 3)]
    more = lease(client, phone, 2)
    assert more[0].endswith("第000004号")
    books = client.get("/api/v1/ticket-books", headers=phone.headers).get_json()["items"]
    assert [b["outstanding"] for b in books] == [3, 2]
    other_phone = auth.login("zf002")
    assert client.get("/api/v1/ticket-books", headers=other_phone.headers).get_json()["items"] == []
    # another street counts on its own
    zbs = lease(client, auth.login("zf101"), 1)
    assert zbs[0] == f"招宝山综执简〔{year}〕第000001号"
    assert_error(client.post("/api/v1/ticket-books", json={"count": 0}, headers=phone.headers), 422, "validation_error")
    assert_error(client.post("/api/v1/ticket-books", json={"count": 5}, headers=auth.login("fz001").headers), 403, "auth.role_forbidden")


def test_a_lawful_ticket_is_stored_frozen_filed_and_audited(app, client, at_any_hour, phone):
    number = lease(client, phone, 1)[0]
    assert issue(app, phone, number) == (number, True)
    t = client.get(f"/api/v1/tickets/{number}", headers=phone.headers).get_json()
    assert t["status"] == "issued" and t["penalty"] == {"kind": "fine", "amount_fen": 15000}
    assert "城市市容和环境卫生管理条例" in t["matter"]["legal_basis"]
    assert [o["certificate"] for o in t["officers"]] == ["浙综执 33021100401", "浙综执 33021100402"]
    assert "六十日内" in t["rights_notice"]
    cases = client.get("/api/v1/cases?procedure=simple", headers=phone.headers).get_json()["items"]
    assert len(cases) == 1 and cases[0]["ticket_id"] == t["id"] and cases[0]["stage"] == "executing"
    assert cases[0]["filing_due"] and cases[0]["payment_due"] and cases[0]["overdue"] == []
    with app.app_context():
        from backend.audit.service import entries_for

        assert [e.action for e in entries_for("ticket", number)] == ["ticket.issued"]
    book = client.get("/api/v1/ticket-books", headers=phone.headers).get_json()["items"][0]
    assert book["used"] == 1 and book["status"][number] == "used"


def test_same_ticket_again_is_a_duplicate_and_changed_content_conflicts(app, client, phone):
    number = lease(client, phone, 1)[0]
    tid, at = str(uuid.uuid4()), now()  # the same record sent again: the same time too
    assert issue(app, phone, number, ticket_id=tid, issued_at=at)[1] is True
    assert issue(app, phone, number, ticket_id=tid, issued_at=at)[1] is False
    with pytest.raises(ApiError) as exc:
        issue(app, phone, number, ticket_id=tid, issued_at=at, facts="改过的事实")
    assert exc.value.code == "ticket.conflict"


@pytest.mark.parametrize("case", ["reused", "foreign", "unknown", "expired", "voided", "other_street"])
def test_numbers_must_come_from_this_devices_live_book_and_be_unused(app, client, demo, auth, case):
    phone = auth.login("zf001")
    numbers = lease(client, phone, 3)
    number = numbers[0]
    if case == "reused":
        issue(app, phone, number)
        code = "ticket.number_used"
    elif case == "foreign":
        number = lease(client, auth.login("zf003"), 1)[0]
        code = "ticket.number_other_device"
    elif case == "unknown":
        number = "蛟川综执简〔2026〕第999999号"
        code = "ticket.number_unknown"
    elif case == "expired":
        from backend.tickets.models import TicketBook

        with app.app_context():
            db.session.query(TicketBook).update({"expires_at": now() - timedelta(days=1)})
            db.session.commit()
        code = "ticket.number_expired"
    elif case == "voided":
        client.post(f"/api/v1/ticket-numbers/{number}/void", json={"reason": "填写错误，纸张作废"}, headers=phone.headers)
        code = "ticket.number_voided"
    else:
        zbs_phone = auth.login("zf101")
        number = lease(client, zbs_phone, 1)[0]
        code = "ticket.number_other_device"
    with pytest.raises(ApiError) as exc:
        issue(app, phone, number, ticket_id=str(uuid.uuid4()))
    assert exc.value.code == code


def test_an_unlawful_ticket_lists_every_refusal_and_leaves_the_number_unused(app, client, phone):
    number = lease(client, phone, 1)[0]
    with pytest.raises(ApiError) as exc:
        issue(app, phone, number, co="fz001", penalty={"kind": "fine", "amount_fen": 30000})
    codes = {r["code"] for r in exc.value.details["refusals"]}
    assert codes == {"ticket.amount_over_cap", "ticket.officer_not_certified"}
    book = client.get("/api/v1/ticket-books", headers=phone.headers).get_json()["items"][0]
    assert book["status"][number] == "outstanding"


def test_the_sender_must_be_one_of_the_officers(app, client, phone):
    number = lease(client, phone, 1)[0]
    with app.app_context():
        others = [officer("zf002").id, officer("zf003").id]
    with pytest.raises(ApiError) as exc:
        issue(app, phone, number, officer_ids=others)
    assert exc.value.code == "ticket.sender_not_officer"


def test_first_violation_leniency_only_once_per_party_and_matter(app, client, phone):
    """§33: no penalty is a 不予行政处罚决定书 of its own; the earlier one counts as a prior."""
    a, b = lease(client, phone, 2)
    fixed = "当事人已当场撤除摊位"
    issue(app, phone, a, penalty={"kind": "education"}, correction=fixed)
    with pytest.raises(ApiError) as exc:
        issue(app, phone, b, penalty={"kind": "education"}, correction=fixed, issued_at=now() + timedelta(seconds=2))
    assert exc.value.code == "ticket.not_first_violation"
    html = client.get(f"/api/v1/tickets/{a}/print?format=html", headers=phone.headers).get_data(as_text=True)
    assert "<h1>不予行政处罚决定书</h1>" in html and "首违不罚" in html and fixed in html and "缴款" not in html
    t = client.get(f"/api/v1/tickets/{a}", headers=phone.headers).get_json()
    assert t["no_penalty_ground"] == "art33_1_first" and t["correction"] == fixed


def test_prior_violations_come_from_the_register_with_its_merged_duplicates(app, client, demo, auth):
    """A shop decided under one register entry, merged later into another, is no first
    violator under the survivor either; the phone's register carries the prior matter."""
    from backend.subjects import service as subjects
    from backend.subjects.models import Subject

    phone, boss = auth.login("zf001"), auth.login("zd001")
    a, b, c = lease(client, phone, 3)
    with app.app_context():
        street = officer("zf001").jurisdiction_id
        old = subjects.resolve(street, subject_id=None, name="老王水果店", address="蛟川街道某路 3 号")
        new = subjects.resolve(street, subject_id=None, name="王记水果店", address="蛟川街道某路3号")
        db.session.commit()
    # a 个体工商户 without a credit code: its operator is the party; the register knows the shop
    shop = {"type": "citizen", "name": "王某", "id_number": "330206198001011230", "individual_business": True, "address": "蛟川街道某路 3 号"}
    fixed = "当事人已当场撤除摊位"
    issue(app, phone, a, party=shop, subject={"id": old, "credit_code": None}, penalty={"kind": "education"}, correction=fixed)
    with app.app_context():
        assert db.session.query(service.Ticket).filter_by(number=a).one().subject_id == old
    rows = client.get("/api/v1/subjects/register", headers=phone.headers).get_json()
    priors = rows["columns"].index("priors")
    assert {r[0]: r[priors] for r in rows["rows"]}[old] == ["SR-001"]
    assert client.post(f"/api/v1/subjects/{old}/merge", json={"into": new}, headers=boss.headers).status_code == 200
    rows = client.get("/api/v1/subjects/register", headers=phone.headers).get_json()
    assert {r[0]: r[priors] for r in rows["rows"]} == {new: ["SR-001"]}  # the duplicate's decision now counts for the survivor
    with pytest.raises(ApiError) as exc:
        # the shop taken over by the operator's wife: another ID number, the same register subject
        issue(app, phone, b, party={**shop, "name": "李某", "id_number": "330211198505052029"}, subject={"id": new, "credit_code": None},
              penalty={"kind": "education"},
              correction=fixed, issued_at=now() + timedelta(seconds=2))
    assert exc.value.code == "ticket.not_first_violation"
    history = client.get(f"/api/v1/subjects/{new}", headers=boss.headers).get_json()["history"]
    assert [t["number"] for t in history["tickets"]] == [a]
    # another matter is still a first violation; a company named by its credit code joins the register
    code = "91330206MA2AAAAA07"
    issue(app, phone, c, party={"type": "organization", "name": "宁波某某餐饮有限公司", "credit_code": code, "id_number": code},
          subject={"id": None, "credit_code": code}, issued_at=now() + timedelta(seconds=3))
    with app.app_context():
        assert db.session.query(Subject).filter_by(credit_code=code).one().id == db.session.query(service.Ticket).filter_by(number=c).one().subject_id
    with pytest.raises(ApiError) as exc:  # a subject of no street of this officer's is refused, naming the field
        issue(app, phone, lease(client, phone, 1)[0], party=shop, subject={"id": 10**6, "credit_code": None})
    assert exc.value.code == "subject.not_found" and exc.value.details["field"] == "subject_id"


def test_voiding_and_reissuing_keeps_both(app, client, demo, auth):
    phone = auth.login("zf001")
    first, second = lease(client, phone, 2)
    issue(app, phone, first)
    resp = client.post(f"/api/v1/ticket-numbers/{first}/void", json={"reason": "当事人姓名写错"}, headers=phone.headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "voided"
    issue(app, phone, second, replaces_number=first, party={"type": "citizen", "name": "张山", "id_number": "11010519491231002X"})
    old = client.get(f"/api/v1/tickets/{first}", headers=phone.headers).get_json()
    new = client.get(f"/api/v1/tickets/{second}", headers=phone.headers).get_json()
    assert old["status"] == "voided" and old["voided_reason"] == "当事人姓名写错"
    assert new["status"] == "issued" and new["replaces_number"] == first
    cases = {c["ticket_id"]: c for c in client.get("/api/v1/cases", headers=phone.headers).get_json()["items"]}
    assert cases[old["id"]]["stage"] == "closed" and cases[old["id"]]["close_reason"] == "voided"
    assert_error(client.post(f"/api/v1/ticket-numbers/{second}/void", json={"reason": "x"}, headers=auth.login("zd101").headers),
                 403, "auth.other_jurisdiction")


def test_book_report_counts_used_voided_outstanding_and_missing(app, client, demo, auth):
    phone = auth.login("zf001")
    numbers = lease(client, phone, 5)
    issue(app, phone, numbers[0])
    client.post(f"/api/v1/ticket-numbers/{numbers[1]}/void", json={"reason": "打印卡纸"}, headers=phone.headers)
    boss = auth.login("zd001")
    report = client.get("/api/v1/ticket-books/report", headers=boss.headers).get_json()["items"][0]
    assert (report["used"], report["voided"], report["outstanding"], report["missing"]) == (1, 1, 3, 0)
    from backend.tickets.models import TicketBook

    with app.app_context():
        db.session.query(TicketBook).update({"expires_at": now() - timedelta(minutes=1)})
        db.session.commit()
    report = client.get("/api/v1/ticket-books/report", headers=boss.headers).get_json()["items"][0]
    assert (report["used"], report["voided"], report["outstanding"], report["missing"]) == (1, 1, 0, 3)


def test_printed_html_and_pdf_render_chinese_with_a_verifying_qr(app, client, phone):
    number = lease(client, phone, 1)[0]
    issue(app, phone, number)
    html = client.get(f"/api/v1/tickets/{number}/print?format=html&paper=80mm", headers=phone.headers)
    assert html.headers["Content-Type"].startswith("text/html")
    text = html.get_data(as_text=True)
    assert "当场行政处罚决定书" in text and number in text and "150.00" in text and "80mm" in text
    pdf = client.get(f"/api/v1/tickets/{number}/print?format=pdf", headers=phone.headers)
    assert pdf.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.get_data()))
    extracted = "".join(page.extract_text() for page in reader.pages)
    assert "当场行政处罚决定书" in extracted and "张三" in extracted and "150.00" in extracted
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]

    def embedded(font) -> bool:
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        return "/FontDescriptor" in font and "/FontFile2" in font["/FontDescriptor"].get_object()

    assert any(embedded(f) for f in fonts)  # the CJK font travels with the PDF
    image = next(img for page in reader.pages for img in page.images)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))
    t = client.get(f"/api/v1/tickets/{number}", headers=phone.headers).get_json()
    assert decoded and decoded[0].text.endswith(t["verify_path"].replace(number, __import__("urllib.parse").parse.quote(number)))
    narrow = client.get(f"/api/v1/tickets/{number}/print?format=pdf&paper=58mm", headers=phone.headers)
    assert "当场行政处罚决定书" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(narrow.get_data())).pages)


def test_public_verification_page_masks_the_name(app, client, phone):
    number = lease(client, phone, 1)[0]
    issue(app, phone, number)
    path = client.get(f"/api/v1/tickets/{number}", headers=phone.headers).get_json()["verify_path"]
    page = client.get(path)  # no token: public
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "有效" in body and "张*" in body and "张三" not in body and "11010519491231002X" not in body
    as_json = client.get(path, headers={"Accept": "application/json"}).get_json()
    assert as_json["party"] == "张*" and as_json["amount_fen"] == 15000 and as_json["status"] == "issued"
    assert client.get(path[:-1] + ("0" if path[-1] != "0" else "1")).status_code == 404


def test_rule_table_endpoint(client, phone):
    body = client.get("/api/v1/rules", headers=phone.headers).get_json()
    assert body["rules"]["caps_fen"] == {"citizen": 20000, "organization": 300000}
    assert "复议" in body["rights_notice"]


def test_publication_lists_masked_decisions_and_withdrawal_is_recorded(app, client, demo, auth):
    phone = auth.login("zf001")
    a, b = lease(client, phone, 2)
    issue(app, phone, a, publish=True)
    issue(app, phone, b, issued_at=now() + timedelta(seconds=1),
          party={"type": "organization", "name": "某某餐饮有限公司", "id_number": "91350100M000100Y43"})
    listed = client.get("/public/decisions", headers={"Accept": "application/json"}).get_json()["items"]
    assert [d["number"] for d in listed] == [a] and listed[0]["party"] == "张*"
    boss = auth.login("zd001")
    client.post(f"/api/v1/tickets/{b}/publication", json={"publish": True}, headers=boss.headers)
    page = client.get("/public/decisions").get_data(as_text=True)
    assert "某某餐饮有限公司" in page and "张*" in page and "张三" not in page
    assert_error(client.post(f"/api/v1/tickets/{b}/publication", json={"publish": False}, headers=boss.headers), 422,
                 "ticket.withdraw_reason_required")
    withdrawn = client.post(f"/api/v1/tickets/{b}/publication", json={"publish": False, "reason": "复议撤销"}, headers=boss.headers)
    assert withdrawn.get_json()["publication"]["withdrawn_reason"] == "复议撤销"
    # voiding a published decision withdraws it too
    client.post(f"/api/v1/ticket-numbers/{a}/void", json={"reason": "撤销"}, headers=phone.headers)
    public = client.get("/public/decisions", headers={"Accept": "application/json"}).get_json()
    assert public["items"] == []
    # §48: the withdrawal and its reason are public too (no party data)
    gone = {d["number"]: d for d in public["withdrawn"]}
    assert gone[b]["reason"] == "复议撤销" and gone[a]["reason"] == "决定已撤销（作废）：撤销" and "party" not in gone[a]
    page = client.get("/public/decisions").get_data(as_text=True)
    assert "已撤回的公示" in page and "复议撤销" in page
    with app.app_context():
        from backend.audit.service import entries_for

        assert [e.action for e in entries_for("ticket", b)] == ["ticket.issued", "ticket.published", "ticket.publication_withdrawn"]


def test_only_the_deciding_officers_or_a_supervisor_may_void_a_decision(app, client, demo, auth):
    """A colleague of the same street cannot void someone else's ticket (insider threat)."""
    phone = auth.login("zf001")
    a, b = lease(client, phone, 2)
    issue(app, phone, a)  # zf001 + zf002 decided it
    issue(app, phone, b, co="zf003")
    colleague = auth.login("zf002")
    assert_error(client.post(f"/api/v1/ticket-numbers/{b}/void", json={"reason": "x"}, headers=colleague.headers), 403, "ticket.not_yours")
    assert client.post(f"/api/v1/ticket-numbers/{a}/void", json={"reason": "写错"}, headers=colleague.headers).status_code == 200
    assert client.post(f"/api/v1/ticket-numbers/{b}/void", json={"reason": "写错"}, headers=auth.login("zd001").headers).status_code == 200


def test_the_partys_id_number_and_phone_are_masked_for_those_who_do_not_need_them(app, client, demo, auth):
    phone = auth.login("zf001")
    (number,) = lease(client, phone, 1)
    party = {"type": "citizen", "name": "张三", "id_number": "11010519491231002X", "address": "某路 1 号", "phone": "13812345678"}
    issue(app, phone, number, party=party)
    full = {"id_number": "11010519491231002X", "phone": "13812345678"}
    masked = {"id_number": "1101************2X", "phone": "138****5678"}
    for username, expected in (("zf001", full), ("zf002", full), ("zd001", full), ("zf003", masked), ("admin", masked)):
        body = client.get(f"/api/v1/tickets/{number}", headers=auth.login(username).headers).get_json()
        assert {k: body["party"][k] for k in expected} == expected, username
