"""Cases from the field, on the phone, offline: an inspection that found a violation opens a
case in the same save; a ticket the rules refuse on the spot becomes a 立案申请 in one tap;
once filed, the officer adds a 询问笔录 to the case from 我的案件, offline too."""
from __future__ import annotations

from backend.cases.models import Case
from tests.browser.conftest import expect, go_offline, go_online, login, wait_for_service_worker, wait_synced
from tests.browser.test_officer_app import _fill_ticket, photo_file


def _cases(app) -> list[dict]:
    from backend.extensions import db

    with app.app_context():
        out = [{"id": c.id, "stage": c.stage, "source": c.source_kind, "inspection": c.inspection_id, "handlers": c.handler_ids,
                "steps": [s.kind for s in c.steps], "matter": c.matter_code}
               for c in db.session.query(Case).filter_by(procedure="general").order_by(Case.id)]
        db.session.remove()
        return out


def test_an_officer_opens_cases_from_the_field_and_adds_a_questioning_record_offline(page, context, server, app, client, auth,
                                                                                      tmp_path):
    page.goto("/")
    login(page)
    wait_for_service_worker(page)
    go_offline(context, page)

    # 1. an inspection that found a violation, followed by a case: one save sends both
    page.goto("/inspection")
    page.locator("[data-test=subject-name] input").fill("某某烧烤店")
    page.locator("[data-test=subject-address] input").fill("蛟川街道俞范东路 8 号")
    page.locator("[data-test=matter-search] input").fill("HJ-003")
    page.locator(".van-cell[data-test=matter-HJ-003]").click()
    page.locator("[data-test=result-violation]").click()
    page.get_by_text("立案调查").click()
    page.locator("[data-test=notes] textarea").fill("烧烤店未安装油烟净化设施，油烟直排")
    page.locator("[data-test=save-inspection]").click()
    expect(page.locator(".zs-refusal", has_text="请选择共同承办人")).to_be_visible()  # the second handler first
    page.locator("[data-test=partner-zf002]").click()
    page.locator("[data-test=photo-input]").set_input_files(photo_file(tmp_path))
    expect(page.locator("[data-test=photo]")).to_have_count(1)
    page.locator("[data-test=save-inspection]").click()
    expect(page.locator("[data-test=go-patrol]")).to_be_visible()

    # 2. a fine over the on-the-spot cap: the rules refuse it, and offer the case in one tap
    _fill_ticket(page, tmp_path, "3000")
    expect(page.locator("[data-test=propose-case]")).to_be_visible()
    page.locator("[data-test=propose-case]").click()  # the second officer is preselected (the last one)
    expect(page.locator("[data-test=go-patrol]")).to_be_visible()

    assert _cases(app) == []  # nothing has left the phone
    go_online(context, page)
    wait_synced(page)
    cases = _cases(app)
    assert [c["source"] for c in cases] == ["inspection", "ticket"] and {c["stage"] for c in cases} == {"proposed"}
    assert cases[0]["inspection"] and cases[0]["steps"].count("evidence") == 2  # the inspection and its photo
    assert cases[1]["matter"] == "SR-001" and "evidence" in cases[1]["steps"]  # the ticket's photo
    assert all(len(c["handlers"]) == 2 for c in cases)

    # 3. the squad leader files the first; the officer adds a 询问笔录 from 我的案件, offline
    boss = auth.login("zd001")
    filed = client.post(f"/api/v1/cases/{cases[0]['id']}/steps", headers=boss.headers,
                        json={"kind": "filing_approval", "approve": True, "opinion": "同意立案"})
    assert filed.status_code == 201, filed.get_json()
    page.goto("/cases")
    expect(page.locator(f"[data-test=my-case-{cases[0]['id']}]")).to_contain_text("立案")
    expect(page.locator(f"[data-test=my-case-{cases[1]['id']}]")).to_contain_text("待中队长审批")
    page.locator(f"[data-test=my-case-{cases[0]['id']}]").click()
    go_offline(context, page)
    page.locator("[data-test=q-place] input").fill("烧烤店内")
    page.locator("[data-test=q-q0] textarea").fill("你的店安装油烟净化设施了吗？")
    page.locator("[data-test=q-a0] textarea").fill("没有安装。")
    page.locator("[data-test=send-questioning]").click()
    expect(page.locator(".van-toast", has_text="询问笔录已保存")).to_be_visible()
    go_online(context, page)
    wait_synced(page)
    case = client.get(f"/api/v1/cases/{cases[0]['id']}", headers=boss.headers).get_json()
    assert case["stage"] == "investigating"
    record = case["desk"]["steps"][-1]
    assert record["kind"] == "questioning" and record["document"]["title"] == "询问笔录"
    assert record["data"]["qa"] == [{"q": "你的店安装油烟净化设施了吗？", "a": "没有安装。"}]
