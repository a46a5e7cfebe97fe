"""Read endpoints for patrol logs and inspections. Writes arrive through sync."""
from __future__ import annotations

import json

from flask import Response
from flask_smorest import Blueprint

from geo import to_geojson, to_gpx, to_kml

from ..auth.access import authenticated, current_identity, other_jurisdiction, reads_only, roles, scope_jurisdiction
from .. import rawjson
from ..models_base import LOCAL_TZ
from ..pagination import paginate_desc
from . import service
from .models import Patrol
from .schemas import (
    InspectionPageSchema,
    InspectionQuerySchema,
    InspectionSchema,
    PatrolPageSchema,
    PatrolQuerySchema,
    PatrolSchema,
    ReinspectionListSchema,
    ReinspectionQuerySchema,
    TrackQuerySchema,
)

blp = Blueprint("patrols", __name__, url_prefix="/api/v1", description="巡查与检查 · Patrols and inspections")

TRACK_TYPES = {
    "geojson": ("application/geo+json", "geojson"),
    "gpx": ("application/gpx+xml", "gpx"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
}


@blp.route("/patrols", methods=["GET"])
@authenticated
@blp.arguments(PatrolQuerySchema, location="query")
@blp.response(200, PatrolPageSchema)
def list_patrols(args: dict):
    """Patrols, newest first. Officers and auxiliaries see their own; supervisors their street's."""
    identity = current_identity()
    query = service.list_patrols(identity, scope_jurisdiction(identity), officer_id=args["officer"],
                                 day=args["date"], grid_code=args["grid"])
    page = paginate_desc(query, [Patrol.started_at, Patrol.id], args["limit"], args["cursor"])
    page["items"] = [service.patrol_for(identity, service.fresh_summary(p)) for p in page["items"]]
    return page


@blp.route("/patrols/<string:patrol_id>", methods=["GET"])
@authenticated
@blp.response(200, PatrolSchema)
def get_patrol(patrol_id: str):
    """A patrol's summary: distance, durations, grids crossed, gaps, stops, anomalies."""
    patrol = service.get_patrol(patrol_id)
    identity = current_identity()
    service.check_can_read_patrol(identity, patrol)
    return service.patrol_for(identity, service.fresh_summary(patrol))


@blp.route("/patrols/<string:patrol_id>/track", methods=["GET"])
@authenticated
@blp.arguments(TrackQuerySchema, location="query")
@blp.response(200)
@blp.doc(responses={"200": {"description": "the cleaned track, split at gaps", "content": {
    ct: {"schema": {"type": "string" if fmt != "geojson" else "object"}} for fmt, (ct, _) in TRACK_TYPES.items()}}})
def get_track(args: dict, patrol_id: str):
    """The cleaned track as GeoJSON, GPX 1.1 or KML (`?format=`), optionally simplified (`?simplify=` metres)."""
    patrol = service.get_patrol(patrol_id)
    identity = current_identity()
    service.check_can_read_patrol(identity, patrol)
    fixes = service.track_segments(patrol, args["simplify"])
    fmt = args["format"]
    service.record_track_export(identity, patrol, fmt)
    day = patrol.started_at.astimezone(LOCAL_TZ).date().isoformat()  # the local day, never the UTC one
    name = f"巡查 {day} {patrol.id[:8]}"
    if fmt == "geojson":
        body = json.dumps(to_geojson(fixes, {"patrol_id": patrol.id, "name": name}), ensure_ascii=False).encode()
    elif fmt == "gpx":
        body = to_gpx(fixes, name)
    else:
        body = to_kml(fixes, name)
    content_type, ext = TRACK_TYPES[fmt]
    return Response(body, content_type=f"{content_type}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="patrol-{day}-{patrol.id[:8]}.{ext}"'})


@blp.route("/inspections", methods=["GET"])
@authenticated
@reads_only
@blp.arguments(InspectionQuerySchema, location="query")
@blp.response(200, InspectionPageSchema)
def list_inspections(args: dict):
    """Inspections of the caller's street, newest first; filter by bbox, time, grid, result."""
    page = service.inspections_page(
        scope_jurisdiction(current_identity()), limit=args["limit"], cursor=args["cursor"], bbox=args["bbox"],
        since=args["from_"], until=args["to"], grid_code=args["grid"], result=args["result"],
    )
    # the dicts are the schema's shape already, times as its ISO text (tests compare): sent as
    # is, a page of 200 costs no marshmallow pass and no encoder callback per value
    return Response(rawjson.dumps(page), content_type="application/json")


@blp.route("/inspections/<string:inspection_id>", methods=["GET"])
@authenticated
@blp.response(200, InspectionSchema)
def get_inspection(inspection_id: str):
    row = service.inspection_row(inspection_id)
    identity = current_identity()
    if not identity.is_global_admin and row.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    from .amendments import amendments_of

    return {**service.inspection_to_dict(row), "amendments": amendments_of(inspection_id)}


@blp.route("/reinspections", methods=["GET"])
@authenticated
@blp.arguments(ReinspectionQuerySchema, location="query")
@blp.response(200, ReinspectionListSchema)
def reinspections(args: dict):
    """复查到期: rectification orders due for their re-inspection on or before `due_before`
    (default tomorrow), not yet followed up — to be inspected again with `follow_up_of`."""
    from datetime import timedelta

    from ..clock import local_today

    return {"items": service.reinspections_due(current_identity(), args["due_before"] or local_today() + timedelta(days=1))}


@blp.route("/inspections/<string:inspection_id>/correction-order.pdf", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, content_type="application/pdf")
def correction_order(inspection_id: str):
    """责令（限期）改正通知书 of a rectification order: numbered from the street's sequence the first
    time, in the 行政主体's name, with its deadline (the phone prints its own copy on the spot)."""
    from urllib.parse import quote

    pdf, number = service.correction_notice(inspection_id, current_identity())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(f'责令改正通知书-{number}.pdf')}", "Cache-Control": "private, no-store"})
