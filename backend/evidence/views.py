"""Evidence photo endpoints: upload by hash (whole or resumable), status, variants."""
from __future__ import annotations

import re

from flask import current_app, jsonify, request, send_file
from flask_smorest import Blueprint

from ..auth.access import authenticated, current_identity, roles
from ..errors import ApiError
from . import service
from .schemas import CustodySchema, MediaSchema, UploadSchema, UploadStatusSchema

blp = Blueprint("evidence", __name__, url_prefix="/api/v1", description="证据照片 · Evidence photos")

SHA = "<string:sha256>"
VARIANT = "<any(thumb, display, original):variant>"
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def _check_hash(sha256: str) -> None:
    if not SHA_RE.match(sha256):
        raise ApiError("media.bad_hash", "照片标识须为 64 位小写十六进制 SHA-256", "The id must be a lowercase hex SHA-256", status=400)

UPLOAD_DOC = {
    "requestBody": {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                                                  "image/*": {"schema": {"type": "string", "format": "binary"}}}},
    "parameters": [{"in": "header", "name": "Content-Range", "required": False, "schema": {"type": "string"},
                    "description": "`bytes start-end/total` to send one chunk of a resumable upload"}],
    "responses": {
        "200": {"description": "already stored (deduplicated); nothing written", "content": {"application/json": {"schema": UploadSchema}}},
        "202": {"description": "chunk stored; resume at `offset`", "content": {"application/json": {"schema": UploadStatusSchema}}},
    },
}


@blp.route(f"/media/{SHA}", methods=["PUT"])
@authenticated
@blp.response(201, UploadSchema, description="stored, verified and inspected")
@blp.doc(**UPLOAD_DOC)
def upload(sha256: str):
    """Upload a photo by its SHA-256 (the server recomputes it). Idempotent; resumable
    with `Content-Range` chunks (see docs/evidence.md)."""
    _check_hash(sha256)
    declared = (request.mimetype or "").lower()
    if declared and not (declared.startswith("image/") or declared == "application/octet-stream"):
        # the type itself is always detected from the content; a non-image label is a lie worth refusing
        raise ApiError("media.unsupported_type", "只接受照片（image/* 或 application/octet-stream）",
                       "Only photos are accepted (image/* or application/octet-stream)", status=415,
                       details={"declared": declared})
    request.max_content_length = current_app.config["MEDIA_MAX_BYTES"]
    length = request.content_length
    if length is not None and length > current_app.config["MEDIA_MAX_BYTES"]:
        raise service._too_large(current_app.config["MEDIA_MAX_BYTES"])
    result = service.receive(sha256, request.stream, content_length=length,
                             content_range=request.headers.get("Content-Range"), identity=current_identity())
    if result.state == "partial":
        body = {"sha256": sha256, "state": "partial", "offset": result.offset, "total": result.total}
        # a Response is passed through as is (a plain dict would be re-dumped with UploadSchema,
        # losing `offset`, the one thing the phone needs to continue)
        return jsonify(UploadStatusSchema().dump(body)), 202
    return result.media, 201 if result.state == "created" else 200


@blp.route(f"/media/{SHA}/status", methods=["GET"])
@authenticated
@blp.response(200, UploadStatusSchema)
def upload_status(sha256: str):
    """How much of an upload the server has: resume a cut-off upload from `offset`."""
    _check_hash(sha256)
    return service.status(sha256)


@blp.route(f"/media/{SHA}", methods=["GET"])
@authenticated
@blp.response(200, MediaSchema)
def media_info(sha256: str):
    """A photo's metadata, EXIF and how it compares with the records that cite it."""
    _check_hash(sha256)
    media = service.get_media(sha256)
    service.check_can_view(current_identity(), media)
    return service.media_to_dict(media)


@blp.route(f"/media/{SHA}/custody", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, CustodySchema)
def media_custody(sha256: str):
    """Chain of custody: capture, upload, verification and every access, from the audit trail."""
    _check_hash(sha256)
    media = service.get_media(sha256)
    identity = current_identity()
    service.check_can_view(identity, media)
    return {"sha256": sha256, "items": service.custody(media, identity)}


@blp.route(f"/media/{SHA}/{VARIANT}", methods=["GET"])
@authenticated
@blp.response(200)
@blp.doc(responses={"200": {"description": "JPEG (thumb, display) or the original bytes",
                            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
def media_variant(sha256: str, variant: str):
    """`thumb` (320 px) and `display` (1600 px) carry the evidence watermark and no EXIF;
    `original` is the file as uploaded. Viewing an original is written to the audit trail."""
    _check_hash(sha256)
    media = service.get_media(sha256)
    identity = current_identity()
    service.check_can_view(identity, media)
    f, content_type = service.open_variant(identity, media, variant)
    resp = send_file(f, mimetype=content_type, etag=False, max_age=0, download_name=f"{sha256[:16]}-{variant}",
                     conditional=False)
    # originals never change; derived copies are re-rendered when a record adds watermark facts
    resp.headers["Cache-Control"] = "private, max-age=86400, immutable" if variant == "original" else "private, no-cache"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
