"""Ticket books, tickets, printing, and the public verification page."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, request
from flask_smorest import Blueprint

from ..auth.access import authenticated, current_identity, roles, scope_jurisdiction
from ..errors import ApiError
from . import printing, rules, service
from .schemas import ConsentSchema, CosignSchema, PublicationSchema, BookListSchema, BookSchema, LeaseSchema, NumberStatusSchema, PrintQuerySchema, RulesSchema, TicketSchema, VoidSchema

blp = Blueprint("tickets", __name__, url_prefix="/api/v1", description="当场处罚决定书 · Tickets")
public_bp = FlaskBlueprint("verify", __name__)


@blp.route("/rules", methods=["GET"])
@authenticated
@blp.etag
@blp.response(200, RulesSchema)
def rule_table():
    """The simple-procedure rule table the phone's rules engine runs on (one source of truth)."""
    return {"rules": service.rule_table(), "rights_notice": rules.RIGHTS_NOTICE}


@blp.route("/ticket-books", methods=["GET"])
@authenticated
@blp.response(200, BookListSchema)
def my_books():
    """The calling device's leased number blocks, with what became of each number."""
    return {"items": [service.book_to_dict(b) for b in service.books_of_device(current_identity())], "next": None}


@blp.route("/ticket-books", methods=["POST"])
@roles("officer")
@blp.arguments(LeaseSchema)
@blp.response(201, BookSchema)
def lease(args: dict):
    """Lease the calling device a block of numbers for issuing offline, in order."""
    return service.book_to_dict(service.lease_book(current_identity(), args["count"]))


@blp.route("/ticket-books/report", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, BookListSchema)
def books_report():
    """Every book of the street: used, voided, outstanding and missing numbers."""
    return {"items": service.books_report(scope_jurisdiction(current_identity())), "next": None}


@blp.route("/ticket-numbers/<string:number>/void", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(VoidSchema)
@blp.response(200, NumberStatusSchema)
def void(args: dict, number: str):
    """Void a spoiled form, or an issued ticket that must be corrected (then reissue)."""
    row = service.void_number(current_identity(), number, args["reason"], args["refund"])
    return {"number": row.number, "status": row.status, "void_reason": row.void_reason}


@blp.route("/tickets/<string:number>", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.response(200, TicketSchema)
def get_ticket(number: str):
    return service.ticket_for(current_identity(), service.get_ticket(number))


@blp.route("/tickets/<string:number>/cosign", methods=["POST"])
@roles("officer", "supervisor")
@blp.arguments(CosignSchema)
@blp.response(201, ConsentSchema)
def cosign(args: dict, number: str):
    """The second officer's consent to this decision, from their own session: the same
    rule as the `ticket_cosign` record (tickets.consents.record_consent)."""
    from .consents import record_consent
    from ..clock import now

    return record_consent(current_identity(), number, args["digest"], now(), signature=args["signature"])


def verify_url(ticket) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return f"{base}/verify/{quote(ticket.number)}/{ticket.check_code}"


@blp.route("/tickets/<string:number>/print", methods=["GET"])
@roles("officer", "supervisor", "admin")
@blp.arguments(PrintQuerySchema, location="query")
@blp.response(200)
@blp.doc(responses={"200": {"description": "the decision, for A4 or a receipt printer",
                            "content": {"text/html": {"schema": {"type": "string"}},
                                        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def print_ticket(args: dict, number: str):
    """The printable decision with a QR code to its public verification page."""
    ticket = service.get_ticket(number)
    identity = current_identity()
    data = service.ticket_for(identity, ticket)
    service.record_print(identity, ticket, args["format"])
    url = verify_url(ticket)
    if args["format"] == "pdf":
        body = printing.render_pdf(data, url, args["paper"])
        return Response(body, content_type="application/pdf",
                        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(number)}.pdf"})
    return Response(printing.render_html(data, url, args["paper"]), content_type="text/html; charset=utf-8")


@blp.route("/tickets/<string:number>/publication", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(PublicationSchema)
@blp.response(200, TicketSchema)
def publication(args: dict, number: str):
    """公示: publish a decision on the public page, or withdraw it (with a reason)."""
    identity = current_identity()
    ticket = service.set_publication(identity, service.get_ticket(number), args["publish"], args["reason"])
    return service.ticket_to_dict(ticket, reveal=service.needs_personal_data(identity, ticket))


@public_bp.route("/public/decisions")
def public_decisions():
    """Public: decisions marked for publication, personal names masked; withdrawn ones with the reason (§48)."""
    items, withdrawn = service.published(), service.withdrawn()
    if request.accept_mimetypes.best == "application/json":
        return {"items": items, "withdrawn": withdrawn, "next": None}
    return printing.render_public_list(items, withdrawn), 200, {"Content-Type": "text/html; charset=utf-8"}


@public_bp.route("/verify/<string:number>/<string:check>")
def verify_page(number: str, check: str):
    """Public: anyone holding a decision can check it is genuine (masked personal data)."""
    try:
        v = service.verify(number, check)
    except ApiError:
        return printing.render_verify(None), 404, {"Content-Type": "text/html; charset=utf-8"}
    if request.accept_mimetypes.best == "application/json":
        return {**v, "issued_on": v["issued_on"].isoformat()}
    return printing.render_verify(v), 200, {"Content-Type": "text/html; charset=utf-8"}
