"""Reference data the PWA caches for offline use (ETag / If-None-Match)."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..auth.access import authenticated, current_identity, scope_jurisdiction
from ..errors import NotFound
from ..pagination import PageArgsSchema, paginate
from . import service
from .models import Jurisdiction
from .schemas import (
    GridCollectionSchema,
    GridRefSchema,
    GridsQuerySchema,
    JurisdictionPageSchema,
    MatterPageSchema,
    MatterSchema,
    PointQuerySchema,
)

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="乡镇、网格与执法事项 · Jurisdictions, grids, matters")


@blp.route("/jurisdictions", methods=["GET"])
@authenticated
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, JurisdictionPageSchema)
def list_jurisdictions(args: dict):
    """The caller's jurisdiction (every one, for a district admin), with its boundary."""
    jurisdiction_id = scope_jurisdiction(current_identity())
    page = paginate(service.list_jurisdictions(jurisdiction_id), Jurisdiction.id, args["limit"], args["cursor"])
    page["items"] = [service.jurisdiction_to_dict(j) for j in page["items"]]
    return page


@blp.route("/grids", methods=["GET"])
@authenticated
@blp.etag
@blp.arguments(GridsQuerySchema, location="query")
@blp.response(200, GridCollectionSchema)
def grids(args: dict):
    """Grids of the caller's jurisdiction as a GeoJSON FeatureCollection (WGS-84)."""
    jurisdiction_id = scope_jurisdiction(current_identity(), args["jurisdiction_id"])
    return service.grids_feature_collection(jurisdiction_id)


@blp.route("/grids/at", methods=["GET"])
@authenticated
@blp.arguments(PointQuerySchema, location="query")
@blp.response(200, GridRefSchema)
def grid_at(args: dict):
    """The grid containing a WGS-84 point, within the caller's jurisdiction."""
    jurisdiction_id = scope_jurisdiction(current_identity())
    grid = service.grid_at(args["lon"], args["lat"], jurisdiction_id)
    if grid is None:
        raise NotFound("grid.not_found", "该位置不在本辖区任何网格内", "No grid of this jurisdiction contains the point")
    return grid


@blp.route("/matters", methods=["GET"])
@authenticated
@blp.etag
@blp.response(200, MatterPageSchema)
def matters():
    """The whole matters catalog in one answer, flagged `empowered` for the caller."""
    jurisdiction_id = scope_jurisdiction(current_identity())
    return {"items": service.matters_catalog(jurisdiction_id), "next": None}


@blp.route("/matters/<string:code>", methods=["GET"])
@authenticated
@blp.response(200, MatterSchema)
def matter(code: str):
    jurisdiction_id = scope_jurisdiction(current_identity())
    m = service.get_matter(code)
    empowered = jurisdiction_id is not None and service.is_empowered(jurisdiction_id, m.id)
    return service.matter_to_dict(m, empowered)
