"""The supervisor console in headless Chromium: a day of seeded patrols on the map with the
uncovered grids, a patrol's summary, exports that parse, and a dispatched task that an
officer's phone receives, completes and the supervisor accepts."""
from __future__ import annotations

import io
import json
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

from openpyxl import load_workbook

from backend.auth.models import Officer
from backend.extensions import db
from backend.patrols import service as patrols
from tests.browser.conftest import ARTIFACTS, expect, login, new_phone, start_server, wait_for, wait_synced, wait_until
from tests.browser.test_officer_app import photo_file


LOCAL = timezone(timedelta(hours=8))


# a subject name that is HTML: the map must show it as text, never insert it
NAMES = ('<b class="zs-injected">商户0</b>', "商户1")


def _seed_day(app, device_id: str, now: datetime) -> date:
    """Two finished patrols (one with a gap), each with an inspection: earlier today
    (local time), or yesterday evening in the first 90 minutes of a day. Returns that day."""
    now = now.astimezone(LOCAL).replace(microsecond=0)
    midnight = datetime.combine(now.date(), datetime.min.time(), tzinfo=LOCAL)
    if now - midnight >= timedelta(minutes=90):
        start = max(now - timedelta(hours=3), midnight + timedelta(minutes=5))
    else:
        start = midnight - timedelta(hours=4)
    start = start.astimezone(timezone.utc)
    with app.app_context():
        by = {o.username: o for o in db.session.query(Officer).filter(Officer.username.in_(["zf001", "zf002", "zf003"]))}
        for k, (who, lon0) in enumerate(((["zf001", "zf002"], 121.612), (["zf003"], 121.630))):
            pid = str(uuid.uuid4())
            t0 = start + timedelta(minutes=40 * k)
            patrols.start_patrol(patrol_id=pid, officer=by[who[0]], device_id=device_id, started_at=t0, captured_at=t0,
                                 officer_ids=[by[u].id for u in who])
            ms = int(t0.timestamp() * 1000)
            pts = [{"t": ms + 10000 * i + (600000 if i >= 40 else 0), "lat": 29.968 + 0.00002 * i, "lon": lon0 + 0.0001 * i,
                    "accuracy": 5} for i in range(80)]
            patrols.add_track_points(patrol_id=pid, batch_id=str(uuid.uuid4()), device_id=device_id, points=pts, officer=by[who[0]])
            patrols.end_patrol(patrol_id=pid, ended_at=t0 + timedelta(minutes=25), officer=by[who[0]])
            patrols.record_inspection(inspection_id=str(uuid.uuid4()), officer=by[who[0]], device_id=device_id, captured_at=t0,
                                      inspected_at=t0 + timedelta(minutes=3), lat=29.9685, lon=lon0 + 0.001, accuracy_m=5,
                                      subject_name=NAMES[k], result="compliant", photos=[], patrol_id=pid)
        db.session.commit()
    return start.astimezone(LOCAL).date()


def settled(page) -> None:
    """The map is still: no zoom or pan animation, every tile of the view loaded."""
    wait_until(page, "!document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim') && "
                     "[...document.querySelectorAll('img.leaflet-tile')].every((t) => t.classList.contains('leaflet-tile-loaded') || t.complete)")


def test_supervisor_sees_the_day_exports_and_closes_the_dispatch_loop(night_clock, desk, browser, server, app, tmp_path):
    page = desk  # 1366×768, the computer's zone left at UTC
    day = _seed_day(app, "dev-seed-0001", night_clock.now())
    page.goto("/")
    login(page, "zd001")
    page.locator("[data-test=go-supervise]").click()
    today = night_clock.today()
    expect(page.locator("[data-test=sup-legend]")).not_to_contain_text("未巡查网格 —")  # the first answer is in
    expect(page.locator("[data-test=sup-period]")).to_have_text(today.isoformat())  # the local day, at any hour
    start = day - timedelta(days=1)  # the seeded day and the day before it
    page.locator("[data-test=sup-from]").fill(start.isoformat())
    page.locator("[data-test=sup-load]").click()
    expect(page.locator("[data-test=sup-period]")).to_have_text(f"{start.isoformat()} — {today.isoformat()}")
    expect(page.locator(".zs-sup-track")).to_have_count(2)
    expect(page.locator(".zs-uncovered").first).to_be_attached()  # grids nobody walked today
    expect(page.locator(".zs-insp")).to_have_count(2)
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("[data-test=sup-map]").screenshot(path=str(ARTIFACTS / "supervisor-map.png"))
    uncovered = page.locator(".zs-uncovered").count()
    assert 0 < uncovered < page.locator(".zs-uncovered, .zs-covered").count()
    # the inspections' tooltips: the HTML-like name as text, the result in words
    for n in range(2):
        page.locator(".zs-insp").nth(n).dispatch_event("mouseover")
    tips = page.locator(".leaflet-tooltip")
    expect(tips.filter(has_text='<b class="zs-injected">商户0</b>')).to_have_count(1)
    expect(tips.filter(has_text="合格")).to_have_count(2)
    expect(page.locator(".zs-injected")).to_have_count(0)

    # tracks are simplified for the zoom: zooming out asks for coarser detail, in for finer
    asked: list[int] = []
    asked_from: list[str] = []

    def seen(r) -> None:
        if "/supervision/patrols" in r.url:
            query = parse_qs(urlparse(r.url).query)
            asked.append(int(query["simplify"][0]))
            asked_from.append(query["from"][0])
    page.on("request", seen)
    simplify = page.locator("[data-test=sup-simplify]")
    metres = lambda: int(simplify.inner_text().split("±")[1].split()[0])  # noqa: E731
    settled(page)  # the fit to the street is done: the label shows its detail
    before = metres()
    page.locator(".leaflet-control-zoom-out").click()
    expect(simplify).not_to_contain_text(f"±{before} ")
    after = metres()
    assert after > before
    wait_for(lambda: after in asked, page, what="the coarser tracks asked for")
    expect(page.locator(".zs-sup-track")).to_have_count(2)

    # dates typed but not yet applied change nothing: a zoom's reload asks for the shown
    # period (it once drew the typed period's tracks over the shown period's grids)
    page.locator("[data-test=sup-from]").fill((start - timedelta(days=1)).isoformat())
    asked.clear()
    asked_from.clear()
    settled(page)
    page.locator(".leaflet-control-zoom-in").click()
    expect(simplify).to_contain_text(f"±{before} ")  # finer again
    wait_for(lambda: before in asked, page, what="the finer tracks asked for")
    assert set(asked_from) == {start.isoformat()}, asked_from
    expect(page.locator(".zs-sup-track")).to_have_count(2)
    expect(page.locator("[data-test=sup-period]")).to_have_text(f"{start.isoformat()} — {today.isoformat()}")

    # the log for one officer: only the patrol zf003 walked
    # (a searchable pick, no Ctrl-click: type part of the name, tap the officer)
    page.locator("[data-test=sup-officers-q]").fill("zf003")
    expect(page.locator("[data-test^=sup-officers-zf]")).to_have_count(1)
    page.locator("[data-test=sup-officers-zf003]").click()
    expect(page.locator("[data-test=sup-officers-chip-zf003]")).to_be_visible()
    page.locator("[data-test=sup-load]").click()
    expect(page.locator(".zs-sup-track")).to_have_count(1)
    page.locator("[data-test=sup-officers-clear]").click()
    page.locator("[data-test=sup-load]").click()
    expect(page.locator(".zs-sup-track")).to_have_count(2)

    # click on the line itself (a straight walk: the middle of its bounding box lies on it)
    page.locator("[data-test=sup-map]").scroll_into_view_if_needed()
    box = page.locator(".zs-sup-track").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert box["width"] > 15  # drawn as a line, not a dot
    page.mouse.click(x, y)
    expect(page.locator("[data-test=sup-summary]")).to_be_visible()
    expect(page.locator("[data-test=sup-distance]")).to_contain_text("km")
    expect(page.locator("[data-test=sup-summary]")).to_contain_text("无定位上报")  # the 10-minute hole in the track
    expect(page.locator("[data-test=sup-inspections] .van-cell__value")).to_have_text("1")  # its inspection (商户0 or 商户1)
    expect(page.locator("[data-test=sup-inspections]")).to_contain_text("商户")
    page.locator("[data-test=sup-playback]").fill("40")
    expect(page.locator(".zs-replay")).to_be_attached()
    with page.expect_download() as dl:
        page.locator("[data-test=track-gpx]").click()
    gpx = ElementTree.fromstring(Path(dl.value.path()).read_bytes())
    assert len(gpx.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")) > 10  # the cleaned track, not the drawn one

    with page.expect_download() as dl:
        page.locator("[data-test=export-geojson]").click()
    geo = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2

    page.locator(".van-tab", has_text="统计").click()
    expect(page.locator("[data-test=fig-inspections] .van-cell__value")).to_have_text("2")
    page.locator("[data-test=fig-inspections]").click()
    expect(page.locator("[data-test=drill-table] tr")).to_have_count(3)
    # what a person reads: column names in words, local times, results in Chinese — nothing raw
    table = page.locator("[data-test=drill-table]")
    expect(table).to_contain_text("检查对象")
    shown = table.inner_text()
    assert "subject_name" not in shown and "+00:00" not in shown and "compliant" not in shown and "合格" in shown, shown
    with page.expect_download() as dl:
        page.locator("[data-test=export-xlsx]").click()
    sheet = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    # the file says what the table says: the same headers, names and words (one dictionary)
    heads = [c.value for c in sheet[1]]
    assert sheet.max_row == 3 and heads == [th.inner_text().strip() for th in table.locator("th").all() if th.inner_text().strip()]
    assert "合格" in [c.value for c in sheet["D"]] and "subject_name" not in heads
    assert "张伟" in shown and "张伟" in [c.value for c in sheet["B"]]  # the officer's name, not an id
    # 督查: the first inspection (zf001's) needs a better photo
    reviewed = page.locator("[data-test^=review-open-]").first.get_attribute("data-test")
    page.locator(f"[data-test={reviewed}]").click()
    page.locator("[data-test=review-text] textarea").fill("门牌照片不清，请补拍")
    page.locator("[data-test=review-correct]").click()
    expect(page.locator("[data-test=review-text]")).to_have_count(0)

    # dispatch (派遣) to zf001, placed on the map, with an address and a photo of the complaint
    page.locator(".van-tab", has_text="派遣").click()
    page.locator("[data-test=task-title] input").fill("核查噪声投诉")
    page.locator("[data-test=task-description] textarea").fill("某路 12 号夜间施工")
    page.locator("[data-test=task-address] input").fill("蛟川街道某路 12 号")
    page.locator("[data-test=task-map]").scroll_into_view_if_needed()
    box = page.locator("[data-test=task-map]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("[data-test=task-place]")).not_to_contain_text("点选")
    page.locator("[data-test=photo-input]").set_input_files(photo_file(tmp_path, "complaint.jpg", 640, 480))
    expect(page.locator("[data-test=photo]")).to_have_count(1)
    page.locator("[data-test=assign-zf001]").click()
    page.locator("[data-test=dispatch]").click()
    expect(page.locator("[data-test=dispatched]")).to_be_visible()
    task_id = page.locator("[data-test=dispatched]").inner_text().split("#")[1].split("→")[0].strip()
    expect(page.locator("[data-test=photo]")).to_have_count(0)  # the form is ready for the next task
    page.locator(".van-tab", has_text="任务看板").click()
    expect(page.locator(f"[data-test=board-new] [data-test=board-task-{task_id}]")).to_contain_text("核查噪声投诉")
    page.locator(".van-tab", has_text="派遣").click()

    # a second task to a grid: the grid's officer with the fewest open tasks receives it
    page.locator("[data-test=task-title] input").fill("巡查网格内共享单车乱停")
    grid_option = page.locator("[data-test=assign-grid] option").nth(1)
    page.locator("[data-test=assign-grid]").select_option(grid_option.get_attribute("value"))
    page.locator("[data-test=dispatch]").click()
    expect(page.locator("[data-test=dispatched]")).not_to_contain_text(f"#{task_id} ")
    assert "→" in page.locator("[data-test=dispatched]").inner_text()

    # the officer's phone receives it, accepts and reports back with a photo
    phone_ctx = new_phone(browser, f"http://127.0.0.1:{server.port}", geolocation={"latitude": 29.97, "longitude": 121.62, "accuracy": 8})
    try:
        phone = phone_ctx.new_page()
        phone.goto("/")
        login(phone, "zf001")
        correction = phone.locator("[data-test^=correction-]")
        expect(correction).to_contain_text("门牌照片不清")  # the review reached the phone ...
        expect(correction).to_contain_text("检查：")  # ... naming the record by its subject, not an id
        # the officer answers it: the missing photo, added through sync (the inspection itself stays as it was)
        phone.locator("[data-test^=amend-]").first.click()
        expect(phone.locator("[data-test=amend-review]")).to_contain_text("门牌照片不清")
        phone.locator("[data-test=photo-input]").set_input_files(photo_file(tmp_path, "door.jpg", 640, 480))
        expect(phone.locator("[data-test=photo]")).to_have_count(1)
        phone.locator("[data-test=amend-note] textarea").fill("已补拍门牌")
        phone.locator("[data-test=amend-save]").click()
        # queued, then home: going to /tasks before the save had finished once lost the amendment (CI)
        expect(phone.locator("[data-test=amend-save]")).to_have_count(0)
        expect(phone.locator("[data-test^=correction-]")).to_have_count(0)  # answered
        phone.goto("/tasks")
        expect(phone.locator(f"[data-test=task-{task_id}]")).to_contain_text("核查噪声投诉")
        expect(phone.locator(f"[data-test=task-address-{task_id}]")).to_contain_text("蛟川街道某路 12 号")
        thumb = phone.locator(f"[data-test=task-{task_id}] [data-test=server-photo] img")
        expect(thumb).to_have_count(1)  # the dispatcher's photo, fetched with the officer's token
        phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
        phone.locator(f"[data-test=task-accept-{task_id}]").click()
        phone.locator(f"[data-test=task-report-{task_id}]").click()
        phone.locator("[data-test=task-note] textarea").fill("已责令停止夜间施工")
        phone.locator("[data-test=photo-input]").set_input_files(photo_file(tmp_path, "site.jpg"))
        expect(phone.locator("[data-test=photo]")).to_have_count(1)
        phone.locator(f"[data-test=task-done-{task_id}]").click()
        wait_synced(phone)
    finally:
        phone_ctx.close()

    # the supervisor accepts the feedback: the loop is closed, with its time as a figure
    page.locator(".van-tab", has_text="巡查地图").click()
    page.locator("[data-test=sup-load]").click()
    page.locator(".van-tab", has_text="派遣").click()
    expect(page.locator(f"[data-test=review-{task_id}]")).to_contain_text("已责令停止夜间施工")
    expect(page.locator(f"[data-test=review-{task_id}] [data-test=server-photo] img")).to_have_count(1)  # the officer's photo
    page.locator(".van-tab", has_text="任务看板").click()
    expect(page.locator(f"[data-test=board-review] [data-test=board-task-{task_id}]")).to_be_visible()  # 待验收
    page.locator(".van-tab", has_text="派遣").click()
    page.locator(f"[data-test=accept-{task_id}]").click()
    expect(page.locator(f"[data-test=review-{task_id}]")).to_have_count(0)
    page.locator(".van-tab", has_text="统计").click()
    page.locator("[data-test=sup-load]").click()
    expect(page.locator("[data-test=fig-tasks_dispatched] .van-cell__value")).to_have_text("2")
    # the amendment arrived: the reviewed record shows the officer's added photo beside the history
    page.locator("[data-test=fig-inspections]").click()
    expect(page.locator("[data-test=drill-table] tr")).to_have_count(3)
    page.locator(f"[data-test={reviewed}]").click()  # the inspection reviewed above
    drawer = page.locator("[data-test=record-drawer]")
    expect(drawer).to_contain_text(NAMES[0])
    expect(drawer.locator("[data-test^=record-amendment-]")).to_contain_text("已补拍门牌")
    expect(drawer.locator("[data-test^=record-amendment-] [data-test=server-photo] img")).to_have_count(1)
    expect(drawer.locator("[data-test^=record-review-]")).to_contain_text("已答复")
    page.screenshot(path=str(ARTIFACTS / "supervisor-review-drawer.png"), full_page=True)
    # per officer: the grids assigned to them (分包) and how many they patrolled
    rows = page.locator("[data-test^=officer-cov-]")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3 and all(re.fullmatch(r"\d+ / \d+", r.locator(".van-cell__value").inner_text().strip()) for r in rows.all())
    assert any(int(r.locator(".van-cell__value").inner_text().split("/")[0]) > 0 for r in rows.all())  # the seeded walks covered some


def _tile(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional slippy-map tile of a point (Web Mercator), as Leaflet requests them."""
    import math

    n = 2 ** z
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n


def test_on_a_gcj02_base_map_data_is_shifted_to_the_tiles_and_clicks_come_back_as_wgs84(browser, app, demo, database_url, tmp_path):
    """With AMap-style tiles (GCJ-02) the grids are drawn where those tiles show them (the
    tile under the street's centre is the GCJ-02 one, ~500 m from the WGS-84 one), and a
    place clicked for a task is stored in WGS-84."""
    import math

    from geoalchemy2.shape import to_shape
    from shapely.ops import unary_union

    from backend.catalog.models import Grid
    from geo import wgs84_to_gcj02
    from geo.measure import geodesic_distance_m

    with app.app_context():
        street = unary_union([to_shape(g.geom) for g in db.session.query(Grid).filter(Grid.code.like("JC-%"))])
    minx, miny, maxx, maxy = street.bounds

    def mercator_mid(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        y = lambda lat: math.asinh(math.tan(math.radians(lat)))  # noqa: E731
        return (a[0] + b[0]) / 2, math.degrees(math.atan(math.sinh((y(a[1]) + y(b[1])) / 2)))

    centre_wgs = mercator_mid((minx, miny), (maxx, maxy))
    centre_gcj = mercator_mid(wgs84_to_gcj02(minx, miny), wgs84_to_gcj02(maxx, maxy))
    srv = start_server(database_url, str(tmp_path / "media"), app.config["SECRET_KEY"],
                       MAP_TILE_URL="/no-tiles/{z}/{x}/{y}.png?s={s}", MAP_TILE_CRS="gcj02", MAP_TILE_SUBDOMAINS="1")
    ctx = new_phone(browser, f"http://127.0.0.1:{srv.port}")
    try:
        page = ctx.new_page()
        login(page, "zd001")
        page.locator("[data-test=go-supervise]").click()
        expect(page.locator("[data-test=sup-legend]")).not_to_contain_text("未巡查网格 —")
        page.locator("[data-test=sup-map]").scroll_into_view_if_needed()
        tiles = page.locator("img.leaflet-tile")
        expect(tiles.first).to_be_attached()
        settled(page)  # the fit to the street has settled (tiles of the first view may linger)

        def zoom_now() -> int:  # the newest level of tiles (read in one go: Leaflet adds and prunes tiles meanwhile)
            srcs = page.evaluate("[...document.querySelectorAll('img.leaflet-tile')].map((t) => t.getAttribute('src'))")
            return max(int(src.split("/no-tiles/")[1].split("/")[0]) for src in srcs)

        zoom = zoom_now()
        # zoom in (about the centre) until the street's centre lies in different tiles in
        # the two frames, well inside its GCJ-02 tile (the fitted centre is exact to a pixel)
        while True:
            g, w = _tile(*centre_gcj, zoom), _tile(*centre_wgs, zoom)
            inside = all(0.1 < v % 1 < 0.9 for v in g)
            if inside and (int(g[0]), int(g[1])) != (int(w[0]), int(w[1])):
                break
            for attempt in range(4):  # a tap during a zoom animation is dropped by Leaflet: tap again
                settled(page)
                page.locator(".leaflet-control-zoom-in").click()
                try:
                    wait_for(lambda: zoom_now() > zoom, page, timeout=15, what="the next zoom level's tiles")
                    break
                except AssertionError:
                    if attempt == 3:
                        raise
            assert zoom_now() == zoom + 1 <= 19
            zoom += 1
            settled(page)  # the level's tiles are all placed
        box = page.locator("[data-test=sup-map]").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        under = [t for t in page.locator(f"img.leaflet-tile[src*='/no-tiles/{zoom}/']").all()
                 if (b := t.bounding_box()) and b["x"] <= cx < b["x"] + b["width"] and b["y"] <= cy < b["y"] + b["height"]]
        assert len(under) == 1
        x, y = map(int, under[0].get_attribute("src").split(f"/no-tiles/{zoom}/")[1].split(".png")[0].split("/"))
        assert (x, y) == (int(_tile(*centre_gcj, zoom)[0]), int(_tile(*centre_gcj, zoom)[1]))

        # a task placed by a click at the centre of the dispatch map is stored in WGS-84
        page.locator(".van-tab", has_text="派遣").click()
        page.locator("[data-test=task-map]").scroll_into_view_if_needed()
        expect(page.locator("[data-test=task-map] path").first).to_be_attached()
        box = page.locator("[data-test=task-map]").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator("[data-test=task-place]")).not_to_contain_text("点选")
        lat, lon = map(float, page.locator("[data-test=task-place] .van-cell__value").inner_text().split(","))
        assert geodesic_distance_m(lon, lat, *centre_wgs) < 60  # the GCJ-02 point would be ~500 m off
        assert geodesic_distance_m(lon, lat, *centre_gcj) > 300
    finally:
        ctx.close()
        srv.stop()


def test_the_console_is_a_desk_application_with_a_live_layer(night_clock, desk, server, app, client, auth):
    """Above 1200 px: no phone column, no tab bar, filters | full-height map | detail; the
    officers on patrol now on the map and in the list, with how long ago their phone spoke."""
    page = desk
    with app.app_context():
        zf004 = db.session.query(Officer).filter_by(username="zf004").one()
        pid, now = str(uuid.uuid4()), night_clock.now().astimezone(timezone.utc).replace(microsecond=0)
        patrols.start_patrol(patrol_id=pid, officer=zf004, device_id="dev-live-0001", started_at=now - timedelta(minutes=20),
                             captured_at=now - timedelta(minutes=20), officer_ids=[zf004.id])
        ms = int((now - timedelta(minutes=3)).timestamp() * 1000)
        patrols.add_track_points(patrol_id=pid, batch_id=str(uuid.uuid4()), device_id="dev-live-0001", officer=zf004,
                                 points=[{"t": ms + 10000 * i, "lat": 29.97, "lon": 121.62 + 0.0001 * i, "accuracy": 5} for i in range(6)])
        db.session.commit()
    page.goto("/")
    login(page, "zd001")
    page.locator("[data-test=go-supervise]").click()
    expect(page.locator("[data-test=live-zf004]")).to_contain_text("分钟")  # 2 minutes ago
    expect(page.locator(".zs-live-marker")).to_have_count(1)
    expect(page.locator(".van-tabbar")).to_be_hidden()  # a desk, not a phone
    width = page.evaluate("document.getElementById('app').getBoundingClientRect().width")
    assert width > 1300, width  # the whole width, not a 720-px column
    box = page.locator("[data-test=sup-map]").bounding_box()
    assert box["height"] > 500 and box["width"] > 600, box  # the map takes the middle, full height
    page.locator("[data-test=live-zf004]").click()  # the map goes to the officer
    page.screenshot(path=str(ARTIFACTS / "supervisor-desk.png"))
    # a decision under review opens in the drawer: what was decided, on whom, its evidence
    from tests.api.test_tickets import issue, lease

    phone = auth.login("zf001")
    number, _ = issue(app, phone, lease(client, phone, 1)[0])
    page.locator(".van-tab", has_text="统计").click()
    page.locator("[data-test=sup-load]").click()
    page.locator("[data-test=fig-simple_cases]").click()
    page.locator("[data-test^=review-open-]").first.click()
    drawer = page.locator("[data-test=record-drawer]")
    expect(drawer).to_contain_text(number)
    expect(drawer.locator("[data-test=record-penalty]")).to_contain_text("罚款 ¥150.00")
