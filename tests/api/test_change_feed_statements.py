"""The change feed a phone polls every minute: one statement beyond authentication when
nothing is new, and the same answers as reading every source whatever changed."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from backend import clock
from backend.extensions import db
from tests import images
from tests.api.test_evidence import cite_in_inspection
from tests.api.test_sync import inspection, push, rec
from tests.api.test_tasks import dispatch


class Statements:
    """The SQL statements the app's engine sends while inside (SQLite's BEGIN IMMEDIATE too:
    it is a round trip like any other), and how many transactions were committed."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.seen: list[str] = []
        self.commits = 0

    def _on(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seen.append(statement)

    def _committed(self, conn: Any) -> None:
        self.commits += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._on)
        event.listen(self.engine, "commit", self._committed)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)
        event.remove(self.engine, "commit", self._committed)


def authentication_statements(app: Flask, client: FlaskClient, headers: dict[str, str], monkeypatch) -> int:
    """The statements of GET /api/v1/me up to the end of its token lookup: what every
    authenticated request pays before its view runs."""
    import backend.auth.service as auth_service

    real = auth_service.identity_from_access_token
    upto: list[int] = []
    with Statements(app) as statements, monkeypatch.context() as patch:
        def counted(token: str) -> Any:
            identity = real(token)
            upto.append(len(statements.seen))
            return identity

        patch.setattr(auth_service, "identity_from_access_token", counted)
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert len(upto) == 1 and upto[0] >= 1
    return upto[0]


def feed(client: FlaskClient, headers: dict[str, str], cursor: str | None = None, limit: int = 100) -> dict[str, Any]:
    resp = client.get(f"/api/v1/sync/changes?limit={limit}" + (f"&since={cursor}" if cursor else ""), headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def read_to_the_end(client: FlaskClient, headers: dict[str, str], cursor: str | None = None, limit: int = 100) -> tuple[list, str]:
    pages = []
    for _ in range(200):
        body = feed(client, headers, cursor, limit)
        pages.append(body)
        cursor = body["cursor"]
        if body["next"] is None:
            return pages, cursor
    raise AssertionError("the feed never ended")


def read_everything(monkeypatch) -> None:
    """The feed as before its probe: refresh the incomplete records and query every source."""
    from backend.sync import service

    monkeypatch.setattr(service, "_sources_to_read", lambda *args: set(service.FEED_KINDS) | {"incomplete"})


@pytest.mark.parametrize("last", ["catalogue", "ticket_book", "record"])
def test_an_idle_phone_polls_in_one_statement_beyond_authentication(app, client, demo, auth, monkeypatch, last):
    phone = auth.login("zf001")
    if last != "catalogue":
        client.post("/api/v1/ticket-books", json={"count": 2}, headers=phone.headers)
    if last == "record":
        push(client, phone, [rec("inspection", inspection()), rec("inspection", inspection())])
    pages, cursor = read_to_the_end(client, phone.headers, limit=5)
    last_kind = [i["kind"] for p in pages for i in p["items"]][-1]
    assert last_kind in ({"matter", "grid"} if last == "catalogue" else {last})
    baseline = authentication_statements(app, client, phone.headers, monkeypatch)
    with Statements(app) as statements:
        body = feed(client, phone.headers, cursor)
    assert body == {"items": [], "next": None, "cursor": cursor}
    assert len(statements.seen) <= baseline + 1, statements.seen


def test_a_batch_stored_at_one_instant_pages_one_record_at_a_time(app, client, demo, auth, monkeypatch):
    """A batch's records share one updated_at: the cursor's time. Those after it by id
    must still be read, in the key's order (code points: a locale's collation would put
    "a" before "B" and skip the hyphen)."""
    phone = auth.login("zf001")
    _, cursor = read_to_the_end(client, phone.headers)
    # four: a page of one item reads at most 2 × (1 + 1) rows of a source, and rows of one
    # instant come in no set order (more of them can be missed, before this probe as after it)
    ids = ["a" + "0" * 35, "B" + "0" * 35, "-" + "f" * 35, "00000000-0000-4000-8000-000000000000"]
    assert [r["status"] for r in push(client, phone, [rec("inspection", inspection(), rid=i) for i in ids])] == ["created"] * 4
    pages, end = read_to_the_end(client, phone.headers, cursor, limit=1)
    assert [(i["kind"], i["id"]) for p in pages for i in p["items"]] == [("record", i) for i in sorted(ids)]
    with Statements(app) as statements:
        assert feed(client, phone.headers, end)["items"] == []
    assert len(statements.seen) <= authentication_statements(app, client, phone.headers, monkeypatch) + 1
    with monkeypatch.context() as patch:
        read_everything(patch)
        assert read_to_the_end(client, phone.headers, cursor, limit=1) == (pages, end)


@pytest.mark.parametrize("limit", [1, 3])
def test_a_batch_larger_than_a_source_read_pages_every_record_once_in_key_order(client, demo, auth, monkeypatch, limit):
    """A sync batch of 500 inspections stores 500 records at one instant, more than a page
    reads of a source (2 × (limit + 1) rows): each source's query must read the rows after
    the cursor in the key's order, not any of the rows at its time."""
    phone = auth.login("zf001")
    _, cursor = read_to_the_end(client, phone.headers)
    # stored in an order that is not the key's; hyphen, digits, both cases: code points decide
    ids = [c + "-" + "0" * 34 for c in "fB-a0E9bAc"] + ["00000000-0000-4000-8000-000000000000"]
    assert len(ids) > 2 * (limit + 1)
    assert [r["status"] for r in push(client, phone, [rec("inspection", inspection(), rid=i) for i in ids])] == ["created"] * len(ids)
    pages, end = read_to_the_end(client, phone.headers, cursor, limit=limit)
    assert [(i["kind"], i["id"]) for p in pages for i in p["items"]] == [("record", i) for i in sorted(ids)]
    assert all(len(p["items"]) == limit for p in pages[:-1])
    assert feed(client, phone.headers, end) == {"items": [], "next": None, "cursor": end}
    with monkeypatch.context() as patch:
        read_everything(patch)
        assert read_to_the_end(client, phone.headers, cursor, limit=limit) == (pages, end)


def test_each_kind_changed_after_the_cursor_reaches_the_phone_as_before(app, client, demo, auth, monkeypatch):
    from backend.catalog.models import Grid, Matter
    from backend.tickets.consents import consent_digest

    phone, boss = auth.login("zf001"), auth.login("zd001")
    photo = images.jpeg(lat=29.97, lon=121.62, taken="2026:11:20 09:00:00")
    sha = hashlib.sha256(photo).hexdigest()
    waiting = rec("inspection", inspection(photos=[sha]))
    assert push(client, phone, [waiting])[0]["status"] == "incomplete"
    _, cursor = read_to_the_end(client, phone.headers)

    # something of every kind after the cursor
    with app.app_context():
        matter = db.session.scalars(select(Matter).order_by(Matter.id).limit(1)).one()
        matter.name += "（修订）"
        grid = db.session.scalars(select(Grid).where(Grid.jurisdiction_id == demo_jurisdiction(app)).order_by(Grid.id).limit(1)).one()
        grid.name += "（调整）"
        db.session.commit()
    numbers = client.post("/api/v1/ticket-books", json={"count": 1}, headers=phone.headers).get_json()["numbers"]
    now = clock.now()
    ticket = {"number": numbers[0], "party": {"type": "citizen", "name": "李四", "id_number": "11010519491231002X"},
              "matter_code": "SR-004", "facts": "随地乱扔烟头", "penalty": {"kind": "fine", "amount_fen": 5000},
              "officers": ["zf001", "zf002"], "lat": 29.97, "lon": 121.62, "accuracy": 5, "issued_at": now.isoformat(),
              "payment": {"route": "on_site", "receipt_no": "浙财 0099"}, "signature_refused": True, "photos": [],
              "statement": {"informed": True, "said": "认可"}}
    assert push(client, phone, [rec("ticket", ticket, at=now)])[0]["status"] == "incomplete"
    consent = rec("ticket_cosign", {"number": numbers[0], "digest": consent_digest(ticket)}, at=now)
    assert push(client, auth.login("zf002"), [consent])[0]["status"] == "created"
    task = dispatch(client, boss)
    iid = cite_in_inspection(app, "ab" * 32)
    review = client.post("/api/v1/reviews", json={"object_type": "inspection", "object_id": iid, "verdict": "needs_correction",
                                                  "comment": "请补拍门牌"}, headers=boss.headers)
    assert review.status_code == 201, review.get_json()
    # the waiting record's photo arrives: the feed's refresh completes it
    assert client.put(f"/api/v1/media/{sha}", data=photo, headers=phone.headers, content_type="image/jpeg").status_code == 201

    # page by page from that cursor, and again from every cursor on the way: the same as reading every source
    probed, _ = read_to_the_end(client, phone.headers, cursor, limit=2)
    items = [i for p in probed for i in p["items"]]
    assert {i["kind"] for i in items} == {"matter", "grid", "ticket_book", "case", "task", "review", "record"}
    assert ("task", str(task["id"])) in {(i["kind"], i["id"]) for i in items}
    assert {i["id"]: i["data"]["status"] for i in items if i["kind"] == "record"}[waiting["id"]] == "created"
    cursors = [cursor] + [p["cursor"] for p in probed]
    answers = {(c, limit): feed(client, phone.headers, c, limit) for c in cursors for limit in (1, 2, 100)}
    with monkeypatch.context() as patch:
        read_everything(patch)
        everything, _ = read_to_the_end(client, phone.headers, cursor, limit=2)
        assert everything == probed
        for (c, limit), answer in answers.items():
            assert feed(client, phone.headers, c, limit) == answer, (c, limit)


def demo_jurisdiction(app: Flask) -> int:
    from backend.auth.models import Officer

    return db.session.scalars(select(Officer.jurisdiction_id).where(Officer.username == "zf001")).one()
