"""督查意见: supervisors review inspections, tickets and cases; officers see and resolve theirs."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..auth.access import authenticated, current_identity, roles
from . import service
from .models import REVIEW_OBJECTS, VERDICTS

blp = Blueprint("reviews", __name__, url_prefix="/api/v1", description="督查意见 · Reviews")


class ReviewCreateSchema(Schema):
    object_type = fields.String(required=True, validate=validate.OneOf(REVIEW_OBJECTS))
    object_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    verdict = fields.String(required=True, validate=validate.OneOf(VERDICTS))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class ReviewQuerySchema(Schema):
    object_type = fields.String(load_default=None, validate=validate.OneOf(REVIEW_OBJECTS))
    object_id = fields.String(load_default=None, validate=validate.Length(max=64))
    open = fields.Boolean(load_default=False, metadata={"description": "only corrections still to do"})


class ResolveSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReviewSchema(Schema):
    id = fields.Integer(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(required=True)
    officer_id = fields.Integer(allow_none=True, required=True)
    reviewer_id = fields.Integer(required=True)
    verdict = fields.String(required=True)
    comment = fields.String(required=True)
    at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(allow_none=True, required=True)


class ReviewListSchema(Schema):
    items = fields.List(fields.Nested(ReviewSchema), required=True)


@blp.route("/reviews", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(ReviewCreateSchema)
@blp.response(201, ReviewSchema)
def add(args: dict):
    """Comment on a record, pass it, or mark it as needing correction (the officer is told)."""
    return service.review_to_dict(service.add_review(current_identity(), **args))


@blp.route("/reviews", methods=["GET"])
@authenticated
@blp.arguments(ReviewQuerySchema, location="query")
@blp.response(200, ReviewListSchema)
def list_reviews(args: dict):
    """Supervisors: the street's reviews; officers: reviews of their own records."""
    rows = service.reviews_for(current_identity(), object_type=args["object_type"], object_id=args["object_id"], open_only=args["open"])
    return {"items": [service.review_to_dict(r) for r in rows]}


@blp.route("/reviews/<int:review_id>/resolve", methods=["POST"])
@authenticated
@blp.arguments(ResolveSchema)
@blp.response(200, ReviewSchema)
def resolve(args: dict, review_id: int):
    """The officer marks a requested correction as done."""
    return service.review_to_dict(service.resolve(current_identity(), review_id, args["note"]))
