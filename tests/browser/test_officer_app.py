"""The officer's PWA in headless Chromium: offline start, patrol, inspection with a photo,
tickets checked offline, the outbox delivering everything exactly once."""
from __future__ import annotations

import io
import time
from datetime import timedelta


from backend.evidence.models import Media
from backend.patrols.models import Inspection, Patrol
from backend.tickets.models import Ticket
from backend import clock
from backend.clock import LOCAL_TZ
from tests import images
from tests.api.test_cases import DUE_BY_HAND
from tests.browser.conftest import count, wait_for, expect, go_offline, go_online, login, new_id, new_phone, start_server, wait_for_service_worker, wait_synced, wait_until


def photo_file(tmp_path, name="evidence.jpg", width=800, height=600) -> str:
    path = tmp_path / name
    path.write_bytes(images.jpeg(width, height, lat=29.97, lon=121.62, taken="2026:11:20 10:00:00"))
    return str(path)


def big_photo_file(tmp_path) -> str:
    """About 1.5 MB: six resumable chunks."""
    path = tmp_path / "big.jpg"
    im = images.picture(2000, 1500)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95)
    path.write_bytes(buf.getvalue())
    return str(path)


def record_inspection(page, tmp_path, name="某某水果店", photo=True, photo_path=None) -> None:
    page.goto("/inspection")
    page.locator("[data-test=subject-name] input").fill(name)
    page.locator("[data-test=subject-address] input").fill("蛟川街道某路 8 号")
    page.locator("[data-test=matter-search] input").fill("zd")
    page.locator(".van-cell[data-test^=matter-]").first.click()
    page.locator("[data-test=result-rectify]").click()
    page.locator("[data-test=rectify-by] input").fill("2026-12-01")
    if photo:
        page.locator("[data-test=photo-input]").set_input_files(photo_path or photo_file(tmp_path))
        expect(page.locator("[data-test=photo]")).to_have_count(1)
    expect(page.locator("[data-test=place]")).not_to_contain_text("定位…")
    page.locator("[data-test=save-inspection]").click()
    expect(page.locator("[data-test=go-patrol]")).to_be_visible()


def test_installs_and_starts_offline_after_the_first_login(page, context, server):
    page.goto("/")
    login(page)
    wait_for_service_worker(page)
    go_offline(context, page)
    page.reload()
    expect(page.locator("[data-test=net]")).to_have_text("离线")
    expect(page.locator("[data-test=go-patrol]")).to_be_visible()  # the session survived offline
    # a shared phone locks: the PIN opens it again, offline
    page.goto("/settings")
    page.locator("[data-test=lock-now]").click()
    expect(page.locator("[data-test=lock]")).to_be_visible()
    page.locator("[data-test=pin]").fill("1111")
    page.locator("[data-test=unlock]").click()
    expect(page.locator("[data-test=pin-wrong]")).to_be_visible()
    page.locator("[data-test=pin]").fill("2468")
    page.locator("[data-test=unlock]").click()
    expect(page.locator("[data-test=lock]")).to_be_hidden()
    page.goto("/patrol")  # a client-side route straight from the service-worker cache
    expect(page.locator("[data-test=start-patrol]")).to_be_visible()
    expect(page.locator(".zs-grid-poly").first).to_be_attached()  # grids drawn from the offline cache


def test_inspection_with_a_photo_offline_arrives_once_with_the_photo_verified(page, context, server, app, tmp_path):
    page.goto("/")
    login(page)
    wait_for_service_worker(page)
    go_offline(context, page)
    record_inspection(page, tmp_path)
    expect(page.locator("[data-test=unsynced]")).to_contain_text("待上传 1")
    assert count(app, Inspection) == 0
    go_online(context, page)
    wait_synced(page)
    assert count(app, Inspection) == 1
    with app.app_context():
        from backend.extensions import db

        inspection = db.session.query(Inspection).one()
        assert len(inspection.photos) == 1
        stored = [m.sha256 for m in db.session.query(Media).all()]
        assert inspection.photos[0] in stored, (inspection.photos, stored)
        db.session.remove()


def test_a_patrol_with_moving_gps_is_recorded_and_arrives_whole(page, context, server, app):
    page.goto("/")
    login(page)
    page.goto("/patrol")
    go_offline(context, page)  # the whole patrol happens without signal
    page.locator("[data-test=mate-zf002]").click()
    page.locator("[data-test=start-patrol]").click()
    expect(page.locator("[data-test=patrol-state]")).to_have_text("巡查中")
    expect(page.locator("[data-test=fix-count]")).to_have_text("定位点 1")  # where the patrol started
    lat, lon = 29.9700, 121.6150
    for i in range(25):  # 25 more fixes walking east; the 20th flushes a track_points record
        context.set_geolocation({"latitude": lat, "longitude": lon + 0.00008 * i, "accuracy": 6 if i != 12 else 120})
        expect(page.locator("[data-test=fix-count]")).to_have_text(f"定位点 {i + 2}")
    expect(page.locator("[data-test=current-grid]")).not_to_contain_text("不在本辖区")
    expect(page.locator(".zs-track")).to_be_attached()
    expect(page.locator(".zs-poor-fix")).to_have_count(1)  # the 120 m fix is flagged, not drawn in the line
    # distance, the vague fix left out: from the start (121.62) to the walk (121.615) ≈ 482 m, then 24
    # steps of 0.00008° of longitude ≈ 185 m — 0.67 km
    expect(page.locator("[data-test=patrol-km]")).to_have_text("0.67")
    expect(page.locator("[data-test=patrol-inspections]")).to_have_text("0")
    page.locator("[data-test=stop-patrol]").click()  # asks first: a stray tap does not end the day's record
    page.locator("[data-test=stop-patrol-cancel]").click()
    expect(page.locator("[data-test=patrol-state]")).to_have_text("巡查中")
    page.locator("[data-test=stop-patrol]").click()
    expect(page.locator("[data-test=confirm-end]")).to_contain_text("公里")
    page.locator("[data-test=stop-patrol-confirm]").click()
    expect(page.locator("[data-test=patrol-state]")).to_have_text("未开始巡查")
    assert count(app, Patrol) == 0
    go_online(context, page)
    wait_synced(page)
    with app.app_context():
        from backend.extensions import db

        patrol = db.session.query(Patrol).one()
        assert patrol.status == "ended" and patrol.fix_count == 26
        assert sorted(o.username for o in patrol.officers) == ["zf001", "zf002"]
        db.session.remove()


def _fill_ticket(page, tmp_path, amount_yuan: str) -> None:
    page.goto("/ticket")
    page.locator("[data-test=party-name] input").fill("张三")
    page.locator("[data-test=party-id] input").fill("11010519491231002X")
    page.locator("[data-test=next-step]").click()  # step 2: the facts
    page.locator("[data-test=matter-search] input").fill("SR-001")
    page.locator(".van-cell[data-test=matter-SR-001]").click()
    page.locator("[data-test=facts] textarea").fill("超出店门在人行道摆放水果经营，占用道路约 6 平方米，逾期未改正")
    page.locator("[data-test=place-text] input").fill("蛟川街道某路与某街交叉口")
    page.locator("[data-test=photo-input]").set_input_files(photo_file(tmp_path, "scene.jpg"))
    expect(page.locator("[data-test=photo]")).to_have_count(1)
    expect(page.locator("[data-test=ticket-place]")).not_to_contain_text("定位…")
    page.locator("[data-test=step-penalty]").click()  # step 3: the penalty
    expect(page.locator("[data-test=tier-1]")).to_contain_text("轻微：100–280 元")  # §34: the bands beside the amount
    page.locator("[data-test=amount] input").fill(amount_yuan)
    # ZJ §17 ¶3 fines only a correction overdue: the phone asks for the order and its deadline
    expect(page.locator("[data-test=precondition]")).to_contain_text("责令限期改正，逾期不改正")
    today = clock.local_today()
    page.locator("[data-test=prior-ordered-on]").fill((today - timedelta(days=10)).isoformat())
    page.locator("[data-test=prior-deadline]").fill((today - timedelta(days=3)).isoformat())
    page.locator("[data-test=prior-reference] input").fill("蛟综执责改〔2026〕12号")
    page.locator("[data-test=step-officers]").click()  # step 4: told and heard, the second officer
    page.locator("[data-test=informed]").click()  # §44–45: told and heard
    page.locator("[data-test=statement-said] textarea").fill("当事人称临时摆放，已当场撤离")
    page.locator("[data-test=second-zf002]").click()
    page.locator("[data-test=check-ticket]").click()


def _sign(page) -> None:
    box = page.locator("[data-test=signature-canvas]").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 30 + i * 20, box["y"] + 100 + (25 if i % 2 else -25))
    page.mouse.up()


def _photograph(page, selector: str, path) -> str:
    """What the other phone's camera sees: the QR code on this phone's screen."""
    page.locator(selector).screenshot(path=str(path))
    return str(path)


def _phone(browser, server, name: str):
    """A phone with a 3× screen (the QR codes are photographed from it), its errors watched."""
    ctx = new_phone(browser, f"http://127.0.0.1:{server.port}", device_scale_factor=3)
    p = ctx.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(f"{name}: {e}"))
    p.on("console", lambda m: print(f"[{name} console.{m.type}] {m.text}"))
    return ctx, p, errors


def test_tickets_are_checked_offline_and_a_lawful_one_is_issued_with_the_second_officers_consent(
        workday_clock, browser, server, app, tmp_path, request):
    from backend.sync.models import SyncRecord
    from backend.tickets.models import TicketConsent

    mate_ctx, mate, errors = _phone(browser, server, "zf002")
    ctx, page, errors_a = _phone(browser, server, "zf001")
    try:
        login(mate, "zf002")  # zf002's phone registers its session key first ...
        page.goto("/")
        login(page)           # ... so the roster zf001's phone caches carries it
        go_offline(ctx, page)
        go_offline(mate_ctx, mate)
        # unlawful: 3,000 yuan on a citizen is over the simple-procedure cap — refused with the reason
        _fill_ticket(page, tmp_path, "3000")
        # the check takes the officer back to the step with the error, the reason in sight
        expect(page.locator("[data-test=form-step-penalty]")).to_be_visible()
        expect(page.locator("[data-test=refusal]").first).to_contain_text("简易程序对公民罚款不得超过200.00元")
        page.locator("[data-test=amount] input").fill("150")
        # a 13-year-old is not fined (§30), offline too: the phone reads the age from the ID
        page.locator("[data-test=step-party]").click()
        page.locator("[data-test=party-id] input").fill("330211201306010015")
        page.locator("[data-test=check-ticket]").click()
        expect(page.locator("[data-test=form-step-party]")).to_be_visible()
        expect(page.locator("[data-test=refusal]", has_text="不满十四周岁")).to_be_visible()
        expect(page.locator("[data-test=refusal]")).to_have_count(1)  # 150 yuan itself is lawful
        page.locator("[data-test=party-id] input").fill("11010519491231002X")
        # an act found more than two years later is not punished (§36): the phone dates the act apart
        # cash over 100 yuan: only with a §68/§69 reason, and §69 only at the party's request
        page.locator("[data-test=step-penalty]").click()
        page.locator("[data-test=pay-on-spot]").click()
        page.locator("[data-test=receipt] input").fill("浙财 0012346")
        page.locator("[data-test=cash-exception-remote_area]").click()
        page.locator("[data-test=check-ticket]").click()
        expect(page.locator("[data-test=refusal]", has_text="须由当事人提出")).to_be_visible()
        page.locator("[data-test=cash-party-requested]").click()
        page.locator("[data-test=check-ticket]").click()
        expect(page.locator("[data-test=lawful]")).to_be_visible()  # lawful with the party's request
        page.get_by_role("button", name="返回修改").click()
        page.locator("[data-test=step-penalty]").click()
        page.locator("[data-test=pay-bank]").click()  # back to paying at the bank
        page.locator("[data-test=step-facts]").click()
        page.locator("[data-test=violation-time-toggle]").click()
        page.locator("[data-test=violated-at] input").fill("2020-01-01T10:00")
        page.locator("[data-test=check-ticket]").click()
        expect(page.locator("[data-test=refusal]", has_text="超过二年")).to_be_visible()
        page.locator("[data-test=violated-at] input").fill("")
        page.locator("[data-test=check-ticket]").click()
        expect(page.locator("[data-test=lawful]")).to_be_visible()
        _sign(page)
        page.locator("[data-test=issue-ticket]").click()
        # nothing is issued until the second officer consents
        expect(page.locator("[data-test=cosign-request-qr]")).to_be_visible()
        request_shot = _photograph(page, "[data-test=cosign-request-qr]", tmp_path / "request.png")
        # a photo of anything else is not a consent
        page.locator("[data-test=cosign-scan-consent]").set_input_files(request_shot)
        expect(page.locator("[data-test=refusal]")).to_contain_text("未识别到确认码")
        page.locator("[data-test=refusal]").evaluate("(e) => e.remove()")  # the next answer is a new one

        # zf002's phone, offline too: reads the decision, shows it in words, consents
        mate.goto("/")
        mate.locator("[data-test=go-cosign]").click()
        mate.locator("[data-test=cosign-scan-request]").set_input_files(request_shot)
        expect(mate.locator("[data-test=cosign-review]")).to_contain_text("张三")
        expect(mate.locator("[data-test=cosign-penalty]")).to_contain_text("罚款 150.00 元")
        mate.locator("[data-test=cosign-agree]").click()
        expect(mate.locator("[data-test=cosign-consent-qr]")).to_be_visible()
        consent_shot = _photograph(mate, "[data-test=cosign-consent-qr]", tmp_path / "consent.png")

        # zf001's phone checks the signature with zf002's key from the roster, then issues
        page.locator("[data-test=cosign-scan-consent]").set_input_files(consent_shot)
        expect(page.locator("[data-test=decision]")).to_be_visible()
        number = page.locator("[data-test=decision-number]").inner_text().split("：")[1].strip()
        expect(page.locator("[data-test=decision-penalty]")).to_contain_text("150.00")
        phone_paper = {k: page.locator(f"[data-test=decision-{k}]").inner_text() for k in ("remedies", "payment", "informed", "prior-order")}
        phone_agency = page.locator("[data-test=decision] h2").inner_text()  # in the 行政主体's name
        assert "宁波市镇海区人民政府" in phone_paper["remedies"] and "应当先申请行政复议" in phone_paper["remedies"]
        assert count(app, Ticket) == 0

        go_online(ctx, page)
        wait_synced(page)
        with app.app_context():
            from backend.extensions import db

            ticket = db.session.query(Ticket).one()
            assert ticket.number == number and ticket.amount_fen == 15000 and ticket.status == "issued"
            # the phone's paper and the server's say the same words, in the 行政主体's name
            assert phone_paper["remedies"] == "救济途径：" + ticket.rights_notice
            assert phone_paper["payment"] == ticket.payment_notice and "百分之三" in ticket.payment_notice
            from backend.tickets.paper import prior_order_notice

            assert phone_paper["prior-order"] == "责令改正：" + prior_order_notice(ticket.prior_order)
            assert "逾期不改正（蛟综执责改〔2026〕12号）" in phone_paper["prior-order"]
            assert ticket.agency_name == "宁波市镇海区人民政府蛟川街道办事处" and ticket.agency_name in phone_agency
            assert ticket.statement == {"informed": True, "said": "当事人称临时摆放，已当场撤离"}
            assert db.session.get(Media, ticket.signature_sha256) is not None  # the signature PNG arrived and was verified
            assert all(db.session.get(Media, p) is not None for p in ticket.photos)
            # the decision is in, but it waits for zf002's consent, which is still on zf002's phone
            assert db.session.query(SyncRecord).filter_by(ref=number, kind="ticket").one().code == "ticket.cosign_pending"
            from backend.cases.models import Case

            case = db.session.query(Case).filter_by(ticket_id=ticket.id).one()  # deadlines counted from the local day
            issued, filing_due, payment_due = DUE_BY_HAND[request.node.clock_instant]
            assert (ticket.issued_at.astimezone(LOCAL_TZ).date().isoformat(), case.filing_due.isoformat(),
                    case.payment_due.isoformat()) == (issued, filing_due, payment_due)
            db.session.remove()
        go_online(mate_ctx, mate)
        wait_synced(mate)
        with app.app_context():
            from backend.extensions import db
            from backend.sync import service as sync

            consent = db.session.query(TicketConsent).one()
            assert consent.number == number and consent.signature  # signed by zf002's session key, checked by the server
            sync.refresh_incomplete()
            record = db.session.query(SyncRecord).filter_by(ref=number, kind="ticket").one()
            assert record.status == "created" and record.code is None
            db.session.remove()
        page.reload()
        expect(page.locator("[data-test=decision-qr]")).to_be_visible()  # online: the verification QR
    finally:
        ctx.close()
        mate_ctx.close()
    assert not errors + errors_a, errors + errors_a


def test_on_a_shared_phone_the_second_officer_consents_with_their_own_pin(page, context, server, app, tmp_path):
    from backend.tickets.models import TicketConsent

    page.goto("/")
    login(page, "zf002", pin="1357")  # zf002 has a session on this phone ...
    login(page)                        # ... and zf001 is using it now
    go_offline(context, page)
    _fill_ticket(page, tmp_path, "100")
    expect(page.locator("[data-test=lawful]")).to_be_visible()
    # not a fine after all: a first violation corrected at once (§33) — a decision not to punish
    page.get_by_role("button", name="返回修改").click()
    page.locator("[data-test=step-penalty]").click()
    page.locator("[data-test=kind-education]").click()
    page.locator("[data-test=check-ticket]").click()
    expect(page.locator("[data-test=refusal]", has_text="改正")).to_be_visible()
    page.locator("[data-test=correction] textarea").fill("当事人已当场撤除摊位")
    page.locator("[data-test=check-ticket]").click()
    expect(page.locator("[data-test=lawful]")).to_be_visible()
    _sign(page)
    page.locator("[data-test=issue-ticket]").click()
    page.locator("[data-test=cosign-pin] input").fill("2468")  # zf001's PIN is not zf002's
    page.locator("[data-test=cosign-here]").click()
    expect(page.locator("[data-test=refusal]")).to_contain_text("PIN不正确")
    page.locator("[data-test=cosign-pin] input").fill("1357")
    page.locator("[data-test=cosign-here]").click()
    expect(page.locator("[data-test=decision]")).to_be_visible()
    expect(page.locator("[data-test=decision-title]")).to_have_text("不予行政处罚决定书")
    go_online(context, page)
    wait_synced(page)
    with app.app_context():
        from backend.auth.models import Officer
        from backend.extensions import db

        consent = db.session.query(TicketConsent).one()
        assert consent.officer_id == db.session.query(Officer).filter_by(username="zf002").one().id
        decided = db.session.query(Ticket).one()
        assert decided.number == consent.number and decided.penalty_kind == "education" and decided.correction == "当事人已当场撤除摊位"
        db.session.remove()


def test_a_photo_upload_cut_off_midway_resumes_from_the_servers_offset(page, context, server, app, tmp_path):
    page.goto("/")
    login(page)
    go_offline(context, page)
    record_inspection(page, tmp_path, photo_path=big_photo_file(tmp_path))
    chunks: list[str] = []   # Content-Range of every chunk PUT, before and after the cut
    cut = {"at": None}

    def record_and_cut(route):
        if route.request.method == "PUT" and "/api/v1/media/" in route.request.url:
            chunks.append(route.request.headers.get("content-range", ""))
            if cut["at"] is None and len(chunks) == 3:  # the network drops during the third chunk
                cut["at"] = len(chunks)
                route.abort("internetdisconnected")  # first: the route is then handled
                context.set_offline(True)
                return
        route.continue_()

    context.route("**/api/v1/media/**", record_and_cut)
    go_online(context, page)
    try:
        wait_for(lambda: cut["at"], page, timeout=30, what="the cut in the third chunk")
    except AssertionError:
        from tests.browser.conftest import outbox_state
        raise AssertionError(f"no cut: chunks={chunks} outbox={outbox_state(page)}")
    # the handler took the network away; on a busy machine the page may learn it late
    # (once seen 30 s late in CI): wait for the page to see it, setting it again
    go_offline(context, page)
    assert cut["at"] == 3
    go_online(context, page)
    wait_synced(page, timeout=60)
    # the resume started where the server said it was: the third chunk again, not byte 0
    resumed = chunks[3:]
    assert resumed and resumed[0].startswith(chunks[2].split("-")[0]), chunks
    with app.app_context():
        from backend.extensions import db

        inspection = db.session.query(Inspection).one()
        assert db.session.get(Media, inspection.photos[0]) is not None
        db.session.remove()


def test_reloading_in_the_middle_of_a_sync_loses_and_doubles_nothing(page, context, server, app, tmp_path):
    page.goto("/")
    login(page)
    go_offline(context, page)
    for i in range(6):
        record_inspection(page, tmp_path, name=f"商户{i}", photo=(i % 2 == 0), photo_path=photo_file(tmp_path, f"p{i}.jpg"))
    expect(page.locator("[data-test=unsynced]")).to_contain_text("待上传 6")
    with page.expect_request(lambda r: "/api/v1/sync" in r.url or "/api/v1/media/" in r.url):
        go_online(context, page)  # the drain is under way...
    page.reload()                 # ...and the page goes away mid-flight
    wait_synced(page, timeout=60)
    assert count(app, Inspection) == 6
    with app.app_context():
        from backend.extensions import db
        from backend.sync.models import SyncRecord

        assert db.session.query(SyncRecord).filter_by(kind="inspection").count() == 6
        db.session.remove()


def test_logging_out_with_unsynced_records_still_syncs_them(page, context, server, app, tmp_path):
    page.goto("/")
    login(page)
    go_offline(context, page)
    record_inspection(page, tmp_path, name="退出前的检查")
    page.goto("/settings")
    page.locator("[data-test=logout]").click()
    expect(page.locator("[data-test=login]")).to_be_visible()
    expect(page.locator("[data-test=unsynced]")).to_contain_text("待上传 1")  # still there, still zf001's
    go_online(context, page)
    wait_synced(page)
    with app.app_context():
        from backend.auth.models import Officer
        from backend.extensions import db

        inspection = db.session.query(Inspection).one()
        assert inspection.officer_id == db.session.query(Officer).filter_by(username="zf001").one().id
        db.session.remove()
    # zf001's session is removed once their records are through (after the drain: wait for it)
    wait_until(page, """(async () => { const db = await new Promise((r) => { const q = indexedDB.open('zhangshang'); q.onsuccess = () => r(q.result) })
        const all = await new Promise((r) => { const q = db.transaction('sessions').objectStore('sessions').getAll(); q.onsuccess = () => r(q.result) })
        db.close(); return !all.some((s) => s.username === 'zf001') })()""", timeout=60)


def test_a_dispatched_task_is_received_accepted_and_reported_back_with_a_photo(page, context, server, app, tmp_path):
    status, body = server.request("POST", "/api/v1/auth/login", {"username": "zd001", "password": "demo1234", "device_id": new_id()})
    assert status == 200
    status, task = server.request("POST", "/api/v1/tasks", {"title": "核查群众举报：占道摆摊", "description": "某路 8 号门前",
                                                           "assignee": "zf001", "lat": 29.971, "lon": 121.621}, token=body["access_token"])
    assert status == 201, task
    page.goto("/")
    login(page)
    # the screen's own refresh is slow (a bad link): a tap made meanwhile must survive it — it
    # once stored Vue's proxy in IndexedDB, failed, and the reload put the task back to 待签收
    held = []  # the refresh's first request, held until after the tap
    page.route("**/api/v1/me", lambda route: held.append(route) if not held else route.continue_())
    page.goto("/tasks")
    card = page.locator(f"[data-test=task-{task['id']}]")
    expect(card).to_contain_text("核查群众举报")
    expect(page.locator(".zs-marker")).to_have_count(1)  # on the map
    wait_for(lambda: held, page, what="the screen's refresh to start")
    page.locator(f"[data-test=task-accept-{task['id']}]").click()
    status = page.locator(f"[data-test=task-status-{task['id']}]")
    expect(status).to_have_text("已签收")
    for route in held:
        route.continue_()
    page.unroute("**/api/v1/me")
    wait_until(page, "document.querySelector('.zs-page') !== null", timeout=5)
    page.wait_for_timeout(1500)  # the refresh has come back and the list reloaded
    expect(status).to_have_text("已签收")
    go_offline(context, page)
    page.locator(f"[data-test=task-report-{task['id']}]").click()
    page.locator("[data-test=task-note] textarea").fill("已劝离，现场恢复")
    page.locator("[data-test=photo-input]").set_input_files(photo_file(tmp_path, "after.jpg"))
    expect(page.locator("[data-test=photo]")).to_have_count(1)
    page.locator(f"[data-test=task-done-{task['id']}]").click()
    expect(page.locator(f"[data-test=task-status-{task['id']}]")).to_have_text("已反馈")
    go_online(context, page)
    wait_synced(page)
    status, after = server.request("GET", f"/api/v1/tasks/{task['id']}", token=body["access_token"])
    assert after["status"] == "done"
    assert [e["to"] for e in after["events"]][-2:] == ["accepted", "done"]
    assert after["events"][-1]["note"] == "已劝离，现场恢复" and len(after["events"][-1]["photos"]) == 1


def test_the_queue_exported_to_a_file_is_imported_on_another_phone_and_stored_once(page, context, browser, server, app, tmp_path):
    page.goto("/")
    login(page)
    go_offline(context, page)
    record_inspection(page, tmp_path, name="导出的检查")
    page.goto("/outbox")
    with page.expect_download() as dl:
        page.locator("[data-test=export-queue]").click()
    exported = tmp_path / "queue.json"
    dl.value.save_as(str(exported))
    # another phone (a fresh browser profile), online, the same officer
    other = new_phone(browser, f"http://127.0.0.1:{server.port}", geolocation={"latitude": 29.97, "longitude": 121.62, "accuracy": 8})
    try:
        phone2 = other.new_page()
        phone2.goto("/")
        login(phone2)
        phone2.goto("/outbox")
        phone2.locator("[data-test=import-queue]").set_input_files(str(exported))
        expect(phone2.locator(".zs-ok")).to_contain_text("已导入 1 条记录")  # in the outbox before we wait for it to drain
        wait_synced(phone2)
    finally:
        other.close()
    assert count(app, Inspection) == 1
    go_online(context, page)  # the first phone sends the same record: the server says duplicate
    wait_synced(page)
    assert count(app, Inspection) == 1


def test_english_and_high_contrast_at_360_by_640(page, context, server):
    page.goto("/")
    login(page)
    page.goto("/settings")
    page.locator("[data-test=toggle-lang]").click()
    expect(page.locator(".van-tabbar")).to_contain_text("Patrol")
    page.locator("[data-test=toggle-contrast]").click()
    assert "hc" in page.evaluate("document.body.className")
    # every button of the home screen is at least 44 px high (one-handed use)
    page.goto("/")
    expect(page.locator("[data-test=go-patrol]")).to_be_visible()
    expect(page.locator(".van-tabbar")).to_contain_text("Patrol")  # the choice survives a reload
    heights = page.evaluate("[...document.querySelectorAll('.zs-tile, .van-button')].map((e) => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone


def test_a_new_version_waits_and_is_offered_only_between_tasks(browser, app, demo, database_url, tmp_path):
    """A new service worker is installed in the background but never takes over in the
    middle of a form: the prompt shows on the home screen, and applying it keeps the queue."""
    import shutil

    from tests.browser.conftest import DIST

    dist = tmp_path / "dist"
    shutil.copytree(DIST, dist)
    srv = start_server(database_url, str(tmp_path / "media"), app.config["SECRET_KEY"], PWA_DIST=str(dist))
    ctx = new_phone(browser, f"http://127.0.0.1:{srv.port}")
    try:
        page = ctx.new_page()
        page.goto("/")
        login(page)
        wait_for_service_worker(page)
        go_offline(ctx, page)
        record_inspection(page, tmp_path, name="更新前的检查", photo=False)
        go_online(ctx, page)
        # an officer is in the middle of an inspection form when the new version lands
        page.goto("/inspection")
        page.locator("[data-test=subject-name] input").fill("填写中")
        sw = dist / "sw.js"
        sw.write_text(sw.read_text() + "\n// v2\n")
        # the browser checks for the new worker; on a busy machine a check can come back
        # empty-handed or the install take long: ask again until one is waiting (no luck needed)
        deadline = time.monotonic() + 90
        while not page.evaluate("navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)"):
            assert time.monotonic() < deadline, "the new service worker never reached 'waiting'"
            page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.installing || r.update()).then(() => true, () => false)")
            page.wait_for_timeout(1000)
        expect(page.locator("[data-update-ready=yes]")).to_be_attached()  # the app knows a new version is ready...
        expect(page.locator("[data-test=apply-update]")).to_have_count(0)  # ...and never offers it mid-form
        expect(page.locator("[data-test=subject-name] input")).to_have_value("填写中")
        page.locator("[data-test=save-inspection]").click()  # the officer finishes; back on the home screen
        expect(page.locator("[data-test=apply-update]")).to_be_visible()
        page.locator("[data-test=apply-update]").click()
        try:
            wait_until(page, "navigator.serviceWorker.getRegistration().then((r) => !r.waiting)", timeout=15)
        except AssertionError:
            # seen in two CI runs on a loaded machine, never reproduced: a tap did not take.
            # The officer taps again (up to three times); the new version must then take over
            # (docs/pwa.md).
            for tap in range(3):
                if page.locator("[data-test=apply-update]").count():
                    page.locator("[data-test=apply-update]").click()
                try:
                    wait_until(page, "navigator.serviceWorker.getRegistration().then((r) => !r.waiting)", timeout=30)
                    break
                except AssertionError:
                    if tap == 2:
                        raise
        expect(page.locator("[data-test=go-patrol]")).to_be_visible()
        wait_synced(page)
        assert count(app, Inspection) == 2  # nothing queued before the update was lost
    finally:
        ctx.close()
        srv.stop()
