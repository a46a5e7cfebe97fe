"""Shared set-up for benchmarks: an app on a throw-away database, results as JSON."""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import text

os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

# the smoke run (scripts/bench-smoke.sh) writes elsewhere: its tiny figures are not results
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).resolve().parent / "results")


def make_app(database_url: str | None, *, reuse: bool = False):
    """A fresh schema with the demo data on SQLite (temp file) or the given PostGIS URL.

    `reuse` keeps what the PostGIS database holds (only migrating it), for re-running a
    query benchmark on a district that took long to generate."""
    from flask_migrate import upgrade

    from backend import create_app
    from backend.config import TestConfig
    from backend.demo.seed import seed_demo
    from backend.extensions import db

    cfg = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    cfg["SQLITE_SYNCHRONOUS"] = "FULL"  # production durability, not the tests' NORMAL
    if database_url:
        cfg["SQLALCHEMY_DATABASE_URI"] = database_url
    else:
        tmp = tempfile.mkdtemp(prefix="zs-bench-")
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp}/bench.db"
    app = create_app(cfg)
    if reuse and database_url:
        with app.app_context():
            upgrade()
        return app
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                tables = [t.name for t in db.metadata.sorted_tables] + ["alembic_version", "bench_fixes", "bench_inspections"]
                conn.execute(text("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        upgrade()
        seed_demo()
    return app


def add_officers(app, usernames: list[str], names: list[str], password: str) -> None:
    """Officers of the demo street (zf001's), one shared password hashed once, in one insert:
    the simulated users of the load and capacity benchmarks."""
    from sqlalchemy import insert, select

    from backend.auth.models import Officer
    from backend.auth.passwords import hash_password
    from backend.extensions import db

    with app.app_context():
        jid = db.session.scalar(select(Officer.jurisdiction_id).where(Officer.username == "zf001"))
        pw = hash_password(password)
        db.session.execute(insert(Officer), [{"username": u, "name": n, "role": "officer", "jurisdiction_id": jid,
                                              "password_hash": pw, "active": True} for u, n in zip(usernames, names)])
        db.session.commit()


def engine_name(app) -> str:
    from backend.extensions import db

    with app.app_context():
        return "postgis" if db.engine.dialect.name == "postgresql" else "spatialite"


def median_ms(*fns, repeat: int = 25) -> list[float]:
    """Median ms of each function, called in turn within every round: product, baseline and
    no-op see the same moments of a noisy machine, so their ratio is not skewed by a slow
    spell that hit only one of them."""
    import statistics

    for _ in range(2):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, samples):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return [round(statistics.median(x), 2) for x in samples]


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    result = {"benchmark": name, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}", **result}
    path = RESULTS_DIR / f"{name}-{result.get('engine', 'x')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return path


def bare_bulk_insert(app, engine: str, ddl: str, table: str, bodies: list[str], rows_of) -> float:
    """The baseline every ingest benchmark compares with: `json.loads` of each request
    body and a DB-API `executemany` of one row per item, one commit per body — no
    SQLAlchemy, no validation. Returns the seconds it took."""
    import json as _json

    from backend.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(ddl))
        raw = db.engine.raw_connection()
        rows = rows_of(_json.loads(bodies[0]))
        mark = "?" if engine == "spatialite" else "%s"
        sql = f"INSERT INTO {table} VALUES ({', '.join([mark] * len(rows[0]))})"
        with Timer() as t:
            cur = raw.cursor()
            for body in bodies:
                if engine == "spatialite":  # the driver runs in autocommit mode: open the transaction
                    cur.execute("BEGIN")
                cur.executemany(sql, rows_of(_json.loads(body)))
                raw.commit()
            cur.close()
        raw.close()
    return t.seconds
