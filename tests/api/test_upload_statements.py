"""A photo goes up in twenty 256 KiB chunks: each chunk is read with no transaction open (a
body may trickle in for minutes) and costs one short transaction before it — the session,
the photo and the upload in progress — not one per lookup."""
from __future__ import annotations

import hashlib
from datetime import timedelta
from sqlalchemy import select, update

from backend.evidence import service
from backend.evidence.models import MediaUpload
from backend.extensions import db
from backend.models_base import utcnow
from tests import images
from tests.api.test_change_feed_statements import Statements
from tests.api.test_evidence import media_root  # noqa: F401  (fixture: filesystem and S3)
from tests.api.test_evidence import pytest_generate_tests  # noqa: F401


def test_a_chunk_is_read_outside_any_transaction_after_one_short_one(app, client, demo, auth, media_root, monkeypatch):  # noqa: F811
    phone = auth.login("zf001")
    data = images.jpeg_without_exif(1600, 1200)
    digest, total = hashlib.sha256(data).hexdigest(), len(data)
    third = total // 3
    in_transaction_while_reading: list[bool] = []
    real_read = service._read_exactly

    def watched(stream, length, limit):
        in_transaction_while_reading.append(db.session().in_transaction())
        yield from real_read(stream, length, limit)

    monkeypatch.setattr(service, "_read_exactly", watched)

    def put(start: int, end: int):
        return client.put(f"/api/v1/media/{digest}", data=data[start:end], headers={
            **phone.headers, "Content-Range": f"bytes {start}-{end - 1}/{total}"}, content_type="application/octet-stream")

    assert put(0, third).status_code == 202
    with Statements(app) as statements:
        assert put(third, 2 * third).status_code == 202
    sql = [s.split()[0].upper() for s in statements.seen if not s.upper().startswith("BEGIN")]
    # the session's token lookup, the photo (not stored yet), the upload in progress; then the commit
    assert sql == ["SELECT", "SELECT", "SELECT"], statements.seen
    assert statements.commits == 1
    assert in_transaction_while_reading == [False, False]

    # an upload idle for more than a minute has its last activity moved by the next chunk
    with app.app_context():
        db.session.execute(update(MediaUpload).where(MediaUpload.sha256 == digest).values(updated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert put(2 * third, total - 1).status_code == 202
    with app.app_context():
        touched = db.session.scalar(select(MediaUpload.updated_at).where(MediaUpload.sha256 == digest))
    assert utcnow() - touched < timedelta(minutes=1)
    assert put(total - 1, total).status_code == 201
    assert in_transaction_while_reading == [False] * 4
