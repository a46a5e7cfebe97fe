"""离线底图 · Offline base map: an administrator loads the jurisdiction's MBTiles or PMTiles
(raster or vector tiles); the tiles are public like the app itself (a street map, no
personal data) so the phone's map and its service worker fetch them without a token."""
from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..auth.access import current_identity, public, roles
from ..clock import now
from ..errors import NotFound
from . import formats, service

blp = Blueprint("basemap", __name__, url_prefix="/api/v1", description="离线底图 · Offline base map")


class BasemapSchema(Schema):
    name = fields.String(required=True)
    container = fields.String(required=True, metadata={"enum": ["mbtiles", "pmtiles"], "description": "the uploaded file's kind"})
    kind = fields.String(required=True, metadata={"enum": ["raster", "vector"],
                                                  "description": "raster: images; vector: Mapbox Vector Tiles the phone draws itself"})
    format = fields.String(required=True, metadata={"enum": ["png", "jpg", "jpeg", "webp", "pbf"], "description": "pbf: MVT"})
    compression = fields.String(metadata={"enum": ["none", "gzip"], "description": "of the stored vector tiles"})
    vector_layers = fields.List(fields.String(), metadata={"description": "the vector tiles' layer names (empty for raster)"})
    bounds = fields.List(fields.Float(), allow_none=True, metadata={"description": "west, south, east, north (WGS-84)"})
    minzoom = fields.Integer(required=True)
    maxzoom = fields.Integer(required=True)
    tiles = fields.Integer(required=True)
    attribution = fields.String()
    sha256 = fields.String(required=True)
    bytes = fields.Integer(required=True)
    loaded_at = fields.String()
    loaded_by = fields.String()
    tile_url = fields.String(required=True, metadata={"description": "the tiles, XYZ: {z}/{x}/{y}, versioned by the file's hash"})


def _root() -> str:
    return current_app.config["MEDIA_ROOT"]


def describe(info: dict) -> dict:
    return {**info, "tile_url": f"/api/v1/basemap/tiles/{{z}}/{{x}}/{{y}}?v={info['sha256'][:12]}"}


@blp.route("/basemap", methods=["GET"])
@public
@blp.response(200, BasemapSchema)
def get_basemap():
    """The loaded base map, or 404 (`basemap.none`): the phones draw grids alone then."""
    info = service.current(_root())
    if info is None:
        raise NotFound("basemap.none", "尚未加载离线底图", "No base map is loaded")
    return describe(info)


@blp.route("/basemap", methods=["PUT"])
@roles("admin")
@blp.response(200, BasemapSchema)
@blp.doc(requestBody={"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
         responses={"413": {"description": "larger than BASEMAP_MAX_BYTES"}})
def put_basemap():
    """Load the jurisdiction's base map: an MBTiles or PMTiles (v3) file of raster (png, jpg,
    webp) or vector (MVT) tiles as the request body (streamed). A bad file leaves the loaded
    map as it was."""
    from ..audit import service as audit

    identity = current_identity()
    info = service.load(_root(), request.stream, current_app.config["BASEMAP_MAX_BYTES"], identity.officer.username,
                        now().isoformat())
    audit.record("basemap.loaded", "basemap", info["sha256"], jurisdiction_id=identity.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details={k: info[k] for k in ("name", "container", "kind", "format", "tiles", "bytes", "minzoom", "maxzoom")})
    return describe(info)


@blp.route("/basemap/tiles/<int(max=24):z>/<int:x>/<int:y>", methods=["GET"])
@public
@blp.response(200)
@blp.doc(responses={"200": {"description": "one tile: png, jpg or webp, or a vector tile (application/vnd.mapbox-vector-tile, "
                                              "with Content-Encoding: gzip when it is stored gzipped and the client accepts gzip)"},
                    "404": {"description": "no tile there"}})
def get_tile(z: int, x: int, y: int):
    found = service.tile(_root(), z, x, y, accept_gzip=request.accept_encodings["gzip"] > 0)
    if found is None:
        return Response(status=404, headers={"Cache-Control": "no-store"})
    # the URL carries the file's hash (?v=): a tile never changes under its URL
    resp = Response(found.data, mimetype=found.mimetype, headers={"Cache-Control": "public, max-age=31536000, immutable"})
    if found.mimetype == formats.MIMETYPES[formats.VECTOR]:
        resp.vary.add("Accept-Encoding")  # the same URL is sent gzipped or not
        if found.encoding:
            resp.headers["Content-Encoding"] = found.encoding
    return resp
