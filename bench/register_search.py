"""Benchmark: the register's search (`GET /api/v1/subjects?q=`) in a district of 50,000 subjects,
against the bare SQL it reduces to and against an authenticated no-op request, in the same run
(interleaved call by call, as `bench.supervision_queries` does).

Data: N subjects (default 50,000) spread over the demo's two streets with generated names
(a brand, a trade, a suffix), addresses, credit codes for a third of them and points around
the street; their pinyin initials computed by the product's own function. Measured through
the Flask test client with an officer's token (auth, validation, ranking and JSON count):

1. a name fragment (水果)            2. pinyin initials (sgd)
3. a credit code prefix (9133)      4. an address fragment (明州路1)
5. nothing typed, near a point (what is around here)

each vs a hand-written statement returning the same matches (the light columns of every match,
which the service ranks before loading the page) on one pooled connection — no ORM, no ranking,
no second query, no HTTP, no JSON — and vs `GET /api/v1/me`.
The tracked figure is product / bare SQL (goal ≤ 2).

    python -m bench.register_search [--subjects 50000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import random
import sys
import time

from sqlalchemy import insert, select, text

from bench.common import engine_name, make_app, median_ms, write_result

GOAL_RATIO = 2.0
REPEAT = 25
BRANDS = "老王 小李 阿强 金鑫 福满 鸿运 新华 兴旺 宏达 和顺 东方 四海 永安 大众 顺发 明珠 天天 好又多 美佳 万家".split()
TRADES = "水果店 小吃店 餐馆 烧烤店 五金店 超市 理发店 干洗店 药店 建材店 汽修厂 便利店 面馆 茶楼 花店".split()
ROADS = "明州路 俞范东路 新碶路 长江路 黄山路 太河路 庐山路 华山路 泰山路 嵩山路".split()
CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def generate(app, n: int) -> list[int]:
    from backend.catalog.models import Jurisdiction
    from backend.catalog.service import pinyin_initials
    from backend.extensions import db
    from backend.models_base import utcnow
    from backend.subjects.models import Subject

    rnd = random.Random(20261130)
    with app.app_context():
        streets = list(db.session.scalars(select(Jurisdiction.id).order_by(Jurisdiction.id)))
        now = utcnow()
        rows, used = [], set()
        for i in range(n):
            name = f"{rnd.choice(BRANDS)}{rnd.choice(TRADES)}（{i}号店）"
            code = None
            if i % 3 == 0:
                while code is None or code in used:
                    code = "9133" + "".join(rnd.choice(CHARS) for _ in range(14))
                used.add(code)
            rows.append({"jurisdiction_id": streets[i % len(streets)], "name": name, "initials": pinyin_initials(name)[:64],
                         "address": f"{rnd.choice(ROADS)}{rnd.randint(1, 999)}号", "credit_code": code,
                         "kind": "company" if code else "shop", "licences": [], "risk_class": rnd.choice(["low", "medium", "high"]),
                         "lat": 29.95 + rnd.random() * 0.05, "lon": 121.60 + rnd.random() * 0.08, "created_at": now, "updated_at": now})
        for k in range(0, n, 5000):
            db.session.execute(insert(Subject), rows[k:k + 5000])
        db.session.commit()
        return streets


def run(subjects: int, database_url: str | None) -> dict:
    from backend.auth import service as auth
    from backend.extensions import db

    app = make_app(database_url)
    engine = engine_name(app)
    t = time.perf_counter()
    streets = generate(app, subjects)
    print(f"[{engine}] {subjects} subjects in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    with app.app_context():
        auth.create_officer(username="bench-officer", name="队员", role="officer", password="bench-pass-1",
                            jurisdiction_id=streets[0], check_strength=False)
        if engine == "postgis":
            db.session.execute(text("ANALYZE subjects"))
        db.session.commit()
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "bench-officer", "password": "bench-pass-1", "device_id": "dev-bench-reg"})
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}

    def get(path: str):
        def call():
            resp = client.get(path, headers=headers)
            assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:200])
            resp.get_data()
        return call

    # what the service reads: the light columns of every match (it ranks them all), then the page
    base = ("SELECT id, name, initials, credit_code, lat, lon FROM subjects "
            "WHERE jurisdiction_id = :j AND merged_into_id IS NULL AND ")
    order = " LIMIT 5000"
    like = ("(lower(name) LIKE lower(:c) ESCAPE '\\' OR lower(address) LIKE lower(:c) ESCAPE '\\' OR initials LIKE :p ESCAPE '\\' "
            "OR credit_code LIKE :u ESCAPE '\\')")

    def sql(where: str, **params):
        def call():
            with app.app_context():
                with db.engine.connect() as conn:
                    conn.execute(text(base + where + order), {"j": streets[0], **params}).fetchall()
        return call

    def near_sql(**params):
        statement = text("SELECT * FROM subjects WHERE jurisdiction_id = :j AND merged_into_id IS NULL "
                         "AND lat BETWEEN :a AND :b AND lon BETWEEN :c AND :e "
                         "ORDER BY (lat - 29.975) * (lat - 29.975) + (lon - 121.64) * (lon - 121.64) * 0.75, name, id LIMIT 20")

        def call():
            with app.app_context():
                with db.engine.connect() as conn:
                    conn.execute(statement, {"j": streets[0], **params}).fetchall()
        return call

    def q(term: str):
        return get(f"/api/v1/subjects?q={term}"), sql(like, c=f"%{term}%", p=f"{term.lower()}%", u=f"{term.upper()}%")

    d = 300 / 111_000
    cases = {
        "name_fragment": q("水果"),
        "pinyin_initials": q("sgd"),
        "credit_code_prefix": q("9133A"),
        "address_fragment": q("明州路1"),
        # nothing typed: the service orders the box by distance in the database and loads the page
        # of 20 whole rows in one statement, so the bare SQL is that statement
        "near_nothing_typed": (get("/api/v1/subjects?near=29.975,121.64"),
                               near_sql(a=29.975 - d, b=29.975 + d, c=121.64 - d / 0.866, e=121.64 + d / 0.866)),
    }
    noop = get("/api/v1/me")
    out = {}
    for name, (product, bare) in cases.items():
        p, s, m = median_ms(product, bare, noop)
        out[name] = {"product_ms": p, "bare_sql_ms": s, "noop_ms": m, "ratio_to_sql": round(p / s, 2) if s else None}
        print(f"[{engine}] {name}: product {p} ms, bare SQL {s} ms, /me {m} ms → ×{out[name]['ratio_to_sql']}", file=sys.stderr)
    worst = max(v["ratio_to_sql"] for v in out.values())
    return {"engine": engine, "subjects": subjects, "queries": out, "worst_ratio_to_sql": worst, "goal_ratio": GOAL_RATIO,
            "goal_met": worst <= GOAL_RATIO}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=50_000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    result = run(args.subjects, args.database_url)
    path = write_result("register_search", result)
    print(f"written {path}; worst ratio to bare SQL ×{result['worst_ratio_to_sql']} (goal ≤ {GOAL_RATIO})")


if __name__ == "__main__":
    main()
