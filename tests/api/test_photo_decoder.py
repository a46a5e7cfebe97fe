"""Photos are decoded in a child process at a lower priority (backend/evidence/decoder.py):
the same result as in the request's thread, refusals that keep their code, a child that
dies answered with a retryable 503 and replaced."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from backend.evidence import decoder, imaging
from tests import images
from tests.api.test_evidence import NINGBO, TAKEN, media_files, media_root, put, sha  # noqa: F401 - media_root is a fixture
from tests.conftest import assert_error

FONT = imaging.find_font()


@pytest.fixture
def fresh_decoder():
    decoder.shutdown()
    yield
    decoder.shutdown()


def _decode(path: Path, processes: int):
    return decoder.run(imaging.decode_photo, str(path), 50_000_000, 1 << 20, FONT, "执法证 33000000001",
                       processes=processes, nice=10, timeout=60)


def test_the_child_renders_exactly_what_the_request_thread_renders(tmp_path, fresh_decoder):
    path = tmp_path / "p.jpg"
    path.write_bytes(images.jpeg(1600, 1200, lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN))
    here = _decode(path, 0)
    there = _decode(path, 1)
    assert decoder.child_pids() and os.getpid() not in decoder.child_pids()
    assert there == here  # info (EXIF, time, place) and both JPEGs byte for byte
    info, thumb, display = there
    assert (info.width, info.height) == (1600, 1200) and abs(info.lat - NINGBO[0]) < 1e-6
    assert thumb[:2] == display[:2] == b"\xff\xd8"


def test_the_child_runs_at_the_lower_priority(fresh_decoder):
    mine = os.nice(0)
    assert decoder.run(os.nice, 0, processes=1, nice=10) == min(19, mine + 10)
    decoder.shutdown()
    assert decoder.run(os.nice, 0, processes=1, nice=0) == mine


def test_a_refusal_crosses_back_with_its_code(tmp_path, fresh_decoder):
    path = tmp_path / "bomb.png"
    path.write_bytes(images.png_bomb())
    with pytest.raises(imaging.ImageRejected) as caught:
        _decode(path, 1)
    assert (caught.value.code, caught.value.zh) == ("media.too_many_pixels", "图片像素过多（疑似解压炸弹）")


def test_a_child_killed_mid_decode_is_reported_and_replaced(fresh_decoder):
    outcome: list[BaseException | object] = []

    def slow() -> None:
        try:
            outcome.append(decoder.run(time.sleep, 30, processes=1, nice=10, timeout=60))
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    decoder.run(os.getpid, processes=1, nice=10)  # started
    [child] = decoder.child_pids()
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    os.kill(child, signal.SIGKILL)
    t.join(30)
    assert not t.is_alive() and isinstance(outcome[0], decoder.DecoderUnavailable)
    assert decoder.run(os.getpid, processes=1, nice=10) not in (child, os.getpid())  # a new child


@pytest.mark.usefixtures("media_root")
def test_an_upload_uses_the_child_and_a_dead_one_gives_a_retryable_503(app, client, demo, auth, fresh_decoder, monkeypatch):
    session = auth.login("zf001")
    assert app.config["PHOTO_DECODE_PROCESSES"] == 1  # the default: the path production takes
    data = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    assert put(client, session.headers, data).status_code == 201
    assert len(decoder.child_pids()) == 1

    # the child dies under the next photo: 503, nothing half-stored, and the retry lands
    real = decoder.run

    def dying(fn, *args, **kw):
        if fn is imaging.decode_photo:
            for pid in decoder.child_pids():
                os.kill(pid, signal.SIGKILL)
            return real(time.sleep, 30, processes=kw["processes"], nice=kw["nice"], timeout=kw["timeout"])
        return real(fn, *args, **kw)

    other = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN, image=images.picture(color=(10, 200, 30)))
    monkeypatch.setattr(decoder, "run", dying)
    assert_error(put(client, session.headers, other), 503, "media.decoder_unavailable")
    assert [p for p in media_files(app) if sha(other) in str(p)] == []
    monkeypatch.setattr(decoder, "run", real)
    assert put(client, session.headers, other).status_code == 201


def test_gunicorn_starts_the_decoder_child_with_the_worker(app, fresh_decoder):
    """gunicorn.conf.py's post_worker_init: the child is there before the first photo."""
    import runpy
    from types import SimpleNamespace

    from backend import config as config_module

    conf = runpy.run_path(str(Path(config_module.BASE_DIR) / "gunicorn.conf.py"))
    assert decoder.child_pids() == []
    conf["post_worker_init"](SimpleNamespace(wsgi=app))
    deadline = time.monotonic() + 30
    while not decoder.child_pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(decoder.child_pids()) == app.config["PHOTO_DECODE_PROCESSES"] == 1
    conf["post_worker_init"](SimpleNamespace(wsgi=lambda environ, start: None))  # gunicorn's error app: no config, no child, no crash


def test_gunicorn_freezes_what_the_worker_start_made(monkeypatch):
    """gunicorn.conf.py's post_worker_init moves the start's objects out of the collector's
    reach (a full collection then walks only what requests made since), unless turned off."""
    import gc
    import runpy
    from types import SimpleNamespace

    from backend import config as config_module

    path = str(Path(config_module.BASE_DIR) / "gunicorn.conf.py")
    error_app = SimpleNamespace(wsgi=lambda environ, start: None)  # no config: no decoder child
    try:
        gc.unfreeze()
        monkeypatch.setenv("GUNICORN_GC_FREEZE", "0")
        runpy.run_path(path)["post_worker_init"](error_app)
        assert gc.get_freeze_count() == 0
        monkeypatch.delenv("GUNICORN_GC_FREEZE")
        runpy.run_path(path)["post_worker_init"](error_app)
        assert gc.get_freeze_count() > 10_000  # the test process's modules, as a worker's app
    finally:
        gc.unfreeze()
