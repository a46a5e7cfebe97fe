"""The register's endpoints (监管对象库)."""
from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from .. import rawjson
from ..auth.access import authenticated, current_identity, reads_only, roles
from ..extensions import commit
from . import service
from .schemas import (MergeSchema, RegisterSchema, SubjectCreateSchema, SubjectListSchema, SubjectQuerySchema, SubjectSchema,
                      SubjectUpdateSchema)

blp = Blueprint("subjects", __name__, url_prefix="/api/v1", description="监管对象库 · The register of subjects")


def _street() -> int | None:
    """The register is kept per street; a district administrator (no street) finds nothing here."""
    return current_identity().jurisdiction_id


@blp.route("/subjects", methods=["GET"])
@authenticated
@reads_only
@blp.arguments(SubjectQuerySchema, location="query")
@blp.response(200, SubjectListSchema)
def search(args: dict):
    """Search by name, pinyin initials, credit code or address; `near=lat,lon` puts the nearest first."""
    near = tuple(float(x) for x in args["near"].split(",")) if args["near"] else None
    items = service.search(_street(), args["q"], near=near, limit=args["limit"]) if _street() is not None else []
    # the page is already SubjectSchema's plain values (which documents it): no second pass per field
    return Response(rawjson.dumps({"items": items}), content_type="application/json")


@blp.route("/subjects", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(SubjectCreateSchema)
@blp.response(201, SubjectSchema)
def create(args: dict):
    """Register a subject by hand (a shop opening, a site starting); a credit code in use is refused (409, merge instead)."""
    subject = service.create(current_identity(), args)
    commit()
    return service.to_dict(subject)


@blp.route("/subjects/register", methods=["GET"])
@authenticated
@blp.response(200, RegisterSchema)
def register():
    """The street's register for the phone's offline search: compact rows, with an ETag."""
    rows, version = service.register(_street() or 0)
    if request.if_none_match.contains(version):
        return "", 304, {"ETag": f'"{version}"'}
    return {"columns": service.REGISTER_COLUMNS, "rows": rows, "version": version}, 200, {"ETag": f'"{version}"'}


@blp.route("/subjects/<int:subject_id>", methods=["GET"])
@authenticated
@blp.response(200, SubjectSchema)
def detail(subject_id: int):
    """一户一档: the subject with its history (inspections, rectification orders and their outcome, decisions, cases,
    and — except for auxiliaries — the residents' reports about it)."""
    identity = current_identity()
    subject = service.get(subject_id, identity)
    return {**service.to_dict(subject), "history": service.history(subject, complaints=identity.role != "auxiliary")}


@blp.route("/subjects/<int:subject_id>", methods=["PATCH"])
@roles("supervisor", "admin")
@blp.arguments(SubjectUpdateSchema)
@blp.response(200, SubjectSchema)
def update(args: dict, subject_id: int):
    """Keep the register: name, address, kind, licences, risk class, place."""
    identity = current_identity()
    subject = service.update(identity, service.get(subject_id, identity), args)
    commit()
    return service.to_dict(subject)


@blp.route("/subjects/<int:subject_id>/merge", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(MergeSchema)
@blp.response(200, SubjectSchema)
def merge(args: dict, subject_id: int):
    """Merge this duplicate into the subject it repeats (its records then count for that one)."""
    into = service.merge(current_identity(), subject_id, args["into"])
    commit()
    return service.to_dict(into)
