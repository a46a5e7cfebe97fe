"""Authorization matrix: every API endpoint × identity × own/other jurisdiction × own/other record.

The table below is the specification. The test collects the live route table and fails
when an endpoint has no entry, so a new endpoint cannot ship without deciding who may
call it. Each entry is checked over HTTP with real tokens:

* allowed roles get a 2xx, other roles 403 `auth.role_forbidden`;
* anonymous, a revoked device and an expired token get 401 (public endpoints: 2xx);
* for resources bound to a jurisdiction, another street's resource is 403
  `auth.other_jurisdiction` for everyone but a district-level admin;
* a colleague of the same street (zf002) on zf001's record gets what `colleague` says.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from backend import clock
from backend.auth import tokens
from tests.api.test_tickets import PRIOR_ORDER
from tests.conftest import assert_error

OFFICER, AUXILIARY, SUPERVISOR, ADMIN = "officer", "auxiliary", "supervisor", "admin"
ALL = frozenset({OFFICER, AUXILIARY, SUPERVISOR, ADMIN})
MANAGERS = frozenset({SUPERVISOR, ADMIN})
PUBLIC = "public"

# identity name -> (username, role); jc_admin is created by the test (an admin of one street)
IDENTITIES = {
    "officer": ("zf001", OFFICER),
    "auxiliary": ("fz001", AUXILIARY),
    "supervisor": ("zd001", SUPERVISOR),
    "street_admin": ("jcadmin", ADMIN),
    "district_admin": ("admin", ADMIN),
}


@dataclass
class Ctx:
    client: Any
    auth: Any
    app: Any
    ids: dict[str, Any] = field(default_factory=dict)

    def fresh_device(self, username: str) -> str:
        return self.auth.login(username).device_id


Builder = Callable[[Ctx, str], tuple[str, Any]]  # (ctx, "own"|"other") -> (path, json body)


@dataclass
class Spec:
    allowed: frozenset[str] | str
    build: Builder
    scoped: bool = False  # the resource belongs to a jurisdiction: test the other street's too
    denied_code: str | dict = "auth.role_forbidden"  # what a role outside `allowed` gets (per role if a dict)
    declared: frozenset[str] | None = None  # the decorator's roles when the service narrows them further
    other_code: str | None = None  # what another street gets (default: denied_code or other_jurisdiction)
    # what zf002 — an officer of the same street who neither made nor was given the record —
    # gets: None = the same as the record's own officer
    colleague: str | None = None


def _path(p: str) -> Builder:
    return lambda ctx, which: (p, None)


def _login_body(ctx: Ctx, which: str):
    return "/api/v1/auth/login", {"username": "zf002", "password": "demo1234", "device_id": f"dev-{uuid.uuid4()}"}


def _refresh_body(ctx: Ctx, which: str):
    return "/api/v1/auth/refresh", {"refresh_token": ctx.auth.login("zf002").refresh_token}


def _officer_detail(ctx: Ctx, which: str):
    return f"/api/v1/officers/{ctx.ids['officer_' + which]}", None


def _create_officer(ctx: Ctx, which: str):
    return "/api/v1/officers", {
        "username": f"new{uuid.uuid4().hex[:8]}",
        "name": "新队员",
        "role": "auxiliary",
        "password": "abcd1234x",
        "jurisdiction_id": ctx.ids["jurisdiction_" + which],
    }


def _revoke(ctx: Ctx, which: str):
    username = "zf002" if which == "own" else "zf102"
    return f"/api/v1/devices/{ctx.fresh_device(username)}/revoke", {"reason": "test"}


def _grids(ctx: Ctx, which: str):
    return f"/api/v1/grids?jurisdiction_id={ctx.ids['jurisdiction_' + which]}", None


def _make_patrol(ctx: Ctx, which: str) -> str:
    """A patrol of zf001 + fz001 (own street) or of zf101 (the other street)."""
    from datetime import datetime, timezone

    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import service

    key = f"patrol_{which}"
    if key not in ctx.ids:
        with ctx.app.app_context():
            lead, mates = ("zf001", ["fz001"]) if which == "own" else ("zf101", [])
            officer = db.session.query(Officer).filter_by(username=lead).one()
            mate_ids = [db.session.query(Officer).filter_by(username=m).one().id for m in mates]
            pid = str(uuid.uuid4())
            t = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
            service.start_patrol(patrol_id=pid, officer=officer, device_id="dev-matrix", started_at=t, captured_at=t, officer_ids=mate_ids)
            ms = int(t.timestamp() * 1000)
            lon = 121.62 if which == "own" else 121.68
            pts = [{"t": ms + 5000 * i, "lat": 29.97, "lon": lon + 0.0001 * i, "accuracy": 5} for i in range(20)]
            service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=pid, points=pts, officer=officer, device_id="dev-matrix")
        ctx.ids[key] = pid
    return ctx.ids[key]


def _make_inspection(ctx: Ctx, which: str) -> str:
    from datetime import datetime, timezone

    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import service

    key = f"inspection_{which}"
    if key not in ctx.ids:
        with ctx.app.app_context():
            officer = db.session.query(Officer).filter_by(username="zf001" if which == "own" else "zf101").one()
            t = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
            iid = str(uuid.uuid4())
            service.record_inspection(inspection_id=iid, officer=officer, device_id="dev-matrix", captured_at=t, inspected_at=t,
                                      lat=29.97, lon=121.62 if which == "own" else 121.68, accuracy_m=5,
                                      subject_name="某某小吃店", result="compliant")
        ctx.ids[key] = iid
    return ctx.ids[key]


def _photo(ctx: Ctx, which: str) -> str:
    """A photo uploaded by zf001 and cited by an inspection (own) or by zf101 (other)."""
    import hashlib

    from tests import images

    key = f"photo_{which}"
    if key not in ctx.ids:
        data = images.jpeg_without_exif(64 + (which == "other"), 48)
        digest = hashlib.sha256(data).hexdigest()
        uploader = ctx.auth.login("zf001" if which == "own" else "zf101")
        assert ctx.client.put(f"/api/v1/media/{digest}", data=data, headers=uploader.headers).status_code == 201
        from datetime import datetime, timezone

        from backend.auth.models import Officer
        from backend.extensions import db
        from backend.patrols import service

        with ctx.app.app_context():
            officer = db.session.query(Officer).filter_by(username="zf001" if which == "own" else "zf101").one()
            t = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
            service.record_inspection(inspection_id=str(uuid.uuid4()), officer=officer, device_id="dev-matrix", captured_at=t,
                                      inspected_at=t, lat=29.97, lon=121.62 if which == "own" else 121.68, accuracy_m=5,
                                      subject_name="店", result="compliant", photos=[digest])
        ctx.ids[key] = digest
    return ctx.ids[key]


def _upload(ctx: Ctx, which: str):
    """A new small photo each call (raw bytes, not JSON)."""
    import hashlib

    from tests import images

    ctx.ids["n"] = ctx.ids.get("n", 0) + 1
    data = images.jpeg_without_exif(32 + ctx.ids["n"], 32)
    return f"/api/v1/media/{hashlib.sha256(data).hexdigest()}", data


def _new_ticket(ctx: Ctx, which: str, cash: bool = False) -> str:
    """A fresh lawful ticket of zf001+zf002 (own street) or zf101+zf102 (other)."""

    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.tickets import service

    lead_name, mate_name = ("zf001", "zf002") if which == "own" else ("zf101", "zf102")
    phone = ctx.auth.login(lead_name)
    number = ctx.client.post("/api/v1/ticket-books", json={"count": 1}, headers=phone.headers).get_json()["numbers"][0]
    with ctx.app.app_context():
        lead = db.session.query(Officer).filter_by(username=lead_name).one()
        mate = db.session.query(Officer).filter_by(username=mate_name).one()
        now = clock.now()
        service.issue_ticket(ticket_id=str(uuid.uuid4()), number=number, identity_officer=lead, device_id=phone.device_id,
                             issued_at=now, captured_at=now, proposal={
                                 "party": {"type": "citizen", "name": "张三"}, "matter_code": "SR-001", "facts": "店外经营",
                                 "prior_order": PRIOR_ORDER,
                                 "place": {"lat": 29.97, "lon": 121.62 if which == "own" else 121.68},
                                 "penalty": {"kind": "fine", "amount_fen": 10000 if cash else 15000}, "officer_ids": [lead.id, mate.id],
                                 "payment": {"route": "on_the_spot", "receipt_number": "浙财 0001"} if cash else {"route": "bank"},
                                 "signature": {"refused_note": "拒签"},
                                 "statement": {"informed": True}})
    return number


def _cosign(ctx: Ctx, which: str):
    """A decision zf002 issued naming zf001 (zf102 naming zf101 in the other street),
    through sync; the body is zf001's consent to it."""
    from backend.tickets.consents import consent_digest
    from tests.api.test_one_door import ticket
    from tests.api.test_sync import push, rec

    key = f"cosign_{which}"
    if key not in ctx.ids:
        lead, mate = ("zf002", "zf001") if which == "own" else ("zf102", "zf101")
        phone = ctx.auth.login(lead)
        number = ctx.client.post("/api/v1/ticket-books", json={"count": 1}, headers=phone.headers).get_json()["numbers"][0]
        payload = ticket(number, officers=[lead, mate], lon=121.62 if which == "own" else 121.68)
        assert push(ctx.client, phone, [rec("ticket", payload, at=clock.now())])[0]["code"] == "ticket.cosign_pending"
        ctx.ids[key] = (number, consent_digest(payload))
    number, digest = ctx.ids[key]
    return f"/api/v1/tickets/{number}/cosign", {"digest": digest}


def _notice_2027() -> dict:
    from tests.api.test_holiday_notices import NOTICE_2027

    return NOTICE_2027


def _session_key(ctx: Ctx, which: str):
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    spki = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "/api/v1/auth/session-key", {"public_key": base64.b64encode(spki).decode()}


def _ticket(ctx: Ctx, which: str) -> str:
    key = f"ticket_{which}"
    if key not in ctx.ids:
        ctx.ids[key] = _new_ticket(ctx, which)
    return ctx.ids[key]


def _case_of(ctx: Ctx, number: str) -> int:
    from backend.cases.models import Case
    from backend.extensions import db
    from backend.tickets.models import Ticket

    with ctx.app.app_context():
        ticket_id = db.session.query(Ticket.id).filter_by(number=number).scalar()
        return db.session.query(Case.id).filter_by(ticket_id=ticket_id).scalar()


def _general_case(ctx: Ctx, which: str) -> int:
    from backend.auth import service as auth_service
    from backend.auth.models import Officer
    from backend.cases import service as cases
    from backend.extensions import db

    with ctx.app.app_context():
        officer = db.session.query(Officer).filter_by(username="zf001" if which == "own" else "zf101").one()
        session = ctx.auth.login(officer.username)
        identity = auth_service.identity_from_access_token(session.access_token)
        return cases.open_general_case(identity, party_name="某公司", matter_code="HJ-003", facts="x", inspection_id=None).id


def _case_document(ctx: Ctx, which: str) -> tuple[int, int]:
    """A general case of the street not filed by its supervisor: it has its 立案审批表."""
    from backend.auth import service as auth_service
    from backend.cases import general
    from backend.cases.models import Case
    from backend.extensions import commit, db

    key = f"case_document_{which}"
    if key not in ctx.ids:
        case_id = _general_case(ctx, which)
        boss = ctx.auth.login("zd001" if which == "own" else "zd101")
        with ctx.app.app_context():
            identity = auth_service.identity_from_access_token(boss.access_token)
            step = general.take_step(db.session.get(Case, case_id), identity, "filing_approval", {"approve": False, "opinion": "不予立案"})
            ctx.ids[key] = (case_id, step.document.id)
            commit()
    return ctx.ids[key]


def _rectify_order(ctx: Ctx, which: str) -> str:
    """A 责令整改 inspection of zf001's street (own) or 招宝山's (other)."""
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import service as patrols

    key = f"rectify_{which}"
    if key not in ctx.ids:
        iid = str(uuid.uuid4())
        at = clock.now().replace(microsecond=0)
        lat, lon = (29.97, 121.62) if which == "own" else (29.96, 121.68)
        with ctx.app.app_context():
            officer = db.session.query(Officer).filter_by(username="zf001" if which == "own" else "zf101").one()
            patrols.record_inspection(inspection_id=iid, officer=officer, device_id="dev-matrix", captured_at=at, inspected_at=at,
                                      lat=lat, lon=lon, accuracy_m=5, subject_name="某店", result="rectify",
                                      rectify_deadline=clock.local_today())
        ctx.ids[key] = iid
    return ctx.ids[key]


def _complaint(ctx: Ctx, which: str, fresh: bool = False) -> tuple[int, str]:
    """A resident's report with a photo, in zf001's street (own) or 招宝山 (other)."""
    from backend.complaints import service as complaints
    from backend.extensions import commit
    from tests import images

    key = f"complaint_{which}"
    if fresh or key not in ctx.ids:
        point = (29.97, 121.62) if which == "own" else (29.96, 121.68)
        with ctx.app.app_context():
            c = complaints.submit(description="门口垃圾堆放很久了，一直没人清理", phone="13800001234", lat=point[0], lon=point[1],
                                  photos=[images.jpeg(64, 48)])
            out = (c.id, c.photos[0])
            commit()
        if fresh:
            return out
        ctx.ids[key] = out
    return ctx.ids[key]


def _subject(ctx: Ctx, which: str, fresh: bool = False) -> int:
    """A subject of the register of zf001's street (own) or 招宝山 (other)."""
    from backend.extensions import commit
    from backend.subjects import service as subjects

    key = f"subject_{which}"
    if fresh or key not in ctx.ids:
        with ctx.app.app_context():
            sid = subjects.resolve(ctx.ids[f"jurisdiction_{which}"], subject_id=None, name=f"某店{uuid.uuid4().hex[:6]}", address="某路")
            commit()
        if fresh:
            return sid
        ctx.ids[key] = sid
    return ctx.ids[key]


def _spot_plan_body(ctx: Ctx, which: str):
    """A 市容环卫 spot-check plan (empowered in both streets) for zd001's street (own) or 招宝山 (other)."""
    today = clock.local_today()
    return "/api/v1/spot-checks", {"name": "双随机抽查", "domain": "市容环卫", "count": 1, "starts_on": today.isoformat(),
                                   "ends_on": (today + timedelta(days=30)).isoformat(), "jurisdiction_id": ctx.ids[f"jurisdiction_{which}"]}


def _spot_check(ctx: Ctx, which: str, *, fresh: bool = False, drawn: bool = False, publishable: bool = False) -> int:
    """A spot-check plan of zd001's street (own) or 招宝山 (other) with a subject to draw; drawn by
    the street's supervisor, and its subject inspected by the first officer of the pair (publishable)."""
    from backend.auth import service as auth_service
    from backend.auth.models import Officer
    from backend.extensions import commit, db
    from backend.patrols import service as patrols
    from backend.subjects import spot_service as spot

    key = f"spot_{which}_{drawn}_{publishable}"
    if fresh or key not in ctx.ids:
        _subject(ctx, which)
        boss = ctx.auth.login("zd001" if which == "own" else "zd101")
        with ctx.app.app_context():
            identity = auth_service.identity_from_access_token(boss.access_token)
            today = clock.local_today()
            plan = spot.create_plan(identity, name="双随机抽查", domain="市容环卫", count=1, starts_on=today,
                                    ends_on=today + timedelta(days=30))
            if drawn or publishable:
                plan = spot.draw_plan(identity, plan.id)
            if publishable:
                item = plan.items[0]
                at = clock.now().replace(microsecond=0)
                patrols.record_inspection(inspection_id=str(uuid.uuid4()), officer=db.session.get(Officer, item.first_officer_id),
                                          device_id="dev-matrix", captured_at=at, inspected_at=at, lat=29.97,
                                          lon=121.62 if which == "own" else 121.68, accuracy_m=5, subject_name="某店",
                                          subject_id=item.subject_id, result="compliant")
            ctx.ids[key] = plan.id
            commit()
    return ctx.ids[key]


def _default_template(kind: str) -> dict:
    from backend.cases.documents.render import default_templates

    return default_templates()[kind]


def _task(ctx: Ctx, which: str, fresh: bool = False, done: bool = False) -> int:
    """A task dispatched to zf001 (own street) or zf101 (other), optionally fed back as done."""
    from backend.auth import service as auth_service
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.tasks import service as tasks

    key = f"task_{which}"
    if fresh or key not in ctx.ids:
        boss, worker = ("zd001", "zf001") if which == "own" else ("zd101", "zf101")
        session = ctx.auth.login(boss)
        with ctx.app.app_context():
            identity = auth_service.identity_from_access_token(session.access_token)
            task = tasks.dispatch(identity, title="核查", description="", assignee=worker)
            if done:
                tasks.update(db.session.query(Officer).filter_by(username=worker).one(), task_id=task.id, status="done")
            ctx.ids[key] = task.id
    return ctx.ids[key]


def _fresh_number(ctx: Ctx, which: str) -> str:
    phone = ctx.auth.login("zf001" if which == "own" else "zf101")
    return ctx.client.post("/api/v1/ticket-books", json={"count": 1}, headers=phone.headers).get_json()["numbers"][0]


def _review(ctx: Ctx, which: str) -> str:
    """A correction asked of zf001 (own street) or zf101 (the other), on their inspection."""
    from backend.auth import service as auth_service
    from backend.auth.access import Identity
    from backend.extensions import db
    from backend.reviews import service

    iid = _make_inspection(ctx, which)
    with ctx.app.app_context():
        boss = ctx.auth.login("zd001" if which == "own" else "zd101")
        identity = auth_service.identity_from_access_token(boss.access_token)
        assert isinstance(identity, Identity)
        review = service.add_review(identity, object_type="inspection", object_id=iid, verdict="needs_correction", comment="补拍照片")
        rid = review.id
        db.session.remove()
    return str(rid)


def _basemap_file(ctx: Ctx) -> bytes:
    import tempfile
    from pathlib import Path

    from tests.api.test_basemap import mbtiles

    return mbtiles(Path(tempfile.mkdtemp()) / "m.mbtiles")


def _basemap_loaded(path: str) -> Builder:
    """A route that needs a loaded base map (loaded first, as an administrator would)."""
    def build(ctx: Ctx, which: str) -> tuple[str, Any]:
        import io

        from backend.basemap import service as basemap

        basemap.load(ctx.app.config["MEDIA_ROOT"], io.BytesIO(_basemap_file(ctx)), 1 << 30, "admin", "2026-11-30T00:00:00+08:00")
        return path, None
    return build


MATRIX: dict[tuple[str, str], Spec] = {
    ("GET", "/api/v1/health"): Spec(PUBLIC, _path("/api/v1/health")),
    ("GET", "/api/v1/basemap"): Spec(PUBLIC, _basemap_loaded("/api/v1/basemap")),
    ("GET", "/api/v1/basemap/tiles/<int(max=24):z>/<int:x>/<int:y>"): Spec(PUBLIC, _basemap_loaded("/api/v1/basemap/tiles/15/27445/13456")),
    ("PUT", "/api/v1/basemap"): Spec(frozenset({ADMIN}), lambda c, w: ("/api/v1/basemap", _basemap_file(c))),
    ("GET", "/api/v1/openapi.json"): Spec(PUBLIC, _path("/api/v1/openapi.json")),
    ("GET", "/api/v1/docs"): Spec(PUBLIC, _path("/api/v1/docs")),
    ("GET", "/api/v1/docs/static/<path:filename>"): Spec(PUBLIC, _path("/api/v1/docs/static/swagger-ui.css")),
    ("POST", "/api/v1/auth/login"): Spec(PUBLIC, _login_body),
    ("POST", "/api/v1/auth/refresh"): Spec(PUBLIC, _refresh_body),
    ("POST", "/api/v1/auth/logout"): Spec(ALL, _path("/api/v1/auth/logout")),
    ("GET", "/api/v1/me"): Spec(ALL, _path("/api/v1/me")),
    ("GET", "/api/v1/holiday-calendar"): Spec(MANAGERS, _path("/api/v1/holiday-calendar")),
    ("PUT", "/api/v1/holiday-calendar/<int(min=2000, max=2100):year>"): Spec(
        frozenset({ADMIN}), lambda c, w: ("/api/v1/holiday-calendar/2027", _notice_2027())),
    ("PUT", "/api/v1/auth/session-key"): Spec(ALL, _session_key),
    ("GET", "/api/v1/team"): Spec(ALL, _path("/api/v1/team")),
    ("GET", "/api/v1/officers"): Spec(MANAGERS, _path("/api/v1/officers")),
    ("POST", "/api/v1/officers"): Spec(frozenset({ADMIN}), _create_officer, scoped=True),
    ("GET", "/api/v1/officers/<int:officer_id>"): Spec(MANAGERS, _officer_detail, scoped=True),
    ("GET", "/api/v1/devices"): Spec(MANAGERS, _path("/api/v1/devices")),
    ("POST", "/api/v1/devices/<string:device_id>/revoke"): Spec(MANAGERS, _revoke, scoped=True),
    ("GET", "/api/v1/jurisdictions"): Spec(ALL, _path("/api/v1/jurisdictions")),
    ("GET", "/api/v1/grids"): Spec(ALL, _grids, scoped=True),
    ("GET", "/api/v1/grids/at"): Spec(ALL, _path("/api/v1/grids/at?lat=29.97&lon=121.63")),
    ("GET", "/api/v1/matters"): Spec(ALL, _path("/api/v1/matters")),
    ("GET", "/api/v1/matters/<string:code>"): Spec(ALL, _path("/api/v1/matters/SR-001")),
    ("GET", "/api/v1/patrols"): Spec(ALL, _path("/api/v1/patrols")),
    ("GET", "/api/v1/patrols/<string:patrol_id>"): Spec(ALL, lambda c, w: (f"/api/v1/patrols/{_make_patrol(c, w)}", None), scoped=True,
                                                        colleague="patrol.not_participant"),
    ("GET", "/api/v1/patrols/<string:patrol_id>/track"): Spec(
        ALL, lambda c, w: (f"/api/v1/patrols/{_make_patrol(c, w)}/track?format=gpx", None), scoped=True,
        colleague="patrol.not_participant"),
    ("GET", "/api/v1/inspections"): Spec(ALL, _path("/api/v1/inspections")),
    ("PUT", "/api/v1/media/<string:sha256>"): Spec(ALL, _upload),
    ("GET", "/api/v1/rules"): Spec(ALL, _path("/api/v1/rules")),
    ("GET", "/api/v1/ticket-books"): Spec(ALL, _path("/api/v1/ticket-books")),
    ("POST", "/api/v1/ticket-books"): Spec(frozenset({OFFICER}), lambda c, w: ("/api/v1/ticket-books", {"count": 2})),
    ("GET", "/api/v1/ticket-books/report"): Spec(MANAGERS, _path("/api/v1/ticket-books/report")),
    ("POST", "/api/v1/ticket-numbers/<string:number>/void"): Spec(
        frozenset({OFFICER, SUPERVISOR}), lambda c, w: (f"/api/v1/ticket-numbers/{_fresh_number(c, w)}/void", {"reason": "作废"}), scoped=True,
        colleague="ticket.not_yours"),
    # only a named officer other than the issuer consents: a (certified) supervisor not
    # named on it and the issuer (zf002, the "colleague" here) are refused by the service
    ("POST", "/api/v1/tickets/<string:number>/cosign"): Spec(
        frozenset({OFFICER}), _cosign, scoped=True, declared=frozenset({OFFICER, SUPERVISOR}),
        denied_code={SUPERVISOR: "ticket.cosign_mismatch"}, colleague="ticket.cosign_mismatch"),
    ("GET", "/api/v1/tickets/<string:number>"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: (f"/api/v1/tickets/{_ticket(c, w)}", None), scoped=True),
    ("GET", "/api/v1/tickets/<string:number>/print"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: (f"/api/v1/tickets/{_ticket(c, w)}/print?format=html", None), scoped=True),
    ("POST", "/api/v1/tickets/<string:number>/publication"): Spec(
        MANAGERS, lambda c, w: (f"/api/v1/tickets/{_ticket(c, w)}/publication", {"publish": True}), scoped=True),
    ("GET", "/api/v1/cases"): Spec(ALL, _path("/api/v1/cases")),
    ("POST", "/api/v1/sync"): Spec(ALL, lambda c, w: ("/api/v1/sync", "SYNC")),
    ("GET", "/api/v1/sync/changes"): Spec(ALL, _path("/api/v1/sync/changes")),
    ("POST", "/api/v1/tasks"): Spec(MANAGERS, lambda c, w: ("/api/v1/tasks", {"title": "核查", "assignee": "zf001"})),
    ("GET", "/api/v1/tasks"): Spec(ALL, _path("/api/v1/tasks")),
    ("GET", "/api/v1/tasks/<int:task_id>"): Spec(ALL, lambda c, w: (f"/api/v1/tasks/{_task(c, w)}", None), scoped=True),
    ("POST", "/api/v1/tasks/<int:task_id>/status"): Spec(
        frozenset({OFFICER}), lambda c, w: (f"/api/v1/tasks/{_task(c, w, fresh=True)}/status", {"status": "accepted"}), scoped=True,
        denied_code={AUXILIARY: "task.not_yours"}, declared=frozenset({OFFICER, AUXILIARY}), colleague="task.not_yours"),
    ("POST", "/api/v1/tasks/<int:task_id>/review"): Spec(
        MANAGERS, lambda c, w: (f"/api/v1/tasks/{_task(c, w, fresh=True, done=True)}/review", {"status": "closed"}), scoped=True),
    ("GET", "/api/v1/sync/incomplete"): Spec(MANAGERS, _path("/api/v1/sync/incomplete")),
    ("GET", "/api/v1/devices/health"): Spec(MANAGERS, _path("/api/v1/devices/health")),
    ("POST", "/api/v1/cases"): Spec(frozenset({OFFICER, SUPERVISOR}), lambda c, w: (
        "/api/v1/cases", {"party_name": "某公司", "matter_code": "HJ-003", "facts": "油烟"})),
    ("GET", "/api/v1/cases/<int:case_id>"): Spec(ALL, lambda c, w: (f"/api/v1/cases/{_case_of(c, _ticket(c, w))}", None), scoped=True),
    # a general case moves by its steps; this door only closes one early, which a supervisor approves
    ("POST", "/api/v1/cases/<int:case_id>/transitions"): Spec(
        frozenset({SUPERVISOR}), lambda c, w: (f"/api/v1/cases/{_general_case(c, w)}/transitions", {"to": "closed", "note": "撤销立案"}),
        scoped=True, declared=frozenset({OFFICER, SUPERVISOR}), denied_code={OFFICER: "case.needs_supervisor"},
        colleague="case.needs_supervisor"),
    ("POST", "/api/v1/cases/<int:case_id>/steps"): Spec(
        frozenset({SUPERVISOR}), lambda c, w: (f"/api/v1/cases/{_general_case(c, w)}/steps",
                                               {"kind": "filing_approval", "approve": False, "opinion": "不予立案"}),
        scoped=True, declared=frozenset({OFFICER, SUPERVISOR}), denied_code={OFFICER: "case.needs_supervisor"},
        colleague="case.needs_supervisor"),
    ("GET", "/api/v1/cases/<int:case_id>/documents/<int:document_id>.pdf"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: ("/api/v1/cases/{}/documents/{}.pdf".format(*_case_document(c, w)), None),
        scoped=True),
    ("GET", "/api/v1/cases/<int:case_id>/file.pdf"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: (f"/api/v1/cases/{_case_document(c, w)[0]}/file.pdf", None), scoped=True),
    ("GET", "/api/v1/cases/<int:case_id>/file/manifest"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: (f"/api/v1/cases/{_case_document(c, w)[0]}/file/manifest", None),
        scoped=True),
    ("GET", "/api/v1/document-templates"): Spec(MANAGERS, _path("/api/v1/document-templates")),
    ("PUT", "/api/v1/document-templates/<string:kind>"): Spec(frozenset({ADMIN}), lambda c, w: (
        "/api/v1/document-templates/closure_approval", {"body": _default_template("closure_approval")})),
    ("GET", "/api/v1/subjects"): Spec(ALL, _path("/api/v1/subjects?q=店")),
    ("GET", "/api/v1/subjects/register"): Spec(ALL, _path("/api/v1/subjects/register")),
    ("POST", "/api/v1/subjects"): Spec(MANAGERS, lambda c, w: ("/api/v1/subjects", {"name": f"新开店{uuid.uuid4().hex[:6]}",
                                                                                    "jurisdiction_id": c.ids[f"jurisdiction_{w}"]}), scoped=True),
    ("GET", "/api/v1/subjects/<int:subject_id>"): Spec(ALL, lambda c, w: (f"/api/v1/subjects/{_subject(c, w)}", None), scoped=True),
    ("PATCH", "/api/v1/subjects/<int:subject_id>"): Spec(MANAGERS, lambda c, w: (f"/api/v1/subjects/{_subject(c, w)}",
                                                                                 {"risk_class": "high"}), scoped=True),
    ("POST", "/api/v1/subjects/<int:subject_id>/merge"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/subjects/{_subject(c, w, fresh=True)}/merge", {"into": _subject(c, w)}), scoped=True),
    ("POST", "/api/v1/spot-checks"): Spec(MANAGERS, _spot_plan_body, scoped=True),
    ("GET", "/api/v1/spot-checks"): Spec(MANAGERS, _path("/api/v1/spot-checks")),
    ("GET", "/api/v1/spot-checks/<int:plan_id>"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/spot-checks/{_spot_check(c, w, drawn=True)}", None), scoped=True),
    # a draw is made once: a fresh plan for each caller of the own street (招宝山's is drawn once, by the district admin)
    ("POST", "/api/v1/spot-checks/<int:plan_id>/draw"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/spot-checks/{_spot_check(c, w, fresh=w == 'own')}/draw", None), scoped=True),
    ("GET", "/api/v1/spot-checks/<int:plan_id>/verify"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/spot-checks/{_spot_check(c, w, drawn=True)}/verify", None), scoped=True),
    ("POST", "/api/v1/spot-checks/<int:plan_id>/publish"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/spot-checks/{_spot_check(c, w, fresh=w == 'own', publishable=True)}/publish", None), scoped=True),
    ("GET", "/api/v1/inspections/<string:inspection_id>/correction-order.pdf"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: (f"/api/v1/inspections/{_rectify_order(c, w)}/correction-order.pdf", None),
        scoped=True),
    ("GET", "/api/v1/complaints"): Spec(frozenset({OFFICER, SUPERVISOR, ADMIN}), _path("/api/v1/complaints")),
    ("POST", "/api/v1/complaints"): Spec(MANAGERS, lambda c, w: ("/api/v1/complaints", {
        "channel": "hotline", "description": "小区门口流动摊贩占道经营", "phone": "13900002222", "external_ref": f"12345-{uuid.uuid4().hex[:8]}",
        "jurisdiction_code": "330211004"})),
    ("POST", "/api/v1/complaints/import"): Spec(MANAGERS, lambda c, w: (
        "/api/v1/complaints/import?street=330211004", f"工单号,内容,联系电话\n{uuid.uuid4().hex[:8]},门口垃圾堆放很久了,13900002222\n".encode())),
    ("GET", "/api/v1/complaints/<int:complaint_id>"): Spec(frozenset({OFFICER, SUPERVISOR, ADMIN}),
                                                           lambda c, w: (f"/api/v1/complaints/{_complaint(c, w)[0]}", None), scoped=True),
    ("GET", "/api/v1/complaints/<int:complaint_id>/photos/<string:sha256>"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: ("/api/v1/complaints/{}/photos/{}".format(*_complaint(c, w)), None), scoped=True),
    ("POST", "/api/v1/complaints/<int:complaint_id>/triage"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/complaints/{_complaint(c, w, fresh=True)[0]}/triage", {"action": "reject", "reason": "不属于本队职责范围"}), scoped=True),
    ("POST", "/api/v1/complaints/<int:complaint_id>/subject"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/complaints/{_complaint(c, w)[0]}/subject", {"subject_id": _subject(c, w)}), scoped=True),
    ("GET", "/api/v1/reinspections"): Spec(ALL, _path("/api/v1/reinspections?due_before=2026-12-31")),
    ("POST", "/api/v1/payments/bank-import"): Spec(frozenset({OFFICER, SUPERVISOR}), lambda c, w: (
        "/api/v1/payments/bank-import", "交易日期,金额,附言,流水号\n2026-11-20,10.00,无关,BK1\n".encode())),
    ("POST", "/api/v1/cases/<int:case_id>/payments"): Spec(frozenset({OFFICER, SUPERVISOR}), lambda c, w: (
        f"/api/v1/cases/{_case_of(c, _new_ticket(c, w))}/payments",
        {"amount_fen": 15000, "channel": "bank", "paid_on": clock.local_today().isoformat()}), scoped=True),
    ("POST", "/api/v1/cases/<int:case_id>/cash-hand-in"): Spec(frozenset({OFFICER, SUPERVISOR}), lambda c, w: (
        f"/api/v1/cases/{_case_of(c, _new_ticket(c, w, cash=True))}/cash-hand-in",
        {"handed_in_on": clock.local_today().isoformat(), "receipt": "缴-1"}), scoped=True),
    ("POST", "/api/v1/cases/<int:case_id>/payment-plan"): Spec(MANAGERS, lambda c, w: (
        f"/api/v1/cases/{_case_of(c, _new_ticket(c, w))}/payment-plan",
        {"kind": "deferral", "until": (clock.local_today() + timedelta(days=60)).isoformat(), "reason": "当事人申请"}), scoped=True),
    ("POST", "/api/v1/cases/<int:case_id>/pauses"): Spec(frozenset({OFFICER, SUPERVISOR}), lambda c, w: (
        f"/api/v1/cases/{_case_of(c, _ticket(c, w))}/pauses", {"kind": "reconsideration", "start": clock.local_today().isoformat()}), scoped=True),
    ("GET", "/api/v1/media/<string:sha256>/status"): Spec(ALL, _path(f"/api/v1/media/{'a' * 64}/status")),
    # viewing follows the photo's citations: auxiliaries see only their own uploads
    ("GET", "/api/v1/media/<string:sha256>"): Spec(frozenset({OFFICER, SUPERVISOR, ADMIN}),
                                                   lambda c, w: (f"/api/v1/media/{_photo(c, w)}", None), scoped=True, denied_code="media.forbidden"),
    ("GET", "/api/v1/media/<string:sha256>/<any(thumb, display, original):variant>"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: (f"/api/v1/media/{_photo(c, w)}/thumb", None), scoped=True,
        denied_code="media.forbidden"),
    ("POST", "/api/v1/media/<string:sha256>/playback"): Spec(frozenset({OFFICER, SUPERVISOR, ADMIN}),
                                                             lambda c, w: (f"/api/v1/media/{_photo(c, w)}/playback", {}), scoped=True,
                                                             denied_code="media.forbidden"),
    # public: the signed link is the credential (made here by the photo's own officer)
    ("GET", "/api/v1/media/<string:sha256>/play"): Spec(PUBLIC, lambda c, w: (c.client.post(
        f"/api/v1/media/{_photo(c, 'own')}/playback", json={}, headers=c.auth.login("zf001").headers).get_json()["url"], None)),
    ("GET", "/api/v1/media/<string:sha256>/custody"): Spec(frozenset({OFFICER, SUPERVISOR, ADMIN}),
                                                           lambda c, w: (f"/api/v1/media/{_photo(c, w)}/custody", None), scoped=True,
                                                           denied_code="auth.role_forbidden", other_code="media.forbidden"),
    ("GET", "/api/v1/supervision/stats"): Spec(MANAGERS, _path("/api/v1/supervision/stats")),
    ("GET", "/api/v1/supervision/stats/<any(" + ", ".join(__import__("backend.supervision.service", fromlist=["x"]).FIGURES) + "):figure>"): Spec(
        MANAGERS, _path("/api/v1/supervision/stats/general_cases?format=csv")),
    ("GET", "/api/v1/supervision/coverage"): Spec(MANAGERS, _path("/api/v1/supervision/coverage")),
    ("GET", "/api/v1/supervision/officers"): Spec(MANAGERS, _path("/api/v1/supervision/officers")),
    ("GET", "/api/v1/supervision/patrols"): Spec(MANAGERS, _path("/api/v1/supervision/patrols")),
    ("GET", "/api/v1/supervision/inspections/export"): Spec(MANAGERS, _path("/api/v1/supervision/inspections/export?format=kml")),
    ("GET", "/api/v1/supervision/devices"): Spec(MANAGERS, _path("/api/v1/supervision/devices")),
    ("GET", "/api/v1/supervision/dictionary"): Spec(MANAGERS, _path("/api/v1/supervision/dictionary")),
    ("GET", "/api/v1/supervision/live"): Spec(MANAGERS, _path("/api/v1/supervision/live")),
    ("POST", "/api/v1/reviews"): Spec(MANAGERS, lambda c, w: ("/api/v1/reviews", {
        "object_type": "inspection", "object_id": _make_inspection(c, w), "verdict": "comment", "comment": "照片清晰"}), scoped=True),
    ("GET", "/api/v1/reviews"): Spec(ALL, _path("/api/v1/reviews")),
    ("POST", "/api/v1/reviews/<int:review_id>/resolve"): Spec(
        frozenset({OFFICER, SUPERVISOR, ADMIN}), lambda c, w: (f"/api/v1/reviews/{_review(c, w)}/resolve", {"note": "已改"}), scoped=True,
        denied_code={AUXILIARY: "review.not_yours"}, declared=ALL, colleague="review.not_yours"),
    ("GET", "/api/v1/inspections/<string:inspection_id>"): Spec(
        ALL, lambda c, w: (f"/api/v1/inspections/{_make_inspection(c, w)}", None), scoped=True),
}


def live_api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, rule.rule))
    return routes


def test_every_api_endpoint_has_an_entry_in_the_matrix(app):
    live = live_api_routes(app)
    missing = live - set(MATRIX)
    stale = set(MATRIX) - live
    assert not missing, f"endpoints without an authorization entry: {sorted(missing)}"
    assert not stale, f"matrix entries for endpoints that no longer exist: {sorted(stale)}"


def test_the_declared_access_rule_matches_the_matrix(app):
    """The decorator on each view says the same as this table (two sources, one truth)."""
    from backend.auth.access import access_rule

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        declared = access_rule(app, rule.endpoint)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            spec = MATRIX[(method, rule.rule)]
            if spec.allowed == PUBLIC:
                assert declared == "public", rule.rule
            elif spec.declared is not None:
                assert set(declared) == set(spec.declared), rule.rule
            elif spec.denied_code == "auth.role_forbidden":
                assert set(declared) == set(spec.allowed), rule.rule
            else:  # open to every role at the door; the service decides per photo
                assert set(declared) == set(ALL), rule.rule


def _status_ok(status: int) -> bool:
    return 200 <= status < 300


def _call(ctx: Ctx, method: str, path: str, body: Any, headers: dict[str, str]):
    if body == "SYNC":  # the body names the caller's own device
        import jwt as _jwt

        token = headers.get("Authorization", "").partition(" ")[2]
        did = _jwt.decode(token, options={"verify_signature": False}).get("did") if token else "dev-anon-0000"
        body = {"device_id": did, "records": []}
    if isinstance(body, bytes):
        resp = ctx.client.open(path, method=method, data=body, headers=headers, content_type="image/jpeg")
    else:
        resp = ctx.client.open(path, method=method, json=body, headers=headers)
    resp.get_data()  # buffer it, then release file handles (static files)
    resp.close()
    return resp


@pytest.fixture
def ctx(app, client, demo, auth) -> Ctx:
    from backend.auth import service
    from backend.auth.models import Officer
    from backend.extensions import db

    with app.app_context():
        service.create_officer(username="jcadmin", name="街道管理员", role="admin", password="demo1234x", jurisdiction_id=1, check_strength=False)
        ids = {
            "jurisdiction_own": 1,
            "jurisdiction_other": 2,
            "officer_own": db.session.query(Officer).filter_by(username="zf002").one().id,
            "officer_other": db.session.query(Officer).filter_by(username="zf102").one().id,
        }
    return Ctx(client=client, auth=auth, app=app, ids=ids)


def _login_identity(ctx: Ctx, name: str):
    username, _ = IDENTITIES[name]
    password = "demo1234x" if username == "jcadmin" else "demo1234"
    return ctx.auth.login(username, password=password)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_matrix(ctx: Ctx, route):
    method, _ = route
    spec = MATRIX[route]

    # anonymous
    path, body = spec.build(ctx, "own")
    resp = _call(ctx, method, path, body, {})
    if spec.allowed == PUBLIC:
        assert _status_ok(resp.status_code), (route, resp.status_code, resp.get_json())
        return
    assert_error(resp, 401, "auth.required")

    for name, (username, role) in IDENTITIES.items():
        session = _login_identity(ctx, name)
        path, body = spec.build(ctx, "own")
        resp = _call(ctx, method, path, body, session.headers)
        if role in spec.allowed:
            assert _status_ok(resp.status_code), (route, name, resp.status_code, resp.get_json())
        else:
            denied = spec.denied_code.get(role, "auth.role_forbidden") if isinstance(spec.denied_code, dict) else spec.denied_code
            assert_error(resp, 403, denied)
            continue
        if spec.scoped:
            session = _login_identity(ctx, name)  # a logout/revoke above may have used it up
            path, body = spec.build(ctx, "other")
            resp = _call(ctx, method, path, body, session.headers)
            if name == "district_admin":
                assert _status_ok(resp.status_code), (route, name, resp.status_code, resp.get_json())
            else:
                other = spec.other_code or ("media.forbidden" if spec.denied_code == "media.forbidden" else "auth.other_jurisdiction")
                assert_error(resp, 403, other)

    # own/other record: a colleague of the same street on a record that is not theirs
    if OFFICER in spec.allowed:
        colleague = ctx.auth.login("zf002")
        path, body = spec.build(ctx, "own")
        resp = _call(ctx, method, path, body, colleague.headers)
        if spec.colleague is None:
            assert _status_ok(resp.status_code), (route, "colleague", resp.status_code, resp.get_json())
        else:
            assert_error(resp, 403, spec.colleague)

    # a revoked device and an expired token are refused before any role check
    victim = ctx.auth.login("zd001")
    with ctx.app.app_context():
        from backend.auth import service

        service.revoke_device(service.get_device(victim.device_id), "test")
    path, body = spec.build(ctx, "own")
    assert_error(_call(ctx, method, path, body, victim.headers), 401, "device.revoked")

    fresh = ctx.auth.login("zd001")
    with ctx.app.app_context():
        claims = tokens.decode_access_token(ctx.app.config["SECRET_KEY"], fresh.access_token)
        expired = tokens.issue_access_token(ctx.app.config["SECRET_KEY"], int(claims["sub"]), claims["sid"], fresh.device_id, -300)
    assert_error(_call(ctx, method, path, body, {"Authorization": f"Bearer {expired}"}), 401, "auth.token_expired")
