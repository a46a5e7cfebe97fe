"""The demo street is realistic enough to work with: grids tile it, matters straddle the caps."""
from __future__ import annotations

from geoalchemy2.shape import to_shape
from shapely.ops import unary_union
from sqlalchemy import select

from backend.auth.models import Officer
from backend.catalog.models import Grid, Jurisdiction, Matter
from backend.extensions import db

CITIZEN_CAP, ORG_CAP, ON_THE_SPOT = 20000, 300000, 10000  # fen


def test_grids_tile_the_street_without_overlaps(app, demo):
    with app.app_context():
        street = db.session.scalar(select(Jurisdiction).where(Jurisdiction.name == "蛟川街道"))
        boundary = to_shape(street.boundary)
        grids = [to_shape(g.geom) for g in db.session.scalars(select(Grid).where(Grid.jurisdiction_id == street.id))]
    assert len(grids) >= 20
    assert all(g.is_valid and g.geom_type == "Polygon" for g in grids)
    union = unary_union(grids)
    assert abs(union.area - boundary.area) / boundary.area < 0.01
    assert abs(sum(g.area for g in grids) - union.area) / union.area < 1e-6  # no overlaps
    assert all(boundary.buffer(1e-6).contains(g) for g in grids)


def test_catalog_straddles_the_simple_procedure_caps(app, demo):
    from sqlalchemy.orm import selectinload

    with app.app_context():
        matters = list(db.session.scalars(select(Matter).options(selectinload(Matter.tiers))))
    assert len(matters) >= 30
    simple = [m for m in matters if m.simple_procedure]
    assert any(m.citizen_min_fen is not None and m.citizen_min_fen <= CITIZEN_CAP < m.citizen_max_fen for m in simple)
    assert any(m.org_min_fen is not None and m.org_min_fen <= ORG_CAP < m.org_max_fen for m in simple)
    assert any(m.citizen_max_fen is not None and m.citizen_max_fen <= ON_THE_SPOT for m in simple)
    assert any(m.citizen_min_fen is not None and m.citizen_min_fen <= ON_THE_SPOT < m.citizen_max_fen for m in simple)
    assert any(not m.simple_procedure for m in matters)
    assert all(m.illustrative for m in matters)
    # every fined party type has discretion tiers that cover its legal range exactly
    for m in matters:
        for party, lo, hi in (("citizen", m.citizen_min_fen, m.citizen_max_fen), ("organization", m.org_min_fen, m.org_max_fen)):
            tiers = [t for t in m.tiers if t.party_type == party]
            if lo is None:
                assert not tiers
                continue
            assert tiers[0].min_fen == lo and tiers[-1].max_fen == hi, m.code
            for a, b in zip(tiers, tiers[1:]):
                assert a.max_fen == b.min_fen and a.min_fen <= a.max_fen


def test_demo_logins_have_the_documented_roles(app, demo):
    with app.app_context():
        roles = {o.username: o.role for o in db.session.scalars(select(Officer))}
    assert roles["zf001"] == roles["zf002"] == "officer"
    assert roles["fz001"] == "auxiliary"
    assert roles["zd001"] == "supervisor"
    assert roles["admin"] == "admin"


def test_zones_group_the_grids_and_officers_are_assigned(client, demo, auth):
    fc = client.get("/api/v1/grids", headers=auth.login("zd001").headers).get_json()
    zones = {f["properties"]["zone"] for f in fc["features"]}
    assert len(zones) == 4
    assert all(f["properties"]["officer_ids"] for f in fc["features"])
