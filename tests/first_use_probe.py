"""Run in a fresh interpreter by tests/api/test_worker_warmup.py: what a new worker loads
during its first request of each kind an officer's phone sends (modules it imports, fonts it
reads).

    python -m tests.first_use_probe DATABASE_URL PHOTO.jpg [--warm]

`--warm` first does what gunicorn's `post_worker_init` does (`backend.warmup.warm_worker`).
Prints one JSON object: {kind: [modules and fonts that first request loaded]}.
"""
from __future__ import annotations

import json
import sys
import time
from hashlib import sha256


took: dict[str, float] = {}  # ms of each first request: printed to stderr, for a person to read


def main(url: str, photo_path: str, warm: bool) -> dict[str, list[str]]:
    from flask_migrate import upgrade

    from backend import create_app
    from backend.demo.seed import seed_demo
    from tests.api.test_record_kind_matrix import inspection_kind, ticket, track_points
    from tests.api.test_sync import push
    from tests.conftest import AuthActions, make_config

    # photos decoded here, not in a decoder child: the child's imports are its own process's
    app = create_app(make_config(url, PHOTO_DECODE_PROCESSES=0))
    with app.app_context():
        upgrade()
        seed_demo()
    client = app.test_client()
    auth = AuthActions(client)
    phone = auth.login("zf001")  # once a shift (argon2), not what this measures

    if warm:
        from backend.warmup import warm_worker

        warm_worker(app)  # and the freeze after it, as gunicorn.conf.py's post_worker_init

    photo = open(photo_path, "rb").read()
    digest = sha256(photo).hexdigest()

    sent: dict[str, dict] = {}

    def sync(build):
        def send():
            records = build(client, auth, phone, "officer", "own")
            results = push(client, phone, records)
            assert results[-1]["status"] in ("created", "incomplete"), results
            sent[records[-1]["kind"]] = records[-1]["payload"]
        return send

    def upload():
        resp = client.put(f"/api/v1/media/{digest}", data=photo,
                          headers={**phone.headers, "Content-Type": "image/jpeg"})
        assert resp.status_code == 201, resp.get_json()

    def print_ticket(fmt):
        def get():
            resp = client.get(f"/api/v1/tickets/{sent['ticket']['number']}/print?format={fmt}", headers=phone.headers)
            assert resp.status_code == 200, resp.get_data()[:300]
        return get

    steps = [
        ("me", lambda: client.get("/api/v1/me", headers=phone.headers)),
        ("changes", lambda: client.get("/api/v1/sync/changes", headers=phone.headers)),
        ("track_points", sync(track_points)),
        ("inspection", sync(inspection_kind)),
        ("photo", upload),
        ("ticket", sync(ticket)),
        ("ticket_print_html", print_ticket("html")),
        ("ticket_print_pdf", print_ticket("pdf")),
    ]
    # loaded once a process behind an lru_cache, not an import: the font reportlab parses
    # (the watermark's Pillow font is opened per size, ~0.1 ms each: not a first use worth this)
    from backend.tickets import printing
    caches = {"pdf_font": printing.pdf_font}

    loaded: dict[str, list[str]] = {}
    for kind, step in steps:
        before, misses = set(sys.modules), {name: f.cache_info().misses for name, f in caches.items()}
        t0 = time.perf_counter()
        step()
        took[kind] = round((time.perf_counter() - t0) * 1000, 1)
        loaded[kind] = sorted(set(sys.modules) - before) + [
            name for name, f in caches.items() if f.cache_info().misses > misses[name]]
    return loaded


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    print(json.dumps(main(args[0], args[1], "--warm" in sys.argv)))
    print("first request of each kind, ms:", took, file=sys.stderr)
