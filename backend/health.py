"""Liveness/readiness for load balancers and the PWA's "am I online" probe."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from .auth.access import public
from .extensions import db

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="运行状态 · Health")


class HealthSchema(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)
    version = fields.String(required=True)


@blp.route("/health", methods=["GET"])
@public
@blp.response(200, HealthSchema)
@blp.doc(security=[])
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "database": db.engine.dialect.name, "version": "0.1.0"}
