"""`POST /api/v1/sync` (push), `GET /api/v1/sync/changes` (pull), and the supervisors'
views of incomplete records and device health."""
from __future__ import annotations

import jwt
from flask import current_app, request
from flask_smorest import Blueprint

from ..auth.access import authenticated, current_identity, roles, scope_jurisdiction
from ..errors import ApiError
from ..extensions import limiter
from ..models_base import utcnow
from . import service
from .schemas import MAX_RECORDS, ChangesQuerySchema, ChangesSchema, DeviceHealthListSchema, IncompleteSchema, SyncBatchSchema, SyncResultSchema

blp = Blueprint("sync", __name__, url_prefix="/api/v1", description="同步 · Offline sync")


def _device_key() -> str:
    """Rate-limit bucket per device (from the token's claims; verified later by the access hook)."""
    header = request.headers.get("Authorization", "")
    try:
        claims = jwt.decode(header.partition(" ")[2], options={"verify_signature": False})
        return f"device:{claims.get('did')}"
    except jwt.PyJWTError:
        return f"addr:{request.remote_addr}"


def _limit_body() -> None:
    cap = current_app.config["SYNC_MAX_BYTES"]
    request.max_content_length = cap
    if request.content_length is not None and request.content_length > cap:
        raise ApiError("sync.body_too_large", f"同步请求不能超过 {cap // 1024} KB，请分批发送",
                       f"A sync request may not exceed {cap // 1024} KB: send smaller batches", status=413,
                       details={"limit_bytes": cap})


@blp.route("/sync", methods=["POST"])
@authenticated
@limiter.limit(lambda: current_app.config["SYNC_RATE_LIMIT"], key_func=_device_key)
@blp.arguments(SyncBatchSchema)
@blp.response(200, SyncResultSchema)
def push(batch: dict):
    """Push records made offline; each answer says created, duplicate, conflict,
    rejected (with a code) or incomplete (photos still to upload). See docs/sync.md."""
    identity = current_identity()
    if batch["device_id"] != identity.device_id:
        raise ApiError("sync.device_mismatch", "device_id 与登录设备不符", "device_id does not match the signed-in device", status=403)
    if len(batch["records"]) > MAX_RECORDS:
        raise ApiError("sync.batch_too_large", f"每批最多 {MAX_RECORDS} 条记录", f"At most {MAX_RECORDS} records per batch",
                       status=413, details={"limit_records": MAX_RECORDS})
    received = utcnow()
    results = service.push(identity, batch, received)  # records the phone's health in the same transaction
    return {"results": results, "server_time": utcnow()}


@blp.before_request
def _sync_body_cap() -> None:
    # before webargs reads the body: the sync cap (not the global 2 MiB) and a clear 413
    if request.endpoint == "sync.push":
        _limit_body()


@blp.route("/sync/changes", methods=["GET"])
@authenticated
@blp.arguments(ChangesQuerySchema, location="query")
@blp.response(200, ChangesSchema)
def changes(args: dict):
    """What changed for this phone since its cursor (paged, resumable)."""
    return service.changes(current_identity(), args["since"], args["limit"])


@blp.route("/sync/incomplete", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, IncompleteSchema)
def incomplete():
    """Records accepted without all their photos, oldest first, with their age."""
    return {"items": service.incomplete(scope_jurisdiction(current_identity())), "next": None}


@blp.route("/devices/health", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, DeviceHealthListSchema)
def devices_health():
    """Every phone's last sync, queue depth and alarms (e.g. a day without sync with records queued)."""
    cfg = current_app.config
    return {"items": service.devices_health(scope_jurisdiction(current_identity()), cfg["DEVICE_STALE_SECONDS"],
                                            cfg["DEVICE_QUEUE_ALARM"]), "next": None}
