"""Case store endpoints."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask_smorest import Blueprint

from ..auth.access import authenticated, current_identity, roles, scope_jurisdiction
from ..pagination import paginate
from . import desk, eservice, service
from .models import Case
from .schemas import CashHandInSchema, PaymentPlanSchema
from .schemas import HolidayLoadedSchema, HolidayNoticeSchema, HolidayYearsQuerySchema, HolidayYearsSchema
from .schemas import CaseOpenSchema, CasePageSchema, CaseQuerySchema, CaseSchema, PaymentCreateSchema, PauseSchema, TransitionSchema
from .schemas import BankImportResultSchema, ManifestSchema, StepResultSchema, TemplateListSchema, TemplatePutSchema, TemplateSchema
from .step_schemas import StepEnvelope

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="案件 · Case store")


@blp.route("/cases", methods=["GET"])
@authenticated
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CasePageSchema)
def list_cases(args: dict):
    """Cases of the street; `due_before` lists open cases nearing or past a legal deadline."""
    identity = current_identity()
    query = service.list_cases(scope_jurisdiction(identity), procedure=args["procedure"], status=args["status"],
                               due_before=args["due_before"], handler_id=identity.officer_id if args["mine"] else None)
    page = paginate(query, Case.id, args["limit"], args["cursor"])
    page["items"] = [service.case_to_dict(c) for c in page["items"]]
    return page


@blp.route("/cases", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(CaseOpenSchema)
@blp.response(201, CaseSchema)
def open_case(args: dict):
    """立案申请: propose a general-procedure case from its source (an inspection, a task, a
    complaint, a referral, by hand); a supervisor's `filing_approval` step files it."""
    return service.case_with_desk(service.open_general_case(current_identity(), **args))


@blp.route("/cases/<int:case_id>", methods=["GET"])
@authenticated
@blp.response(200, CaseSchema)
def get_case(case_id: int):
    """The case; a general case with its desk: steps, documents, next lawful steps, deadline lights."""
    return service.case_with_desk(service.get_case(case_id, current_identity()))


@blp.route("/cases/<int:case_id>/transitions", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(TransitionSchema)
@blp.response(200, CaseSchema)
def transition(args: dict, case_id: int):
    """Move a general case to its next stage (who and when are recorded)."""
    identity = current_identity()
    return service.case_to_dict(service.transition(service.get_case(case_id, identity), identity, **args))


@blp.route("/cases/<int:case_id>/payments", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(PaymentCreateSchema)
@blp.response(200, CaseSchema)
def payment(args: dict, case_id: int):
    """Record a payment; the surcharge is computed; the case closes when paid in full."""
    identity = current_identity()
    case = service.get_case(case_id, identity)
    service.record_payment(case, identity, **args)
    return service.case_to_dict(case)


@blp.route("/cases/<int:case_id>/pauses", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(PauseSchema)
@blp.response(200, CaseSchema)
def pause(args: dict, case_id: int):
    """Record reconsideration or litigation: the late surcharge does not run meanwhile."""
    identity = current_identity()
    return service.case_to_dict(service.add_pause(service.get_case(case_id, identity), identity, **args))


@blp.route("/cases/<int:case_id>/cash-hand-in", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(CashHandInSchema)
@blp.response(200, CaseSchema)
def cash_hand_in(args: dict, case_id: int):
    """§71: record that the cash taken on the spot was handed in (due within 2 working days)."""
    identity = current_identity()
    case = service.get_case(case_id, identity)
    service.hand_in_cash(case, identity, **args)
    return service.case_to_dict(case)


@blp.route("/cases/<int:case_id>/payment-plan", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(PaymentPlanSchema)
@blp.response(200, CaseSchema)
def payment_plan(args: dict, case_id: int):
    """§66: defer the payment or split it into instalments, on the party's application."""
    identity = current_identity()
    return service.case_to_dict(service.set_payment_plan(service.get_case(case_id, identity), identity, **args))


@blp.route("/holiday-calendar", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(HolidayYearsQuerySchema, location="query")
@blp.response(200, HolidayYearsSchema)
def holiday_years(args: dict):
    """Which source decides each year's working days (§85): a loaded State Council notice, the
    bundled package, or the statutory floor only (dates counted over it are provisional)."""
    from ..clock import local_today
    from . import holidays

    this = local_today().year
    first, last = args["first"] or this - 1, args["last"] or this + 1
    if last < first or last - first > 20:
        from ..errors import invalid

        raise invalid("holidays.bad_range", "年份范围无效（最多 20 年）", "Bad year range (at most 20 years)", field="last")
    return {"items": holidays.years(first, last)}


@blp.route("/holiday-calendar/<int(min=2000, max=2100):year>", methods=["PUT"])
@roles("admin")
@blp.arguments(HolidayNoticeSchema)
@blp.response(200, HolidayLoadedSchema)
def load_holidays(args: dict, year: int):
    """Load a year's State Council holiday notice; open cases' provisional deadlines are
    counted again on it."""
    from . import holidays

    return holidays.load_notice(year, args["holidays"], args["workdays"], args["source"], current_identity().officer.id)


# --- the case desk (general procedure) --------------------------------------------------


@blp.route("/cases/<int:case_id>/steps", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(StepEnvelope)
@blp.response(201, StepResultSchema)
def take_step(_envelope: dict, case_id: int):
    """Take the next step of a general case (立案审批, 询问笔录, 告知, 听证, 法制审核, 集体讨论, 决定,
    送达, 结案, 归档 …): `kind` and that kind's fields. The law's order is checked; the step's
    document is made, numbered and kept."""
    from flask import request

    from .step_schemas import load_step

    identity = current_identity()
    kind, data = load_step(request.get_json(silent=True))
    return desk.take_step(service.get_case(case_id, identity), identity, kind, data)


@blp.route("/cases/<int:case_id>/documents/<int:document_id>.pdf", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, content_type="application/pdf")
def document_pdf(case_id: int, document_id: int):
    """A document of the case, byte for byte as made (its SHA-256 is on the audit trail)."""
    doc = desk.document(service.get_case(case_id, current_identity()), document_id)
    return _pdf(doc.pdf, f"{doc.title}-{doc.number}.pdf")


@blp.route("/cases/<int:case_id>/file.pdf", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, content_type="application/pdf")
def case_file(case_id: int):
    """电子卷宗: every document and evidence item in order, a table of contents and the manifest."""
    case = service.get_case(case_id, current_identity())
    pdf = desk.case_file_pdf(case, current_identity())
    return _pdf(pdf, f"卷宗-{case.number or case.id}.pdf")


@blp.route("/cases/<int:case_id>/file/manifest", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, ManifestSchema)
def case_file_manifest(case_id: int):
    """The case file's manifest: each item's SHA-256, checkable with `flask audit verify --manifest`."""
    return desk.manifest(service.get_case(case_id, current_identity()))


@blp.route("/document-templates", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, TemplateListSchema)
def list_templates():
    """The templates in force for each kind of document (an administrator's newest version, or the default)."""
    return {"items": desk.templates()}


@blp.route("/document-templates/<string:kind>", methods=["PUT"])
@roles("admin")
@blp.arguments(TemplatePutSchema)
@blp.response(200, TemplateSchema)
def put_template(args: dict, kind: str):
    """Adjust a document's wording or layout (a new version; documents keep the version they used)."""
    return desk.save_template(kind, args["body"], current_identity())


@blp.route("/payments/bank-import", methods=["POST"])
@roles("officer", "supervisor")
@blp.response(200, BankImportResultSchema)
def bank_import():
    """Match a bank's CSV of payments to decisions by their number (text/csv body, UTF-8 or GBK)."""
    from flask import request

    return desk.bank_import(current_identity(), request.get_data(cache=False))


def _pdf(data: bytes, filename: str):
    from urllib.parse import quote

    from flask import Response

    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename)}", "Cache-Control": "private, no-store"})


# --- 电子送达: the party's one-time link (public, no login) -----------------------------------

public_bp = FlaskBlueprint("eservice", __name__)


@public_bp.route("/public/service/<string:token>")
def eservice_page(token: str):
    """The party opens the link they consented to receive: the first opening serves the
    document and is recorded with its 送达回证."""
    from flask import render_template_string

    link = eservice.find(token)
    if link is None:
        return render_template_string(SERVICE_PAGE, found=False), 404, _PAGE_HEADERS
    from ..clock import now

    expired = link.expires_at <= now()
    info = None if expired else eservice.open_link(link)
    from ..extensions import commit

    commit()
    return render_template_string(SERVICE_PAGE, found=True, expired=expired, info=info, token=token), 410 if expired else 200, _PAGE_HEADERS


@public_bp.route("/public/service/<string:token>/document.pdf")
def eservice_pdf(token: str):
    """The served document itself, for the party who holds the link (before it expires)."""
    from ..clock import now

    link = eservice.find(token)
    if link is None or link.expires_at <= now():
        return "Not found", 404
    if link.opened_at is None:  # reaching the PDF directly is an opening too
        eservice.open_link(link)
        from ..extensions import commit

        commit()
    return _pdf(link.document.pdf, f"{link.document.title}.pdf")


_PAGE_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                 "X-Robots-Tag": "noindex"}
SERVICE_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>电子送达</title>
<style>body{font:18px/1.7 system-ui,sans-serif;max-width:34em;margin:1em auto;padding:0 1em;color:#111}
a.btn{display:inline-block;background:#0b57d0;color:#fff;padding:.7em 1.4em;border-radius:8px;text-decoration:none;font-size:1.1em}
.muted{color:#333}</style></head><body><main>
{% if not found %}<h1>链接无效</h1><p>该送达链接不存在。请与送达文书的执法机关联系。</p>
{% elif expired %}<h1>链接已过期</h1><p>该送达链接已过有效期。请与送达文书的执法机关联系。</p>
{% else %}<h1>{{ info.title }}</h1><p>文书编号：{{ info.number }}</p>
<p>本文书已根据您同意的电子送达方式送达。您打开本页面的时间已记录为送达时间。</p>
<p><a class="btn" href="/public/service/{{ token }}/document.pdf">查看文书（PDF）</a></p>
<p class="muted">请妥善保存本文书。如对文书内容有疑问，请与执法机关联系。</p>{% endif %}
</main></body></html>"""
