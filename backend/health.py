"""Liveness/readiness for load balancers and the PWA's "am I online" probe."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from .auth.access import public
from .evidence import av
from .extensions import db
from .replica import router

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="运行状态 · Health")


class ReplicaHealthSchema(Schema):
    state = fields.String(required=True, metadata={
        "description": "ok (routed reads go to it) | lagging | unreachable | not_standby | primary_unreachable; "
                       "in every state but ok the primary answers them"})
    lag_s = fields.Float(allow_none=True, required=True, metadata={
        "description": "0 when it has replayed all the primary wrote; else the age of the last transaction it "
                       "replayed; null when unknown"})
    max_lag_s = fields.Float(required=True, metadata={"description": "REPLICA_MAX_LAG_S"})
    replay_paused = fields.Boolean(allow_none=True, required=True)


class MediaHealthSchema(Schema):
    store = fields.String(required=True, metadata={"description": "filesystem | s3 (MEDIA_STORE_URL)"})
    video_and_audio = fields.Boolean(required=True, metadata={
        "description": "ffprobe and ffmpeg are installed: clips and voice notes are taken (else 503 media.av_unavailable; "
                       "photos are taken either way)"})
    missing_tools = fields.List(fields.String(), required=True)


class HealthSchema(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)
    version = fields.String(required=True)
    replica = fields.Nested(ReplicaHealthSchema, metadata={
        "description": "the read replica (DATABASE_REPLICA_URL), when one is configured; its state never fails "
                       "the check: without it the primary answers everything"})
    media = fields.Nested(MediaHealthSchema, required=True, metadata={
        "description": "what evidence this node can take; a missing ffmpeg never fails the check (photos still work)"})


@blp.route("/health", methods=["GET"])
@public
@blp.response(200, HealthSchema)
@blp.doc(security=[])
def health():
    db.session.execute(text("SELECT 1"))
    missing = av.check_tools(current_app.config)  # shutil.which: no process is started
    answer = {"status": "ok", "database": db.engine.dialect.name, "version": "0.1.0",
              "media": {"store": "s3" if current_app.config.get("MEDIA_STORE_URL") else "filesystem",
                        "video_and_audio": not missing, "missing_tools": missing}}
    replica = router()
    if replica is not None:
        answer["replica"] = replica.health()  # cached for a second: the PWA asks often
    return answer

