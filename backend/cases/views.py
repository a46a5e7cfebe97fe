"""Case store endpoints."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..auth.access import authenticated, current_identity, roles, scope_jurisdiction
from ..pagination import paginate
from . import service
from .models import Case
from .schemas import CashHandInSchema, PaymentPlanSchema
from .schemas import HolidayLoadedSchema, HolidayNoticeSchema, HolidayYearsQuerySchema, HolidayYearsSchema
from .schemas import CaseOpenSchema, CasePageSchema, CaseQuerySchema, CaseSchema, PaymentCreateSchema, PauseSchema, TransitionSchema

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="案件 · Case store")


@blp.route("/cases", methods=["GET"])
@authenticated
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CasePageSchema)
def list_cases(args: dict):
    """Cases of the street; `due_before` lists open cases nearing or past a legal deadline."""
    query = service.list_cases(scope_jurisdiction(current_identity()), procedure=args["procedure"], status=args["status"],
                               due_before=args["due_before"])
    page = paginate(query, Case.id, args["limit"], args["cursor"])
    page["items"] = [service.case_to_dict(c) for c in page["items"]]
    return page


@blp.route("/cases", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(CaseOpenSchema)
@blp.response(201, CaseSchema)
def open_case(args: dict):
    """立案: open a general-procedure case (from an inspection or a task)."""
    return service.case_to_dict(service.open_general_case(current_identity(), **args))


@blp.route("/cases/<int:case_id>", methods=["GET"])
@authenticated
@blp.response(200, CaseSchema)
def get_case(case_id: int):
    return service.case_to_dict(service.get_case(case_id, current_identity()))


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
