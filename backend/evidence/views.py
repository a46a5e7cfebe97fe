"""Evidence endpoints (photos, video, audio): upload by hash (whole or resumable),
status, metadata, custody, variants; the original honours Range for seeking."""
from __future__ import annotations

import re

from flask import current_app, jsonify, request, send_file
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

from ..auth.access import authenticated, current_identity, public, releases_before_body, roles
from ..errors import ApiError
from . import av, service
from .schemas import CustodySchema, MediaSchema, PlaybackSchema, UploadSchema, UploadStatusSchema

blp = Blueprint("evidence", __name__, url_prefix="/api/v1", description="证据照片、视频、录音 · Evidence photos, video and audio")


@blp.record_once
def _check_tools(state) -> None:
    """Say at start-up, not at the first video, that ffprobe/ffmpeg is missing: photos
    still work; video and audio uploads are refused with 503 media.av_unavailable."""
    missing = av.check_tools(state.app.config)
    if missing:
        state.app.logger.warning("evidence: %s not found: video and audio uploads will be refused "
                                 "(503 media.av_unavailable); install Debian's ffmpeg", " and ".join(missing))

SHA = "<string:sha256>"
VARIANT = "<any(thumb, display, original):variant>"
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def _check_hash(sha256: str) -> None:
    if not SHA_RE.match(sha256):
        raise ApiError("media.bad_hash", "照片标识须为 64 位小写十六进制 SHA-256", "The id must be a lowercase hex SHA-256", status=400)

UPLOAD_DOC = {
    "requestBody": {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                                                  "image/*": {"schema": {"type": "string", "format": "binary"}},
                                                  "video/*": {"schema": {"type": "string", "format": "binary"}},
                                                  "audio/*": {"schema": {"type": "string", "format": "binary"}}}},
    "parameters": [{"in": "header", "name": "Content-Range", "required": False, "schema": {"type": "string"},
                    "description": "`bytes start-end/total` to send one chunk of a resumable upload"}],
    "responses": {
        "200": {"description": "already stored (deduplicated); nothing written", "content": {"application/json": {"schema": UploadSchema}}},
        "202": {"description": "chunk stored; resume at `offset`", "content": {"application/json": {"schema": UploadStatusSchema}}},
    },
}


@blp.route(f"/media/{SHA}", methods=["PUT"])
@authenticated
@releases_before_body  # service.receive ends the transaction before it reads a byte
@blp.response(201, UploadSchema, description="stored, verified and inspected")
@blp.doc(**UPLOAD_DOC)
def upload(sha256: str):
    """Upload a photo, video or recording by its SHA-256 (the server recomputes it).
    Idempotent; resumable with `Content-Range` chunks (see docs/evidence.md)."""
    _check_hash(sha256)
    declared = (request.mimetype or "").lower()
    if declared and not (declared.startswith(("image/", "video/", "audio/")) or declared == "application/octet-stream"):
        # the type itself is always detected from the content; a label that is no media type is a lie worth refusing
        raise ApiError("media.unsupported_type", "只接受照片、视频或录音（image/*、video/*、audio/* 或 application/octet-stream）",
                       "Only photos, video and audio are accepted (image/*, video/*, audio/* or application/octet-stream)",
                       status=415, details={"declared": declared})
    limit = service.max_upload_bytes()  # the kind's own limit applies once the first bytes say what it is
    request.max_content_length = limit
    length = request.content_length
    if length is not None and length > limit:
        raise service._too_large(limit, av.VIDEO)
    result = service.receive(sha256, request.stream, content_length=length,
                             content_range=request.headers.get("Content-Range"), identity=current_identity(),
                             declared=declared)
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
                            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
                    "206": {"description": "the requested `Range` of the original (seeking in a video or recording)"}},
         parameters=[{"in": "header", "name": "Range", "required": False, "schema": {"type": "string"},
                      "description": "`bytes=start-end` of the original"}])
def media_variant(sha256: str, variant: str):
    """`thumb` (320 px) and `display` (1600 px; a video's poster frame or a recording's
    waveform) carry the evidence watermark and no EXIF; `original` is the file as
    uploaded and honours `Range` (206). Viewing an original is written to the audit trail."""
    _check_hash(sha256)
    media = service.get_media(sha256)
    identity = current_identity()
    service.check_can_view(identity, media)
    f, content_type = service.open_variant(identity, media, variant)
    if variant == "original":
        return _original(f, identity, media)
    resp = send_file(f, mimetype=content_type, etag=False, max_age=0, download_name=f"{sha256[:16]}-{variant}",
                     conditional=False)
    # derived copies are re-rendered when a record adds watermark facts (originals never change: above)
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _original(f, identity, media):
    """The original, with Range (206), If-Range and If-None-Match on its hash (an ETag
    that never changes). werkzeug's FileWrapper is seekable, so a seek near the end of
    a gigabyte clip does not read what comes before it."""
    resp = current_app.response_class(FileWrapper(f, 1 << 16), mimetype=media.content_type, direct_passthrough=True)
    resp.content_length = media.bytes
    resp.set_etag(media.sha256)
    resp.headers["Content-Disposition"] = f"inline; filename={media.sha256[:16]}-original"
    try:
        resp = resp.make_conditional(request.environ, accept_ranges=True, complete_length=media.bytes)
    except RequestedRangeNotSatisfiable:
        f.close()
        raise
    if resp.status_code == 304:
        f.close()
    resp.headers["Cache-Control"] = "private, max-age=86400, immutable"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if request.method == "GET":  # a HEAD sends no bytes
        service.record_original_view(identity, media, status=resp.status_code, range_header=request.headers.get("Range"))
    return resp


# --- playback: a <video> or <audio> element cannot send the officer's token -----------------
_PLAY_SALT = "zhangshang.media-playback.v1"


def _play_signer():
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from ..clock import now

    class ProductClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:  # the product's clock (tests move it), not the host's
            return int(now().timestamp())

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_PLAY_SALT, signer=ProductClockSigner)


@blp.route(f"/media/{SHA}/playback", methods=["POST"])
@authenticated
@blp.response(200, PlaybackSchema)
def playback(sha256: str):
    """A link that plays (and seeks in) the original without a header: signed for this file and
    this login, for MEDIA_PLAYBACK_TTL_S; each request through it is checked and audited as
    the officer's own viewing of the original (a revoked login stops it at once)."""
    from datetime import timedelta

    from ..clock import now

    _check_hash(sha256)
    media = service.get_media(sha256)
    identity = current_identity()
    service.check_can_view(identity, media)
    ticket = _play_signer().dumps({"s": sha256, "o": identity.officer_id, "sid": identity.session_id})
    ttl = current_app.config["MEDIA_PLAYBACK_TTL_S"]
    return {"url": f"/api/v1/media/{sha256}/play?ticket={ticket}", "expires_at": now() + timedelta(seconds=ttl),
            "kind": media.kind, "content_type": media.content_type}


@blp.route(f"/media/{SHA}/play", methods=["GET"])
@public
@blp.response(200)
@blp.doc(parameters=[{"in": "query", "name": "ticket", "required": True, "schema": {"type": "string"},
                      "description": "from POST /media/<sha256>/playback"},
                     {"in": "header", "name": "Range", "required": False, "schema": {"type": "string"}}],
         responses={"206": {"description": "the requested Range of the original"}})
def play(sha256: str):
    """The original through a playback link (Range, 206), as the officer who asked for it."""
    from itsdangerous import BadSignature, SignatureExpired

    from ..auth import service as auth
    from ..errors import Unauthorized

    _check_hash(sha256)
    try:
        claims = _play_signer().loads(request.args.get("ticket", ""), max_age=current_app.config["MEDIA_PLAYBACK_TTL_S"])
    except SignatureExpired:
        raise Unauthorized("media.playback_expired", "播放链接已过期，请重新打开", "The playback link has expired: open it again") from None
    except BadSignature:
        raise Unauthorized("media.playback_invalid", "播放链接无效", "Invalid playback link") from None
    if not isinstance(claims, dict) or claims.get("s") != sha256:
        raise Unauthorized("media.playback_invalid", "播放链接无效", "Invalid playback link")
    identity = auth.identity_from_session(str(claims.get("sid")), int(claims.get("o") or 0))
    media = service.get_media(sha256)
    service.check_can_view(identity, media)
    f, _ = service.open_variant(identity, media, "original")
    resp = _original(f, identity, media)
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cache-Control"] = "private, no-store"  # the link carries its ticket: kept by no cache
    return resp
