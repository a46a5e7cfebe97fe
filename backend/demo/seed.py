"""Demo data: two streets of a Zhenhai-like district, grids, the matters catalog and
the demo logins. Deterministic and idempotent (upserts by code / username).

The geometry is made here, not downloaded: each street is a hand-drawn polygon near
Zhenhai, Ningbo; its grids are Voronoi cells of a jittered lattice clipped to it.
All demo accounts share the password `demo1234` — demo use only.
"""
from __future__ import annotations

import random
from datetime import date
from typing import Any

import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPoint, MultiPolygon, Polygon
from sqlalchemy import delete, select

from geo import geodesic_area_m2

from ..auth.models import Certificate, Officer
from ..auth.passwords import hash_password
from ..catalog.models import DiscretionTier, EmpoweredMatter, Grid, Jurisdiction, Matter, Zone, grid_officers
from ..extensions import db
from .matters_data import MATTERS, tiers_for

DEMO_PASSWORD = "demo1234"
ALL_DOMAINS = ["市容环卫", "生态环境", "市政公用", "园林绿化", "城乡规划", "市场监管", "公共安全"]

JIAOCHUAN_BOUNDARY = [
    (121.6005, 29.9512), (121.6188, 29.9478), (121.6402, 29.9501), (121.6583, 29.9556),
    (121.6624, 29.9697), (121.6571, 29.9853), (121.6398, 29.9931), (121.6203, 29.9952),
    (121.6037, 29.9889), (121.5962, 29.9741), (121.5971, 29.9608),
]
ZHAOBAOSHAN_BOUNDARY = [
    (121.6624, 29.9697), (121.6583, 29.9556), (121.6755, 29.9532), (121.6934, 29.9581),
    (121.6988, 29.9716), (121.6896, 29.9838), (121.6702, 29.9869), (121.6571, 29.9853),
]

COMMUNITIES = [
    "俞范", "临江", "蛟川", "清水浦", "骆驼桥", "中官路", "棉丰", "红联", "新城", "勤勇",
    "西门", "东门", "后大街", "胜利路", "白龙", "金川", "宏远", "湾塘", "迎周", "兴庄",
    "庄市", "汇源", "万华", "鼓楼", "威远",
]

JURISDICTIONS: list[dict[str, Any]] = [
    {
        "code": "330211004", "name": "蛟川街道", "short": "JC",
        "agency_name": "宁波市镇海区蛟川街道综合行政执法队", "ticket_prefix": "蛟川综执简",
        "authority_name": "宁波市镇海区人民政府蛟川街道办事处", "reconsideration_body": "宁波市镇海区人民政府",
        "payment_channel": "中国工商银行宁波镇海支行及各网点代收罚没款，或“浙里办”App 扫描本决定书缴款码缴纳",
        "boundary": JIAOCHUAN_BOUNDARY, "lattice": (5, 5), "seed": 2026,
        "zones": ["一片区", "二片区", "三片区", "四片区"],
    },
    {
        "code": "330211001", "name": "招宝山街道", "short": "ZBS",
        "agency_name": "宁波市镇海区招宝山街道综合行政执法队", "ticket_prefix": "招宝山综执简",
        "authority_name": "宁波市镇海区人民政府招宝山街道办事处", "reconsideration_body": "宁波市镇海区人民政府",
        "payment_channel": "中国工商银行宁波镇海支行及各网点代收罚没款，或“浙里办”App 扫描本决定书缴款码缴纳",
        "boundary": ZHAOBAOSHAN_BOUNDARY, "lattice": (3, 2), "seed": 2027,
        "zones": ["一片区", "二片区"],
    },
]

# username, name, role, jurisdiction code, certificate (number, valid_until) or None, zones (index) responsible
OFFICERS: list[tuple[str, str, str, str | None, tuple[str, date] | None, list[int]]] = [
    ("zf001", "张伟", "officer", "330211004", ("浙综执 33021100401", date(2028, 12, 31)), [0]),
    ("zf002", "李娜", "officer", "330211004", ("浙综执 33021100402", date(2028, 12, 31)), [0]),
    ("zf003", "王磊", "officer", "330211004", ("浙综执 33021100403", date(2028, 6, 30)), [1]),
    ("zf004", "陈静", "officer", "330211004", ("浙综执 33021100404", date(2027, 12, 31)), [1]),
    ("zf005", "刘洋", "officer", "330211004", ("浙综执 33021100405", date(2028, 12, 31)), [2]),
    ("zf006", "赵敏", "officer", "330211004", ("浙综执 33021100406", date(2028, 12, 31)), [2]),
    ("zf007", "孙浩", "officer", "330211004", ("浙综执 33021100407", date(2028, 12, 31)), [3]),
    # an officer whose certificate has lapsed: may patrol, may not decide penalties
    ("zf008", "周强", "officer", "330211004", ("浙综执 33021100408", date(2025, 6, 30)), [3]),
    ("fz001", "吴刚", "auxiliary", "330211004", None, [0]),
    ("fz002", "郑丽", "auxiliary", "330211004", None, [2]),
    # the 中队长 holds a certificate: he may be the second officer on a decision (§42: the certificate decides)
    ("zd001", "钱建国", "supervisor", "330211004", ("浙综执 33021100490", date(2028, 12, 31)), []),
    ("admin", "系统管理员", "admin", None, None, []),
    ("zf101", "冯涛", "officer", "330211001", ("浙综执 33021100101", date(2028, 12, 31)), [0, 1]),
    ("zf102", "何芳", "officer", "330211001", ("浙综执 33021100102", date(2028, 12, 31)), [0, 1]),
    ("zd101", "许文", "supervisor", "330211001", None, []),
]


def make_grids(boundary: Polygon, cols: int, rows: int, seed: int) -> list[Polygon]:
    """Voronoi cells of a jittered lattice, clipped to the boundary, west→east rows."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = boundary.bounds
    dx, dy = (maxx - minx) / cols, (maxy - miny) / rows
    points = []
    for r in range(rows):
        for c in range(cols):
            x = minx + (c + 0.5 + rng.uniform(-0.3, 0.3)) * dx
            y = miny + (r + 0.5 + rng.uniform(-0.3, 0.3)) * dy
            points.append((x, y))
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=boundary)
    grids = []
    for cell in cells.geoms:
        part = cell.intersection(boundary)
        if part.is_empty:
            continue
        if isinstance(part, MultiPolygon):  # keep the main piece; slivers are noise
            part = max(part.geoms, key=lambda p: p.area)
        if part.area < boundary.area * 0.005:
            continue
        grids.append(shapely.set_precision(part, 1e-7))
    grids.sort(key=lambda g: (-round(g.centroid.y, 3), g.centroid.x))
    return grids


def _upsert_jurisdiction(spec: dict[str, Any]) -> tuple[Jurisdiction, list[Zone], list[Grid]]:
    boundary = Polygon(spec["boundary"])
    j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == spec["code"]))
    if j is None:
        j = Jurisdiction(code=spec["code"])
        db.session.add(j)
    j.name = spec["name"]
    j.agency_name = spec["agency_name"]
    j.authority_name, j.reconsideration_body = spec["authority_name"], spec["reconsideration_body"]
    j.payment_channel = spec["payment_channel"]
    j.ticket_prefix = spec["ticket_prefix"]
    j.ticket_number_format = "{prefix}〔{year}〕第{seq:06d}号"
    j.boundary = from_shape(MultiPolygon([boundary]), srid=4326)
    db.session.flush()

    zones = []
    for i, zname in enumerate(spec["zones"]):
        code = f"{spec['short']}-Z{i + 1}"
        zone = db.session.scalar(select(Zone).where(Zone.jurisdiction_id == j.id, Zone.code == code))
        if zone is None:
            zone = Zone(jurisdiction_id=j.id, code=code)
            db.session.add(zone)
        zone.name = f"{spec['name']}{zname}"
        zones.append(zone)
    db.session.flush()

    cols, rows = spec["lattice"]
    shapes = make_grids(boundary, cols, rows, spec["seed"])
    grids = []
    for i, shape in enumerate(shapes):
        code = f"{spec['short']}-{i + 1:03d}"
        grid = db.session.scalar(select(Grid).where(Grid.code == code))
        if grid is None:
            grid = Grid(code=code, jurisdiction_id=j.id)
            db.session.add(grid)
        community = COMMUNITIES[(i + spec["seed"]) % len(COMMUNITIES)]
        grid.name = f"{spec['name']}第{i + 1}网格（{community}）"
        # zones: split by position in the west→east, north→south order
        grid.zone_id = zones[min(len(zones) - 1, i * len(zones) // len(shapes))].id
        grid.geom = from_shape(shape, srid=4326)
        grid.area_m2 = int(geodesic_area_m2(shape))
        grids.append(grid)
    db.session.flush()
    return j, zones, grids


def _upsert_matters() -> list[Matter]:
    matters = []
    for row in MATTERS:
        m = db.session.scalar(select(Matter).where(Matter.code == row.code))
        if m is None:
            m = Matter(code=row.code)
            db.session.add(m)
        m.name, m.domain = row.name, row.domain
        m.legal_basis, m.penalty_basis = row.legal_basis, row.penalty_basis
        m.simple_procedure, m.warning_allowed = row.simple_procedure, row.warning_allowed
        m.warning_and_fine, m.other_penalty, m.precondition = row.warning_and_fine, row.other_penalty, row.precondition
        m.citizen_min_fen, m.citizen_max_fen = (row.citizen[0] * 100, row.citizen[1] * 100) if row.citizen else (None, None)
        m.org_min_fen, m.org_max_fen = (row.organization[0] * 100, row.organization[1] * 100) if row.organization else (None, None)
        m.illustrative = True
        m.active = True
        m.tiers.clear()
        db.session.flush()
        for party, rng in (("citizen", row.citizen), ("organization", row.organization)):
            if rng:
                for tier in tiers_for(rng[0], rng[1], row.warning_allowed):
                    m.tiers.append(DiscretionTier(party_type=party, **tier))
        matters.append(m)
    db.session.flush()
    return matters


_DEMO_HASH: str | None = None


def _demo_hash() -> str:
    # One Argon2 hash per process: seeding is idempotent and tests call it often.
    global _DEMO_HASH
    if _DEMO_HASH is None:
        _DEMO_HASH = hash_password(DEMO_PASSWORD)
    return _DEMO_HASH


def seed_demo() -> dict[str, int]:
    jurisdictions: dict[str, tuple[Jurisdiction, list[Zone], list[Grid]]] = {}
    for spec in JURISDICTIONS:
        jurisdictions[spec["code"]] = _upsert_jurisdiction(spec)
    matters = _upsert_matters()

    # 赋权: 蛟川 holds every demo matter but 城乡规划 GH-002; 招宝山 a smaller subset.
    for code, (j, _, _) in jurisdictions.items():
        held = {em.matter_id for em in db.session.scalars(select(EmpoweredMatter).where(EmpoweredMatter.jurisdiction_id == j.id))}
        for m in matters:
            wanted = m.code != "GH-002" if code == "330211004" else m.domain in {"市容环卫", "生态环境"}
            if wanted and m.id not in held:
                db.session.add(EmpoweredMatter(jurisdiction_id=j.id, matter_id=m.id, empowered_on=date(2024, 1, 1)))

    demo_hash = _demo_hash()
    officers = 0
    for username, name, role, jcode, cert, zone_indexes in OFFICERS:
        officer = db.session.scalar(select(Officer).where(Officer.username == username))
        jurisdiction_id = jurisdictions[jcode][0].id if jcode else None
        if officer is None:
            officer = Officer(username=username, password_hash=demo_hash)
            db.session.add(officer)
        officer.name, officer.role, officer.jurisdiction_id, officer.active = name, role, jurisdiction_id, True
        if cert:
            number, valid_until = cert
            existing = db.session.scalar(select(Certificate).where(Certificate.number == number))
            if existing is None:
                officer.certificates.append(
                    Certificate(number=number, domains=list(ALL_DOMAINS), issued_by="浙江省人民政府",
                                valid_from=date(2023, 1, 1), valid_until=valid_until)
                )
        db.session.flush()
        officers += 1
        if jcode:
            _, zones, grids = jurisdictions[jcode]
            zone_ids = {zones[i].id for i in zone_indexes}
            db.session.execute(delete(grid_officers).where(grid_officers.c.officer_id == officer.id))
            for grid in grids:
                if grid.zone_id in zone_ids:
                    db.session.execute(grid_officers.insert().values(grid_id=grid.id, officer_id=officer.id))
    db.session.commit()
    return {
        "jurisdictions": len(jurisdictions),
        "grids": sum(len(g) for _, _, g in jurisdictions.values()),
        "matters": len(matters),
        "officers": officers,
    }
