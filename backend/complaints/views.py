"""Complaints: the console's endpoints, and the resident's public pages (no login)."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, redirect, render_template_string, request
from flask_smorest import Blueprint

from ..auth.access import current_identity, roles, scope_jurisdiction
from ..errors import ApiError
from ..extensions import commit, limiter
from ..pagination import paginate
from . import pages, service
from .models import Complaint
from .schemas import (ComplaintCreateSchema, ComplaintPageSchema, ComplaintQuerySchema, ComplaintSchema, ComplaintSubjectSetSchema,
                      ImportResultSchema, TriageSchema)

blp = Blueprint("complaints", __name__, url_prefix="/api/v1", description="群众举报与线索移交 · Complaints and referrals")
public_bp = FlaskBlueprint("report", __name__)


def _reveal() -> bool:
    return current_identity().role in ("supervisor", "admin")  # the reporter's phone: to the ones who call back


@blp.route("/complaints", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.arguments(ComplaintQuerySchema, location="query")
@blp.response(200, ComplaintPageSchema)
def list_complaints(args: dict):
    """The street's reports, newest last; `status=received` is the triage queue."""
    page = paginate(service.list_for(scope_jurisdiction(current_identity()), args["status"]), Complaint.id, args["limit"], args["cursor"])
    page["items"] = [service.to_dict(c, _reveal()) for c in page["items"]]
    return page


@blp.route("/complaints", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(ComplaintCreateSchema)
@blp.response(201, ComplaintSchema)
def create(args: dict):
    """A report taken by phone (12345 热线) or a department's referral (线索移交), entered on the console."""
    identity = current_identity()
    code = service.street_code(identity, args["jurisdiction_code"])
    c = service.submit(description=args["description"], phone=args["phone"], name=args["name"], address=args["address"], lat=args["lat"],
                       lon=args["lon"], jurisdiction_code=code, channel=args["channel"], external_ref=args["external_ref"],
                       department=args["department"], actor_id=identity.officer_id)
    commit()
    return service.to_dict(c, True)


@blp.route("/complaints/import", methods=["POST"])
@roles("supervisor", "admin")
@blp.response(200, ImportResultSchema)
def import_referrals():
    """12345 or department referrals from their CSV (columns 工单号, 来源, 部门, 内容, 地址, 联系电话, 联系人);
    a district administrator names the street with `?street=<code>`."""
    identity = current_identity()
    result = service.import_referrals(identity, request.get_data(cache=False), service.street_code(identity, request.args.get("street")))
    commit()
    return result


@blp.route("/complaints/<int:complaint_id>", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, ComplaintSchema)
def get_complaint(complaint_id: int):
    return service.to_dict(service.get(complaint_id, current_identity()), _reveal())


@blp.route("/complaints/<int:complaint_id>/triage", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(TriageSchema)
@blp.response(200, ComplaintSchema)
def triage(args: dict, complaint_id: int):
    """分办: into a task, a case, a merge, or a rejection with the reason the resident will read."""
    identity = current_identity()
    c = service.triage(identity, service.get(complaint_id, identity), **args)
    commit()
    return service.to_dict(c, True)


@blp.route("/complaints/<int:complaint_id>/subject", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(ComplaintSubjectSetSchema)
@blp.response(200, ComplaintSchema)
def set_subject(args: dict, complaint_id: int):
    """被举报对象: name, correct or clear (null) the register's subject the report is about, whatever its status."""
    identity = current_identity()
    c = service.set_subject(identity, service.get(complaint_id, identity), args["subject_id"])
    commit()
    return service.to_dict(c, True)


@blp.route("/complaints/<int:complaint_id>/photos/<string:sha256>", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, content_type="image/jpeg")
def complaint_photo(complaint_id: int, sha256: str):
    data = service.photo(service.get(complaint_id, current_identity()), sha256)
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


# --- the resident's pages -------------------------------------------------------------------

_HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@public_bp.route("/public/report", methods=["GET"])
def report_form():
    """群众举报: the form, on a phone, with no login."""
    return render_template_string(pages.FORM, streets=pages.streets(), error=None, values={}), 200, _HTML


@public_bp.route("/public/report.js", methods=["GET"])
def report_js():
    return Response(pages.SCRIPT, mimetype="text/javascript", headers={"Cache-Control": "public, max-age=3600"})


def _public_limit() -> str:
    return current_app.config["COMPLAINT_RATE_LIMIT"]


@public_bp.route("/public/report", methods=["POST"])
@limiter.limit(_public_limit, methods=["POST"])
def report_submit():
    """A report sent: its tracking code is shown on the next page (and works as its address)."""
    form = request.form
    try:
        lat, lon = pages.float_or_none(form.get("lat")), pages.float_or_none(form.get("lon"))
        photos = [f.read(current_app.config["COMPLAINT_PHOTO_MAX_BYTES"] + 1) for f in request.files.getlist("photos") if f and f.filename]
        c = service.submit(description=form.get("description", ""), phone=form.get("phone", ""), name=form.get("name", ""),
                           address=form.get("address", ""), lat=lat, lon=lon, jurisdiction_code=form.get("street") or None, photos=photos,
                           source=request.remote_addr or "")
        commit()
    except ApiError as e:
        from ..extensions import db

        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            raise
        return render_template_string(pages.FORM, streets=pages.streets(), error=e.message_zh, values=form), e.status, _HTML
    if request.accept_mimetypes.best == "application/json":
        return {"code": c.code, "status_url": f"/public/report/{c.code}"}, 201
    return redirect(f"/public/report/{c.code}?new=1", code=303)


@public_bp.route("/public/report/<string:code>", methods=["GET"])
def report_status(code: str):
    """The report's status by its tracking code: what happened, and the rating once resolved."""
    try:
        view = service.public_view(service.by_code(code))
    except ApiError:
        return render_template_string(pages.STATUS, view=None, new=False), 404, _HTML
    if request.accept_mimetypes.best == "application/json":
        return view
    return render_template_string(pages.STATUS, view=view, new=request.args.get("new") == "1"), 200, _HTML


@public_bp.route("/public/report/<string:code>/rating", methods=["POST"])
@limiter.limit(_public_limit, methods=["POST"])
def report_rating(code: str):
    """评价: the resident rates the handling once it is resolved."""
    try:
        c = service.by_code(code)
        rating = int(request.form.get("rating") or (request.get_json(silent=True) or {}).get("rating") or 0)
        service.rate(c, rating, request.form.get("comment") or (request.get_json(silent=True) or {}).get("comment") or "")
        commit()
    except ValueError:
        return {"code": "complaint.bad_rating", "message": {"zh-CN": "评价须为 1–5 星", "en": "A rating is 1 to 5"}, "details": {}}, 422
    if request.accept_mimetypes.best == "application/json":
        return service.public_view(c)
    return redirect(f"/public/report/{c.code}", code=303)
