"""Ticket books and tickets: leasing numbers, issuing lawful tickets, voiding."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, func, select

from ..audit import service as audit
from ..auth.access import Identity, other_jurisdiction, role_forbidden
from ..auth.models import Officer
from ..errors import ApiError, Conflict, Forbidden, NotFound
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..models_base import LOCAL_TZ, utcnow
from . import consents, paper, rules
from .models import Ticket, TicketBook, TicketNumber, TicketSequence

MAX_BOOK = 200


def rule_table() -> dict[str, Any]:
    """The rule table as this deployment configures it (served to phones, used by the server)."""
    table = rules.RULE_TABLE
    flag = bool(current_app.config.get("INDIVIDUAL_BUSINESS_AS_CITIZEN", True))
    return table if table["individual_business_as_citizen"] == flag else {**table, "individual_business_as_citizen": flag}


def format_number(fmt: str, prefix: str, year: int, seq: int) -> str:
    return fmt.format(prefix=prefix, year=year, seq=seq)


# --- ticket books -------------------------------------------------------------------


def lease_book(identity: Identity, count: int) -> TicketBook:
    """Lease the calling device the next `count` numbers of its street for this year."""
    from ..catalog import service as catalog

    if identity.jurisdiction_id is None:
        raise _invalid("ticket_book.no_jurisdiction", "须以乡镇（街道）人员身份领取", "Only a jurisdiction's officer can lease numbers")
    if not 1 <= count <= MAX_BOOK:
        raise _invalid("ticket_book.bad_count", f"一次可领取 1–{MAX_BOOK} 个编号", f"count must be 1–{MAX_BOOK}")
    jurisdiction = catalog.get_jurisdiction(identity.jurisdiction_id)
    now = utcnow()
    year = now.astimezone(LOCAL_TZ).year
    seq_row = db.session.execute(
        select(TicketSequence).where(TicketSequence.jurisdiction_id == jurisdiction.id, TicketSequence.year == year).with_for_update()
    ).scalar_one_or_none()
    if seq_row is None:
        seq_row = TicketSequence(jurisdiction_id=jurisdiction.id, year=year, next_seq=1)
        db.session.add(seq_row)
        db.session.flush()
    first = seq_row.next_seq
    seq_row.next_seq = first + count
    book = TicketBook(jurisdiction_id=jurisdiction.id, device_pk=identity.device_pk, officer_id=identity.officer_id, year=year,
                      first_seq=first, last_seq=first + count - 1, leased_at=now,
                      expires_at=now + timedelta(days=current_app.config["TICKET_BOOK_DAYS"]))
    db.session.add(book)
    db.session.flush()
    for seq in range(first, first + count):
        number = format_number(jurisdiction.ticket_number_format, jurisdiction.ticket_prefix, year, seq)
        db.session.add(TicketNumber(number=number, book_id=book.id, seq=seq, status="leased"))
    audit.record("ticket_book.leased", "ticket_book", str(book.id), jurisdiction_id=jurisdiction.id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details={"first": first, "last": book.last_seq, "year": year})
    commit()
    return book


def books_of_device(identity: Identity) -> list[TicketBook]:
    """The blocks this officer leased on this device: knowing a colleague's device id
    (it shows in a shared patrol or a photo's custody log) gives no one their numbers."""
    return list(db.session.scalars(select(TicketBook).where(TicketBook.device_pk == identity.device_pk,
                                                            TicketBook.officer_id == identity.officer_id).order_by(TicketBook.id)))


def book_to_dict(book: TicketBook, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    expired = book.expires_at <= now
    counts = {"used": 0, "voided": 0, "outstanding": 0, "missing": 0}
    for n in book.numbers:
        if n.status in ("used", "voided"):
            counts[n.status] += 1
        else:  # never used nor voided: still usable, or — once the book expired — unaccounted for
            counts["missing" if expired else "outstanding"] += 1
    return {
        "id": book.id, "device_id": book.device.device_id, "officer_id": book.officer_id, "year": book.year,
        "first_seq": book.first_seq, "last_seq": book.last_seq, "leased_at": book.leased_at, "expires_at": book.expires_at,
        "expired": expired, "numbers": [n.number for n in book.numbers],
        "status": {n.number: n.status if n.status != "leased" else ("missing" if expired else "outstanding") for n in book.numbers},
        **counts,
    }


def books_report(jurisdiction_id: int | None) -> list[dict[str, Any]]:
    query = select(TicketBook).order_by(TicketBook.id)
    if jurisdiction_id is not None:
        query = query.where(TicketBook.jurisdiction_id == jurisdiction_id)
    return [book_to_dict(b) for b in db.session.scalars(query)]


def check_number(number: str, device_id: str, issued_at: datetime, ticket_id: str | None = None,
                 officer_id: int | None = None) -> TicketNumber:
    """A ticket may use only a number its officer leased on its device, unused, in an
    unexpired book, and not before the number was leased (a phone's word on the date is
    checked against the server's own lease time)."""
    row = db.session.get(TicketNumber, number)
    if row is None:
        raise _invalid("ticket.number_unknown", "决定书编号不是已领取的编号", "This form number was never leased", field="number")
    if row.book.device.device_id != device_id:
        raise _invalid("ticket.number_other_device", "该编号领取给了其他设备", "This number was leased to another device", field="number")
    if officer_id is not None and row.book.officer_id != officer_id:
        raise Forbidden("ticket.number_not_yours", "该编号由其他执法人员领取", "This number was leased by another officer", details={"field": "number"})
    skew = timedelta(seconds=current_app.config["TICKET_CLOCK_SKEW_S"])
    if issued_at < row.book.leased_at - skew:
        raise _invalid("ticket.issued_before_lease", "决定时间早于该编号的领取时间，请检查手机时钟",
                       "The decision is dated before its number was leased: check the phone clock", field="issued_at",
                       leased_at=row.book.leased_at.isoformat())
    if row.status == "used" and row.ticket_id != ticket_id:
        raise _invalid("ticket.number_used", "该编号已被使用", "This number is already used", field="number")
    if row.status == "voided":
        raise _invalid("ticket.number_voided", "该编号已作废", "This number was voided", field="number")
    if issued_at > row.book.expires_at:
        raise _invalid("ticket.number_expired", "该编号所在的号段已过期", "The block this number belongs to has expired", field="number")
    return row


def _may_void(officer_id: int, row: TicketNumber) -> bool:
    if row.book.officer_id == officer_id:
        return True
    return bool(row.ticket_id) and officer_id in decision_officer_ids(row.ticket_id)


def decision_officer_ids(ticket_id: str) -> set[int]:
    """The officers named on a decision (they answer for it: payments, pauses, voids)."""
    ticket = db.session.get(Ticket, ticket_id)
    return {o.get("id") for o in (ticket.officers or [])} if ticket else set()


def void_number(identity: Identity, number: str, reason: str, refund: dict[str, Any] | None = None) -> TicketNumber:
    """Void a spoiled form (never issued) or an issued ticket (corrections: void + reissue).
    Who may: the officer whose block it is or who made the decision, or a supervisor of the
    street; a paid decision only a supervisor, recording the refund; none once its case
    is closed (cases.check_voidable) — for every door (REST, sync, CLI)."""
    from ..cases import service as cases

    if identity.role not in ("officer", "supervisor"):
        raise role_forbidden()
    row = db.session.get(TicketNumber, number)
    if row is None:
        raise NotFound("ticket.number_unknown", "决定书编号不存在", "Unknown form number")
    if row.book.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    if identity.role == "officer" and not _may_void(identity.officer_id, row):
        # a colleague cannot void someone else's form or decision: that goes through the 中队长
        raise Forbidden("ticket.not_yours", "只能作废本人号段的编号或本人作出的决定书，其他请由中队长处理",
                        "You may void only numbers of your own block or decisions you made; ask a supervisor")
    if not reason.strip():
        raise _invalid("ticket.void_reason_required", "作废须写明原因", "A reason is required to void")
    if row.status == "voided":
        return row
    if row.ticket_id:
        ticket = db.session.get(Ticket, row.ticket_id)
        cases.check_voidable(ticket, identity, refund)
        ticket.status = "voided"
        ticket.voided_reason = reason
        ticket.voided_at = utcnow()
        if ticket.published_at and not ticket.withdrawn_at:  # §48: a revoked decision leaves the public list
            ticket.withdrawn_at, ticket.withdrawn_reason = utcnow(), f"voided: {reason}"[:255]
        cases.close_for_voided_ticket(ticket, identity.officer_id, refund)
    row.status, row.void_reason, row.voided_at, row.voided_by_id = "voided", reason[:255], utcnow(), identity.officer_id
    audit.record("ticket.voided", "ticket_number", number, jurisdiction_id=identity.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details={"reason": reason, "ticket_id": row.ticket_id,
                                                               **({"refund": refund} if refund else {})})
    commit()
    return row


# --- tickets ----------------------------------------------------------------------


def check_code(number: str) -> str:
    """8 characters for the public verification URL; unguessable without the server key."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"verify:{number}".encode(), hashlib.sha256).hexdigest()[:8]


def _officer_facts(ids: list[int], jurisdiction_id: int) -> list[rules.OfficerFacts]:
    if not ids:
        return []
    rows = db.session.scalars(select(Officer).where(Officer.id.in_(ids), Officer.jurisdiction_id == jurisdiction_id))
    out = []
    for o in rows:
        certs = [rules.Certificate(c.number, list(c.domains or []), c.valid_from, c.valid_until, c.revoked) for c in o.certificates]
        out.append(rules.OfficerFacts(o.id, o.role if o.active else "inactive", o.name, certs))
    return out


def _matter_facts(matter_code: str | None, jurisdiction_id: int):
    from ..catalog import service as catalog

    matter = catalog.matter_by_code(matter_code) if matter_code else None
    if matter is None:
        return None, None
    as_dict = catalog.matter_to_dict(matter, False)
    facts = rules.MatterFacts(matter.code, matter.domain, catalog.is_empowered(jurisdiction_id, matter.id),
                              matter.simple_procedure, matter.warning_allowed, as_dict["ranges"], as_dict["tiers"],
                              bool(matter.warning_and_fine), matter.other_penalty or "", matter.precondition or "")
    return matter, facts


def of_parties(id_numbers: list[str], subject_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Decisions whose party carries one of these credit codes or that name one of these
    register subjects (the register's history asks here)."""
    named = ([Ticket.party_id_number.in_(id_numbers)] if id_numbers else []) + ([Ticket.subject_id.in_(subject_ids)] if subject_ids else [])
    if not named:
        return []
    rows = db.session.scalars(select(Ticket).where(or_(*named)).order_by(Ticket.issued_at.desc()).limit(200))
    return [{"number": t.number, "issued_at": t.issued_at, "status": t.status, "matter_code": t.matter_code,
             "penalty_kind": t.penalty_kind, "amount_fen": t.amount_fen} for t in rows]


def prior_violations(party_id_number: str | None, matter_code: str, before: datetime, subject_ids: list[int] | None = None) -> int:
    """Earlier decisions of this matter against the party, across the district: by the party's
    ID number or credit code, and by the register's subject (with the duplicates merged into it)."""
    named = [Ticket.party_id_number == party_id_number] if party_id_number else []
    if subject_ids:
        named.append(Ticket.subject_id.in_(subject_ids))
    if not named:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(Ticket).where(
            # every earlier decision of the matter counts, a no-penalty one (首违不罚 already used) too
            or_(*named), Ticket.matter_code == matter_code, Ticket.status == "issued", Ticket.issued_at < before,
        )
    ) or 0


def issue_ticket(*, ticket_id: str, number: str, identity_officer: Officer, device_id: str, issued_at: datetime,
                 captured_at: datetime, proposal: dict[str, Any], consent_digest: str | None = None,
                 subject: dict[str, Any] | None = None) -> tuple[Ticket, bool]:
    """Check a ticket made on the phone against the law and the number books; store it,
    file its simple case, cite its photos and record it in the audit trail. `subject`: the
    register's subject the phone picked (`id`) and the party's credit code, when given."""
    from ..cases import service as cases
    from ..catalog import service as catalog
    from ..evidence import service as evidence
    from ..subjects import service as subjects

    jurisdiction_id = identity_officer.jurisdiction_id
    if jurisdiction_id is None:
        raise _invalid("ticket.no_jurisdiction", "须以乡镇（街道）人员身份开具", "Only a jurisdiction's officer issues tickets")
    subject = subject or {}
    # (the subject joins the digest only when named: digests of earlier tickets stay as they were)
    digest = hashlib.sha256(json.dumps([number, device_id, issued_at.isoformat(), proposal] + ([subject["id"]] if subject.get("id") else []),
                                       sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    existing = db.session.get(Ticket, ticket_id)
    if existing is not None:
        if existing.payload_digest != digest:
            raise Conflict("ticket.conflict", "同一决定书记录已有不同内容", "A ticket with this id exists with other content")
        return existing, False
    if issued_at > utcnow() + timedelta(seconds=current_app.config["TICKET_CLOCK_SKEW_S"]):  # after it reached us
        raise _invalid("time.in_future", "时间晚于当前时间，请检查手机时钟", "Time is in the future: check the phone clock", field="issued_at")
    number_row = check_number(number, device_id, issued_at, ticket_id, identity_officer.id)
    if number_row.book.jurisdiction_id != jurisdiction_id:
        raise _invalid("ticket.number_other_device", "该编号领取给了其他设备", "This number was leased to another device", field="number")
    day = issued_at.astimezone(LOCAL_TZ).date()
    violation = proposal.get("violation") or {}
    violated_at, ended_at = violation.get("at") or issued_at, violation.get("ended_at")
    # the rules engine reads the act's days in Shanghai (§30 age, §36 limitation)
    proposal = {**proposal, "violation": {"began_on": violated_at.astimezone(LOCAL_TZ).date().isoformat(),
                                          "ended_on": ended_at.astimezone(LOCAL_TZ).date().isoformat() if ended_at else None,
                                          "harm": bool(violation.get("harm"))}}
    matter, facts = _matter_facts(proposal.get("matter_code"), jurisdiction_id)
    officer_ids = list(dict.fromkeys(proposal.get("officer_ids") or []))
    if identity_officer.id not in officer_ids:
        raise _invalid("ticket.sender_not_officer", "开具人须为两名执法人员之一", "The sender must be one of the officers on the ticket",
                       field="officer_ids")
    party = proposal.get("party") or {}
    place = proposal.get("place") or {}
    inside = catalog.in_jurisdiction(place["lon"], place["lat"], jurisdiction_id) if place.get("lat") is not None else None
    known = subjects.known(jurisdiction_id, subject.get("id"), subject.get("credit_code"))  # (raises for another street's)
    refusals = rules.evaluate(proposal, matter=facts, officers=_officer_facts(officer_ids, jurisdiction_id), day=day, rules=rule_table(),
                              prior_violations=prior_violations(party.get("id_number"), proposal.get("matter_code") or "", issued_at,
                                                                subjects.merged_ids(known) if known else None),
                              place_in_jurisdiction=inside)
    if refusals:
        first = refusals[0]
        raise ApiError(first.code, first.zh, first.en, status=422,
                       details={"field": first.field, "refusals": [r.as_dict() for r in refusals]})
    place = proposal["place"]
    subject_id = None
    if known is not None or party["type"] == "organization" or party.get("individual_business"):
        # a shop, a company or a 个体工商户 joins the register (a citizen only when the officer picked one)
        subject_id = subjects.resolve(jurisdiction_id, subject_id=known.id if known else None, name=party["name"],
                                      address=party.get("address") or place.get("text") or "", credit_code=subject.get("credit_code"),
                                      lat=place["lat"], lon=place["lon"], officer_id=identity_officer.id)
    grid = catalog.grid_at(place["lon"], place["lat"], jurisdiction_id)
    jurisdiction = catalog.get_jurisdiction(jurisdiction_id)
    street = catalog.paper_fields(jurisdiction)
    officers = []
    for o in _officer_facts(officer_ids, jurisdiction_id):
        cert, _ = rules.valid_certificate(o, matter.domain, day)
        officers.append({"id": o.id, "name": o.name, "certificate": cert.number if cert else None})
    penalty, payment, signature = proposal["penalty"], proposal.get("payment") or {}, proposal.get("signature") or {}
    ticket = Ticket(
        id=ticket_id, number=number, jurisdiction_id=jurisdiction_id, device_id=device_id, issued_at=issued_at,
        captured_at=captured_at, party_type=party["type"], party_name=party["name"], party_id_number=party.get("id_number"),
        party_address=party.get("address", ""), party_phone=party.get("phone", ""),
        party_id_type=party.get("id_type") or "resident_id",
        party_birth_date=date.fromisoformat(party["birth_date"]) if party.get("birth_date") else None,
        circumstances=rules.circumstances(proposal, day, rule_table()),
        penalty_tier=rules.decision_tier(proposal, facts, rule_table()),
        no_penalty_ground=(penalty.get("ground") or "art33_1_first") if penalty["kind"] == "education" else None,
        correction=(proposal.get("correction") or "").strip(),
        # frozen with the basis's words: a later catalog change never rewrites the paper
        prior_order={**proposal["prior_order"], "precondition": matter.precondition}
        if matter.precondition and proposal.get("prior_order") else None,
        violated_at=violated_at, violation_ended_at=ended_at, serious_harm=bool(violation.get("harm")), lat=place["lat"], lon=place["lon"],
        accuracy_m=place.get("accuracy"), grid_id=grid.id if grid else None,
        place_text=place.get("text") or (grid.name if grid else ""), matter_id=matter.id, matter_code=matter.code,
        matter_name=matter.name, legal_basis=matter.legal_basis, penalty_basis=matter.penalty_basis, facts=proposal["facts"],
        penalty_kind=penalty["kind"], amount_fen=penalty.get("amount_fen") or 0, officers=officers,
        payment_route=payment.get("route", "bank"), receipt_number=payment.get("receipt_number"),
        cash_exception=payment.get("exception"), cash_requested=bool(payment.get("party_requested")), signature_sha256=signature.get("sha256"),
        signature_refused_note=signature.get("refused_note"), photos=list(proposal.get("photos") or []),
        # the paper's words, frozen in the name of the 行政主体 (§24): a later change of the street's
        # settings never rewrites a decision already handed over
        rights_notice=paper.remedies(street["reconsideration_body"]), agency_name=street["authority_name"],
        payment_notice=paper.payment_notice(penalty["kind"], payment.get("route", "bank"), payment.get("receipt_number"),
                                            street["payment_channel"]),
        statement={"informed": True, "said": ((proposal.get("statement") or {}).get("said") or "").strip()},
        check_code=check_code(number),
        replaces_number=proposal.get("replaces_number"), publish=bool(proposal.get("publish")), payload_digest=digest, subject_id=subject_id,
        consent_digest=consent_digest,
    )
    if ticket.publish:
        ticket.published_at = utcnow()
    db.session.add(ticket)
    number_row.status, number_row.ticket_id = "used", ticket_id
    db.session.flush()
    cited = ticket.photos + ([ticket.signature_sha256] if ticket.signature_sha256 else [])
    evidence.cite(cited, record_kind="ticket", record_id=number, jurisdiction_id=jurisdiction_id, officer_id=identity_officer.id,
                  device_id=device_id, claimed_at=issued_at, lat=place["lat"], lon=place["lon"], label=ticket.place_text)
    cases.file_simple_case(ticket, identity_officer.id)
    audit.record("ticket.issued", "ticket", number, jurisdiction_id=jurisdiction_id, actor_id=identity_officer.id, device_id=device_id,
                 details={"ticket_id": ticket_id, "matter": matter.code, "penalty": ticket.penalty_kind, "amount_fen": ticket.amount_fen,
                          "officers": [o["id"] for o in officers]})
    commit()
    return ticket, True


def get_ticket(number: str) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        raise NotFound("ticket.not_found", "决定书不存在", "Ticket not found")
    return ticket


def check_can_read(identity: Identity, ticket: Ticket) -> None:
    if not identity.is_global_admin and ticket.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; organisations keep their name (it is public)."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def mask_id_number(value: str | None) -> str | None:
    """330203199001011234 → 3302************34: enough to tell two parties apart."""
    if not value:
        return value
    return value[:4] + "*" * max(0, len(value) - 6) + value[-2:] if len(value) > 6 else "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    """13812345678 → 138****5678."""
    if not value or len(value) < 7:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def needs_personal_data(identity: Identity, ticket: Ticket) -> bool:
    """Who sees a party's full ID number and phone: the officers who made the decision
    and the supervisors who collect and review it; colleagues and IT admins see them masked."""
    return identity.role == "supervisor" or any(o.get("id") == identity.officer_id for o in ticket.officers or [])


def ticket_for(identity: Identity, ticket: Ticket) -> dict[str, Any]:
    """A decision as this reader may see it — the one door for the JSON and the printed page
    (a colleague's print once showed the full ID number the JSON masked)."""
    check_can_read(identity, ticket)
    return ticket_to_dict(ticket, reveal=needs_personal_data(identity, ticket))


def signature_verified(ticket: Ticket) -> bool:
    """Whether the party's signature image has arrived and matched its SHA-256: until it
    has, nothing may say "signed" (a made-up reference once printed as 当事人已签名)."""
    from ..evidence import service as evidence

    return bool(ticket.signature_sha256) and not evidence.missing_photos([ticket.signature_sha256])


def ticket_to_dict(ticket: Ticket, reveal: bool = True) -> dict[str, Any]:
    party_id, party_phone = ticket.party_id_number, ticket.party_phone
    if not reveal:
        party_id, party_phone = mask_id_number(party_id), mask_phone(party_phone)
    return {
        "id": ticket.id, "number": ticket.number, "status": ticket.status, "issued_at": ticket.issued_at,
        "violated_at": ticket.violated_at or ticket.issued_at, "violation_ended_at": ticket.violation_ended_at,
        "serious_harm": bool(ticket.serious_harm),
        "agency_name": ticket.agency_name,
        "party": {"type": ticket.party_type, "name": ticket.party_name, "id_number": party_id,
                  "address": ticket.party_address, "phone": party_phone},
        "place": {"lat": ticket.lat, "lon": ticket.lon, "accuracy": ticket.accuracy_m, "text": ticket.place_text,
                  "grid_id": ticket.grid_id},
        "matter": {"code": ticket.matter_code, "name": ticket.matter_name, "legal_basis": ticket.legal_basis,
                   "penalty_basis": ticket.penalty_basis},
        "facts": ticket.facts, "penalty": {"kind": ticket.penalty_kind, "amount_fen": ticket.amount_fen},
        "penalty_tier": ticket.penalty_tier, "no_penalty_ground": ticket.no_penalty_ground, "correction": ticket.correction or "",
        "officers": ticket.officers,
        "payment": {"route": ticket.payment_route, "receipt_number": ticket.receipt_number, "exception": ticket.cash_exception},
        "signature": {"sha256": ticket.signature_sha256, "refused_note": ticket.signature_refused_note,
                      "verified": signature_verified(ticket)},
        "photos": ticket.photos or [], "rights_notice": ticket.rights_notice, "voided_reason": ticket.voided_reason,
        "replaces_number": ticket.replaces_number, "verify_path": f"/verify/{ticket.number}/{ticket.check_code}",
        "publication": {"published_at": ticket.published_at, "withdrawn_at": ticket.withdrawn_at,
                        "withdrawn_reason": ticket.withdrawn_reason},
        "payment_notice": ticket.payment_notice, "statement": ticket.statement or {},
        "circumstances": ticket.circumstances or {}, "circumstances_text": paper.circumstances_notice(ticket.circumstances or {}),
        "prior_order": ticket.prior_order, "prior_order_text": paper.prior_order_notice(ticket.prior_order),
        "consents": consents.consents_of(ticket),
        "cosign_pending": consents.pending_cosigners([ticket]).get(ticket.number, []),
    }


def verify(number: str, code: str) -> dict[str, Any]:
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not hmac.compare_digest(ticket.check_code, code):
        raise NotFound("ticket.verify_failed", "未找到该决定书，请核对编号与校验码", "No such ticket: check the number and the check code")
    name = ticket.party_name if ticket.party_type == "organization" else mask_name(ticket.party_name)
    return {"number": ticket.number, "agency_name": ticket.agency_name, "issued_on": ticket.issued_at.astimezone(LOCAL_TZ).date(),
            "party": name, "penalty_kind": ticket.penalty_kind, "amount_fen": ticket.amount_fen, "status": ticket.status}


# --- publication (公示, §48) -------------------------------------------------------


def set_publication(identity: Identity, ticket: Ticket, publish: bool, reason: str = "") -> Ticket:
    """Publish a decision, or withdraw it (withdrawal is recorded, never erased)."""
    check_can_read(identity, ticket)
    now = utcnow()
    if publish:
        if ticket.status != "issued":
            raise _invalid("ticket.not_publishable", "已作废的决定不能公示", "A voided decision cannot be published", status=409)
        ticket.publish, ticket.published_at, ticket.withdrawn_at, ticket.withdrawn_reason = True, now, None, None
    else:
        if not reason.strip():
            raise _invalid("ticket.withdraw_reason_required", "撤回公示须写明原因", "A reason is required to withdraw")
        ticket.publish, ticket.withdrawn_at, ticket.withdrawn_reason = False, now, reason[:255]
    audit.record("ticket.published" if publish else "ticket.publication_withdrawn", "ticket", ticket.number,
                 jurisdiction_id=ticket.jurisdiction_id, actor_id=identity.officer_id, device_id=identity.device_id,
                 details={"reason": reason})
    commit()
    return ticket


def published(limit: int = 200) -> list[dict[str, Any]]:
    """Decisions published (§48): on-the-spot decisions and general-procedure ones (cases.general)."""
    from ..cases import general

    return _published_tickets(limit) + general.published(limit)[0]


def _published_tickets(limit: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(Ticket).where(Ticket.publish.is_(True), Ticket.status == "issued", Ticket.withdrawn_at.is_(None))
        .order_by(Ticket.issued_at.desc()).limit(limit)
    )
    return [{
        "number": t.number, "agency_name": t.agency_name, "issued_on": t.issued_at.astimezone(LOCAL_TZ).date().isoformat(),
        "party": t.party_name if t.party_type == "organization" else mask_name(t.party_name), "matter": t.matter_name,
        "penalty_kind": t.penalty_kind, "amount_fen": t.amount_fen,
    } for t in rows]


def withdrawn(limit: int = 200) -> list[dict[str, Any]]:
    """§48: a published decision that was changed, revoked or voided is withdrawn within three
    days — and the public sees that it was, when and why (no party data)."""
    from ..cases import general

    return _withdrawn_tickets(limit) + general.published(limit)[1]


def _withdrawn_tickets(limit: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Ticket).where(Ticket.published_at.is_not(None), Ticket.withdrawn_at.is_not(None))
                              .order_by(Ticket.withdrawn_at.desc()).limit(limit))
    return [{"number": t.number, "agency_name": t.agency_name, "issued_on": t.issued_at.astimezone(LOCAL_TZ).date().isoformat(),
             "withdrawn_on": t.withdrawn_at.astimezone(LOCAL_TZ).date().isoformat(),
             "reason": public_withdrawal_reason(t.withdrawn_reason)} for t in rows]


def public_withdrawal_reason(reason: str | None) -> str:
    """The reason as the public reads it: a voided decision says so in words."""
    reason = (reason or "").strip()
    if reason.startswith("voided: "):
        return "决定已撤销（作废）：" + reason[len("voided: "):]
    return reason


def record_print(identity: Identity, ticket: Ticket, fmt: str) -> None:
    """Every print or PDF of a decision (it carries the party's personal data) is audited."""
    audit.record("ticket.printed", "ticket", ticket.number, jurisdiction_id=ticket.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details={"format": fmt})
    commit()
