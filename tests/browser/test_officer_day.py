"""The officer's day on a shared phone, offline, as the issue asks to walk it: 今日 → patrol →
inspection (a known subject copied from the last visit, two photos) → a ticket in steps →
my documents → the decision reprinted with its verification QR once synced. The taps of
the common jobs are counted (typing is not a tap; a photo or a signature is one); the
screens are kept as artifacts."""
from __future__ import annotations

from backend import clock
from backend.patrols.models import Inspection
from backend.tickets.models import Ticket
from tests.browser.conftest import ARTIFACTS, count, expect, go_offline, go_online, login, new_phone, wait_synced
from tests.browser.test_officer_app import _sign, photo_file

# what the issue asks of the common jobs (today's counts were 17 taps for a ticket)
MAX_TAPS = {"start patrol": 2, "inspection of a known subject with two photos": 8, "lawful ticket": 12}


class Taps:
    """Counts the officer's taps per job."""

    def __init__(self, page) -> None:
        self.page, self.job, self.counts = page, None, {}

    def start(self, job: str) -> None:
        self.job = job
        self.counts[job] = 0

    def tap(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.counts[self.job] += 1

    def shoot(self, path: str) -> None:  # the camera: one tap
        self.page.locator("[data-test=photo-input]").set_input_files(path)
        self.counts[self.job] += 1

    def sign(self) -> None:  # the party signs: one gesture on the officer's screen
        _sign(self.page)
        self.counts[self.job] += 1


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"officer-day-{name}.png"), full_page=True)


def test_the_officers_day_takes_few_taps_and_every_document_can_be_found_again(browser, server, app, tmp_path, workday_clock):
    ctx = new_phone(browser, f"http://127.0.0.1:{server.port}")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    taps = Taps(page)
    try:
        page.goto("/")
        login(page, "zf002", pin="1357")  # the partner's session on this phone (consents by PIN)
        login(page)
        expect(page.locator("[data-test=today-patrol]")).to_contain_text("今天还没有巡查")
        go_offline(ctx, page)
        _shot(page, "1-home")

        taps.start("start patrol")
        taps.tap("[data-test=go-patrol]")
        taps.tap("[data-test=start-patrol]")
        expect(page.locator("[data-test=patrol-state]")).to_have_text("巡查中")

        # a first visit: the subject is typed once ...
        page.locator("[data-test=patrol-inspect]").click()
        page.locator("[data-test=subject-name] input").fill("老王烧烤")
        page.locator("[data-test=subject-address] input").fill("蛟川街道某路 8 号")
        page.locator("[data-test=result-rectify]").click()
        page.locator("[data-test=rectify-by] input").fill(clock.local_today().isoformat())  # to be rectified by today
        page.locator("[data-test=save-inspection]").click()
        expect(page.locator("[data-test=home-today]")).to_be_visible()
        expect(page.locator("[data-test=today-reinspect-0]")).to_contain_text("老王烧烤")  # 今日: its re-inspection is due

        # ... and copied at the next visit: the subject near here, one tap
        taps.start("inspection of a known subject with two photos")
        taps.tap("[data-test=go-inspection]")
        expect(page.locator("[data-test=recent-0]")).to_contain_text("老王烧烤")
        taps.tap("[data-test=recent-0]")
        expect(page.locator("[data-test=subject-address] input")).to_have_value("蛟川街道某路 8 号")
        taps.shoot(photo_file(tmp_path, "front.jpg"))
        expect(page.locator("[data-test=photo]")).to_have_count(1)
        taps.shoot(photo_file(tmp_path, "kitchen.jpg", 640, 480))
        expect(page.locator("[data-test=photo]")).to_have_count(2)
        _shot(page, "2-inspection")
        taps.tap("[data-test=save-inspection]")
        expect(page.locator("[data-test=today-patrol-inspections]")).to_have_text("2")  # 今日 counts them
        _shot(page, "3-home-patrolling")

        taps.start("lawful ticket")
        taps.tap("[data-test=go-ticket]")
        page.locator("[data-test=party-name] input").fill("王五")
        page.locator("[data-test=party-id] input").fill("11010519491231002X")
        taps.tap("[data-test=next-step]")
        page.locator("[data-test=matter-search] input").fill("SR-004")
        taps.tap(".van-cell[data-test=matter-SR-004]")
        page.locator("[data-test=facts] textarea").fill("在人行道随地乱扔烟头")
        taps.shoot(photo_file(tmp_path, "butt.jpg"))
        expect(page.locator("[data-test=photo]")).to_have_count(1)
        expect(page.locator("[data-test=ticket-place]")).not_to_contain_text("定位…")
        taps.tap("[data-test=next-step]")
        page.locator("[data-test=amount] input").fill("50")
        taps.tap("[data-test=next-step]")
        taps.tap("[data-test=informed]")
        taps.tap("[data-test=second-zf002]")
        _shot(page, "4-ticket-step-4")
        taps.tap("[data-test=check-ticket]")
        expect(page.locator("[data-test=lawful]")).to_be_visible()
        taps.sign()
        taps.tap("[data-test=issue-ticket]")
        # the partner's confirmation, on this phone with their own PIN (not counted)
        page.locator("[data-test=cosign-pin] input").fill("1357")
        page.locator("[data-test=cosign-here]").click()
        expect(page.locator("[data-test=decision]")).to_be_visible()
        number = page.locator("[data-test=decision-number]").inner_text().split("：")[1].strip()
        expect(page.locator("[data-test=decision-qr]")).to_have_count(0)  # offline: the QR comes with the upload

        # the decision can be found again: on 今日, and in 我的文书, waiting to upload
        page.locator("[data-test=decision-done]").click()
        expect(page.locator(f"[data-test=today-doc-{number}]")).to_contain_text("待上传")
        page.locator("[data-test=go-documents]").click()
        expect(page.locator(f"[data-test=doc-state-{number}]")).to_have_text("待上传")
        _shot(page, "5-documents-offline")

        go_online(ctx, page)
        wait_synced(page)
        expect(page.locator(f"[data-test=doc-state-{number}]")).to_have_text("已上传")
        page.locator(f"[data-test=doc-{number}]").click()
        expect(page.locator("[data-test=decision-qr]")).to_be_visible()  # verifiable, reprinted with it
        page.locator("[data-test=print-80]").click()
        expect(page.locator(".paper-80mm")).to_be_attached()
        _shot(page, "6-reprint")

        assert count(app, Inspection) == 2 and count(app, Ticket) == 1
        print("taps:", taps.counts)
        over = {job: n for job, n in taps.counts.items() if n > MAX_TAPS[job]}
        assert not over, f"more taps than the issue allows: {over} (limits {MAX_TAPS})"
        assert not errors, errors
    finally:
        ctx.close()
