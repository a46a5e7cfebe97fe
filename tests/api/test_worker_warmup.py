"""A new worker warms up before its first request (backend/warmup.py, gunicorn's
post_worker_init): no officer's request pays a first use — pypinyin's dictionaries (~0.4 s),
the PDF font (~0.2 s), the QR code's image module, Pillow's plugins.

Each check runs in a fresh interpreter (tests/first_use_probe.py): in this one, other tests
have long since loaded everything."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.evidence import decoder
from tests.images import jpeg

ROOT = Path(__file__).resolve().parents[2]


def first_requests(tmp_path: Path, warm: bool) -> dict[str, list[str]]:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg(1600, 1200, lat=29.97, lon=121.62))
    url = f"sqlite:///{tmp_path}/probe.db"
    out = subprocess.run([sys.executable, "-m", "tests.first_use_probe", url, str(photo), *(["--warm"] if warm else [])],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "SPATIALITE_LIBRARY_PATH": os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite")})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_without_the_warm_up_first_requests_load_what_the_warm_up_loads(tmp_path):
    """The probe sees first uses: without the warm-up they land on the requests."""
    loaded = first_requests(tmp_path, warm=False)
    assert "pypinyin" in loaded["inspection"]  # a new subject's initials
    assert "pdf_font" in loaded["ticket_print_pdf"]
    assert "PIL.JpegImagePlugin" in loaded["photo"]
    assert "qrcode.image.pil" in loaded["ticket_print_html"]


def test_after_the_warm_up_no_first_request_loads_anything(tmp_path):
    loaded = first_requests(tmp_path, warm=True)
    assert set(loaded) == {"me", "changes", "track_points", "inspection", "photo", "ticket", "ticket_print_html",
                           "ticket_print_pdf"}
    # a codec's module (reportlab writes a PDF's title in UTF-16): microseconds, stdlib
    trivial = ("encodings.",)
    assert {kind: [m for m in mods if not m.startswith(trivial)] for kind, mods in loaded.items()
            if any(not m.startswith(trivial) for m in mods)} == {}


@pytest.fixture
def no_decoder():
    decoder.shutdown()
    yield
    decoder.shutdown()


def test_a_started_decoder_child_has_rendered_a_photo_before_the_first_one_comes(no_decoder):
    """The child imports the product as it starts; the warm-up's photo loads Pillow's JPEG
    plugin and the imaging module there too (the child's first task, queued before any)."""
    decoder.prestart(1, 0)
    held = decoder.run(decoder.loaded_modules, processes=1, nice=0, timeout=120)
    assert {"backend.evidence.imaging", "PIL.JpegImagePlugin", "PIL.ImageFont"} <= set(held)


def test_a_failing_step_is_logged_and_the_worker_still_starts(monkeypatch, caplog):
    """No CJK font on the server: the warm-up says so and goes on; the PDF that needs the font
    fails on its own, as it would without a warm-up."""
    from flask import Flask

    from backend.tickets import printing
    from backend.warmup import warm_worker

    def no_font():
        raise RuntimeError("No CJK font installed")

    monkeypatch.setattr(printing, "pdf_font", no_font)
    calls = []
    monkeypatch.setattr(decoder, "prestart", lambda *a: calls.append(a))
    app = Flask("probe")
    app.config.update(PHOTO_DECODE_PROCESSES=1, PHOTO_DECODE_NICE=10, WATERMARK_FONT=None)
    with caplog.at_level("WARNING", logger="backend.warmup"):
        warm_worker(app, freeze=False)  # not this test process's objects
    assert "'pdf font' failed" in caplog.text
    assert calls == [(1, 10, None)]  # the steps after it still ran
