"""Backups: taken online under write load, verified, restored elsewhere; every record and
photo acknowledged before the backup began is there, nothing is half there, and the
restored audit trail still verifies."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from backend import create_app
from backend.audit.service import verify_all
from backend.backup.service import BackupError, create_backup, restore_backup, verify_backup
from backend.evidence.models import Media
from backend.extensions import db
from backend.patrols.models import Inspection
from tests import images
from tests.api.test_evidence import media_root  # noqa: F401  (fixture)
from tests.api.test_sync import inspection, rec
from tests.conftest import AuthActions, make_config


def _tables() -> list[str]:
    return [t.name for t in db.metadata.sorted_tables]


def _restore_target(database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'zhangshang.db'}"
    u = make_url(database_url)
    return u.set(database=f"{u.database}_restore").render_as_string(hide_password=False)


class Writer(threading.Thread):
    """An officer's phone syncing inspections with a photo each, as fast as it can."""

    def __init__(self, app, session) -> None:
        super().__init__(daemon=True)
        self.app, self.session = app, session
        self.acked: list[tuple[str, str]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        client = self.app.test_client()
        try:
            while not self.stop.is_set():
                photo = images.jpeg_without_exif(320, 240)  # noise: every photo differs
                digest = hashlib.sha256(photo).hexdigest()
                resp = client.put(f"/api/v1/media/{digest}", data=photo, headers=self.session.headers, content_type="image/jpeg")
                assert resp.status_code == 201, resp.get_json()
                record = rec("inspection", inspection(photos=[digest]))
                resp = client.post("/api/v1/sync", json={"device_id": self.session.device_id, "records": [record]},
                                   headers=self.session.headers)
                assert resp.status_code == 200 and resp.get_json()["results"][0]["status"] == "created", resp.get_json()
                self.acked.append((record["id"], digest))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def test_backup_under_write_load_then_restore_finds_every_acknowledged_record(app, demo, auth, media_root, database_url, tmp_path):  # noqa: F811
    writer = Writer(app, auth.login("zf001"))
    writer.start()
    while len(writer.acked) < 5 and writer.error is None:
        writer.stop.wait(0.05)
    acked_before = list(writer.acked)
    manifest = create_backup(database_url, Path(app.config["MEDIA_ROOT"]), tmp_path / "backup", _tables())
    while len(writer.acked) < len(acked_before) + 3 and writer.error is None:  # the load went on throughout
        writer.stop.wait(0.05)
    writer.stop.set()
    writer.join(timeout=60)
    assert writer.error is None, writer.error
    assert manifest["media"]["originals"] >= len(acked_before)
    verify_backup(tmp_path / "backup")

    target = _restore_target(database_url, tmp_path)
    media = tmp_path / "restored-media"
    result = restore_backup(tmp_path / "backup", target, media, _tables(), force=not target.startswith("sqlite"))
    assert result["restored_rows"]["inspections"] >= len(acked_before)

    restored = create_app(make_config(target, MEDIA_ROOT=str(media)))
    with restored.app_context():
        inspections = {i.id: i for i in db.session.scalars(select(Inspection))}
        stored_media = {m.sha256 for m in db.session.scalars(select(Media))}
        chains = list(verify_all())
        db.session.remove()
        db.engine.dispose()
    acked_ids = {rid for rid, _ in writer.acked}
    for rid, digest in acked_before:  # every acknowledged record, with its photo, intact
        assert rid in inspections and digest in stored_media
    assert set(inspections) <= acked_ids  # nothing that was never acknowledged
    for sha in stored_media:  # every photo the snapshot names is in the backup, bytes intact
        original = media / "originals" / sha[:2] / sha[2:4] / sha
        assert hashlib.sha256(original.read_bytes()).hexdigest() == sha
    assert chains and all(problem is None for _, problem in chains)  # the audit trail restored whole


def test_restore_refuses_a_target_with_data_and_a_damaged_backup(app, demo, database_url, tmp_path):
    create_backup(database_url, Path(app.config["MEDIA_ROOT"]), tmp_path / "b", _tables())
    with pytest.raises(BackupError, match="already holds data"):
        restore_backup(tmp_path / "b", database_url, tmp_path / "m", _tables())
    with pytest.raises(BackupError, match="not empty"):
        create_backup(database_url, Path(app.config["MEDIA_ROOT"]), tmp_path / "b", _tables())
    (tmp_path / "b" / "manifest.json").rename(tmp_path / "b" / "m.json")
    with pytest.raises(BackupError, match="not a finished backup"):
        verify_backup(tmp_path / "b")


def test_cli_backup_create_verify_and_a_tampered_photo(app, runner, demo, auth, media_root, tmp_path):  # noqa: F811
    phone = AuthActions(app.test_client()).login("zf001")
    photo = images.jpeg_without_exif()
    digest = hashlib.sha256(photo).hexdigest()
    assert app.test_client().put(f"/api/v1/media/{digest}", data=photo, headers=phone.headers,
                                 content_type="image/jpeg").status_code == 201
    out = runner.invoke(args=["backup", "create", str(tmp_path / "nightly")])
    assert out.exit_code == 0, out.output
    assert "1 photos" in out.output
    assert runner.invoke(args=["backup", "verify", str(tmp_path / "nightly")]).exit_code == 0
    copy = next(p for p in (tmp_path / "nightly" / "media").rglob(digest))
    copy.write_bytes(photo[:-10] + b"\x00" * 10)
    bad = runner.invoke(args=["backup", "verify", str(tmp_path / "nightly")])
    assert bad.exit_code == 1 and digest in bad.output
