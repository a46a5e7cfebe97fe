"""Catalog services: jurisdictions, grids (with point → grid), matters."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import String, bindparam, cast, func, select, text

from ..errors import NotFound
from ..extensions import db
from .models import EmpoweredMatter, Grid, Jurisdiction, Matter, grid_officers

COORD_DECIMALS = 6  # ~0.1 m: enough for a grid edge, smaller payload for phones


def _round_coords(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, COORD_DECIMALS)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(o) for o in obj]
    return obj


def geometry_geojson(geom: Any) -> dict[str, Any] | None:
    if geom is None:
        return None
    g = mapping(to_shape(geom))
    return {"type": g["type"], "coordinates": _round_coords(g["coordinates"])}


# --- jurisdictions ----------------------------------------------------------


def get_jurisdiction(jurisdiction_id: int) -> Jurisdiction:
    jurisdiction = db.session.get(Jurisdiction, jurisdiction_id)
    if jurisdiction is None:
        raise NotFound("jurisdiction.not_found", "乡镇（街道）不存在", "Jurisdiction not found")
    return jurisdiction


def list_jurisdictions(jurisdiction_id: int | None):
    query = select(Jurisdiction)
    if jurisdiction_id is not None:
        query = query.where(Jurisdiction.id == jurisdiction_id)
    return query


def paper_fields(j: Jurisdiction) -> dict[str, str]:
    """What a decision prints in the street's name (the phone's copy and the server's alike)."""
    return {"authority_name": j.authority_name or f"{j.name}办事处", "reconsideration_body": j.reconsideration_body or "",
            "payment_channel": j.payment_channel or ""}


def jurisdiction_to_dict(j: Jurisdiction) -> dict[str, Any]:
    return {
        "id": j.id,
        "code": j.code,
        "name": j.name,
        "agency_name": j.agency_name,
        **paper_fields(j),
        "boundary": geometry_geojson(j.boundary),
        "grid_count": len(j.grids),
    }


# --- grids -----------------------------------------------------------------


def grids_of_officer(officer_id: int) -> list[Grid]:
    return list(
        db.session.scalars(
            select(Grid).join(grid_officers, grid_officers.c.grid_id == Grid.id)
            .where(grid_officers.c.officer_id == officer_id)
            .order_by(Grid.code)
        )
    )


def grids_feature_collection(jurisdiction_id: int | None) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the grids the phone caches for offline use."""
    query = select(Grid).order_by(Grid.code)
    if jurisdiction_id is not None:
        query = query.where(Grid.jurisdiction_id == jurisdiction_id)
    grids = list(db.session.scalars(query))
    officers = _officers_by_grid([g.id for g in grids])
    features = []
    for grid in grids:
        features.append(
            {
                "type": "Feature",
                "id": grid.code,
                "geometry": geometry_geojson(grid.geom),
                "properties": {
                    "id": grid.id,
                    "code": grid.code,
                    "name": grid.name,
                    "jurisdiction_id": grid.jurisdiction_id,
                    "zone": grid.zone.name if grid.zone else None,
                    "area_m2": grid.area_m2,
                    "officer_ids": officers.get(grid.id, []),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _officers_by_grid(grid_ids: list[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    if not grid_ids:
        return result
    rows = db.session.execute(
        select(grid_officers.c.grid_id, grid_officers.c.officer_id)
        .where(grid_officers.c.grid_id.in_(grid_ids))
        .order_by(grid_officers.c.officer_id)
    )
    for grid_id, officer_id in rows:
        result.setdefault(grid_id, []).append(officer_id)
    return result


def grid_polygons(jurisdiction_id: int) -> dict[int, Any]:
    """Shapely polygons of a jurisdiction's grids keyed by id, in id order (geo.GridIndex
    then breaks edge ties the way `grid_at` does)."""
    rows = db.session.execute(
        select(Grid.id, Grid.geom).where(Grid.jurisdiction_id == jurisdiction_id).order_by(Grid.id)
    )
    return {grid_id: to_shape(geom) for grid_id, geom in rows}


def grids_version(jurisdiction: Any):
    """What changes when a jurisdiction's grids change (all grids for None): their count,
    newest `updated_at` and ids — the key of the per-process caches built from grids.
    `jurisdiction` is an id or a bind parameter (in a statement built once)."""
    # the newest change as text: compared for equality only, never converted
    q = select(func.count(Grid.id).label("n_grids"), cast(func.max(Grid.updated_at), String).label("grids_at"),
               func.coalesce(func.sum(Grid.id), 0).label("grid_ids"))
    return q if jurisdiction is None else q.where(Grid.jurisdiction_id == jurisdiction)


def versioned(cache: dict[Any, tuple[Any, Any]], jurisdiction_id: int | None, version: Any, build: Callable[[], Any]) -> Any:
    """A per-process cache entry for this database and jurisdiction, built again when its
    `version` changes (one process may serve, or test, several databases)."""
    key = (str(db.engine.url), jurisdiction_id)
    hit = cache.get(key)
    if hit is None or hit[0] != version:
        hit = cache[key] = (version, build())
    return hit[1]


_GRID_INDEXES: dict[Any, tuple[Any, Any]] = {}


def grid_index(jurisdiction_id: int):
    """A `geo.GridIndex` of the jurisdiction's grids, kept per process: one small query
    instead of loading 150 polygons for every patrol summary or sync batch."""
    from geo import GridIndex

    version = tuple(db.session.execute(_grids_version_statement(), {"j": jurisdiction_id}).one())
    return versioned(_GRID_INDEXES, jurisdiction_id, version, lambda: GridIndex(grid_polygons(jurisdiction_id)))


@lru_cache(maxsize=1)
def _grids_version_statement() -> Any:
    """`grids_version` of one street, built once (building it cost more than running it: every
    sync batch of inspections and every patrol summary asks)."""
    return grids_version(bindparam("j"))


def grids_by_ids(ids: list[int]) -> dict[int, Grid]:
    if not ids:
        return {}
    return {g.id: g for g in db.session.scalars(select(Grid).where(Grid.id.in_(ids)))}


def grid_by_code(code: str) -> Grid | None:
    return db.session.scalar(select(Grid).where(Grid.code == code))


def matter_by_code(code: str) -> Matter | None:
    return db.session.scalar(select(Matter).where(Matter.code == code))


def _point(lon: float, lat: float):
    return func.ST_GeomFromText(f"POINT({float(lon)!r} {float(lat)!r})", 4326)


def grid_at(lon: float, lat: float, jurisdiction_id: int | None = None) -> Grid | None:
    """The grid containing a WGS-84 point (a point on a shared edge: the lowest id).

    PostGIS uses the GiST index for ST_Intersects by itself; SpatiaLite needs its
    `SpatialIndex` virtual table to touch the R-tree.
    """
    point = _point(lon, lat)
    query = select(Grid).where(func.ST_Intersects(Grid.geom, point))
    if db.session.get_bind().dialect.name == "sqlite":
        candidates = text(
            "SELECT rowid FROM SpatialIndex WHERE f_table_name = 'grids' "
            "AND f_geometry_column = 'geom' AND search_frame = MakePoint(:lon, :lat, 4326)"
        ).bindparams(lon=float(lon), lat=float(lat))
        query = query.where(Grid.id.in_(candidates))
    if jurisdiction_id is not None:
        query = query.where(Grid.jurisdiction_id == jurisdiction_id)
    return db.session.scalar(query.order_by(Grid.id).limit(1))


def in_jurisdiction(lon: float, lat: float, jurisdiction_id: int) -> bool | None:
    """Whether a WGS-84 point lies in the street's boundary (edges count); None when the
    street has no boundary on record (then nothing can be said)."""
    from .models import Jurisdiction

    row = db.session.execute(select(Jurisdiction.boundary.is_not(None), func.ST_Intersects(Jurisdiction.boundary, _point(lon, lat)))
                             .where(Jurisdiction.id == jurisdiction_id)).first()
    if row is None or not row[0]:
        return None
    return bool(row[1])


# --- matters ---------------------------------------------------------------


def _range(min_fen: int | None, max_fen: int | None) -> dict[str, int] | None:
    if min_fen is None or max_fen is None:
        return None
    return {"min_fen": min_fen, "max_fen": max_fen}


@lru_cache(maxsize=4096)
def pinyin_initials(text: str) -> str:
    """占道经营 → zdjy: officers search the catalog by initials on the phone keyboard."""
    from pypinyin import Style, lazy_pinyin

    return "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def matter_to_dict(m: Matter, empowered: bool) -> dict[str, Any]:
    return {
        "code": m.code,
        "name": m.name,
        "initials": pinyin_initials(m.name),
        "domain": m.domain,
        "legal_basis": m.legal_basis,
        "penalty_basis": m.penalty_basis,
        "simple_procedure": m.simple_procedure and not m.other_penalty,
        "warning_allowed": m.warning_allowed,
        "warning_and_fine": bool(m.warning_and_fine),
        "other_penalty": m.other_penalty or "",
        "precondition": m.precondition or "",
        "ranges": {
            "citizen": _range(m.citizen_min_fen, m.citizen_max_fen),
            "organization": _range(m.org_min_fen, m.org_max_fen),
        },
        "tiers": [
            {
                "party_type": t.party_type,
                "level": t.level,
                "name": t.name,
                "circumstances": t.circumstances,
                "min_fen": t.min_fen,
                "max_fen": t.max_fen,
                "warning": t.warning,
            }
            for t in m.tiers
        ],
        "empowered": empowered,
        "illustrative": m.illustrative,
    }


def matters_catalog(jurisdiction_id: int | None) -> list[dict[str, Any]]:
    """The whole active catalog, each matter flagged empowered for the jurisdiction."""
    from sqlalchemy.orm import selectinload

    matters = list(
        db.session.scalars(
            select(Matter).where(Matter.active.is_(True)).options(selectinload(Matter.tiers)).order_by(Matter.code)
        )
    )
    empowered: set[int] = set()
    if jurisdiction_id is not None:
        empowered = set(
            db.session.scalars(
                select(EmpoweredMatter.matter_id).where(EmpoweredMatter.jurisdiction_id == jurisdiction_id)
            )
        )
    return [matter_to_dict(m, m.id in empowered) for m in matters]


def get_matter(code: str) -> Matter:
    matter = db.session.scalar(select(Matter).where(Matter.code == code))
    if matter is None:
        raise NotFound("matter.not_found", "执法事项不存在", "Matter not found")
    return matter


def is_empowered(jurisdiction_id: int, matter_id: int) -> bool:
    return db.session.get(EmpoweredMatter, (jurisdiction_id, matter_id)) is not None


