"""The record kinds of on-the-spot decisions (当场处罚决定书): issuing one and voiding a
number, applied through `tickets.service` (the same functions the REST routes use; who
may void what is decided there). Field names are the phone's contract (docs/sync.md)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from ..auth.access import Identity
from ..patrols.schemas import SHA256, AwareDateTime
from ..records import Applied, record_kind
from ..identity_numbers import DOCUMENT_TYPES
from .consents import COSIGN_ROLES, consent_digest, waiting_for
from .rules import MITIGATION_GROUNDS, RULE_TABLE
from .schemas import VoidSchema

NUMBER = validate.Length(min=1, max=64)
MAX_FACTS = 2000  # a decision's facts fit on its printed page; more is not a fact, it is an attack on the printer


class TicketPartyPayload(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["citizen", "organization"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    id_type = fields.String(load_default="resident_id", validate=validate.OneOf(DOCUMENT_TYPES), metadata={
        "description": "§84: resident_id 居民身份证, hmt_residence_permit 港澳台居民居住证, "
                       "foreign_permanent_residence 外国人永久居留身份证, passport 护照"})
    id_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    birth_date = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "for documents that do not carry it (a passport): the age on the day decides §30"})
    credit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=18))
    individual_business = fields.Boolean(load_default=False, metadata={"description": "个体工商户 (also when its credit code begins 92)"})
    capacity = fields.String(load_default="full", validate=validate.OneOf(["full", "limited", "none"]), metadata={
        "description": "§31: none = could not recognise or control their conduct (no penalty); limited = may be mitigated"})
    address = fields.String(load_default="", validate=validate.Length(max=255))
    phone = fields.String(load_default="", validate=validate.Length(max=32))


class TicketMitigationPayload(Schema):
    grounds = fields.List(fields.String(validate=validate.OneOf(list(MITIGATION_GROUNDS))), load_default=list,
                          validate=validate.Length(max=6), metadata={"description": "§31, §32 circumstances (minors are derived from the age)"})
    reason = fields.String(load_default="", validate=validate.Length(max=255),
                           metadata={"description": "required for a fine below the matter's minimum (减轻)"})


class TicketPenaltyPayload(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["warning", "fine", "warning_fine", "education"]),
                         metadata={"description": "warning 警告, fine 罚款, warning_fine 警告并处罚款 (where the basis provides both), "
                                                  "education 首违不罚 (no penalty: education recorded)"})
    amount_fen = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 10**9))
    ground = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(RULE_TABLE["no_penalty_grounds"])),
                           metadata={"description": "for education (不予行政处罚, §33): art33_1_first 首违不罚 (default), "
                                                    "art33_1_minor, art33_2_no_fault"})
    tier = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 9),
                          metadata={"description": "the discretion tier's level (§34); the amount must lie in its band"})


class TicketPaymentPayload(Schema):
    route = fields.String(required=True, validate=validate.OneOf(["bank", "on_site", "on_the_spot"]))
    receipt_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    exception = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    party_requested = fields.Boolean(load_default=False, metadata={"description": "§69: the party asked to pay on the spot (remote area)"})


class TicketStatementPayload(Schema):
    informed = fields.Boolean(required=True, metadata={
        "description": "§44–45: the officers told the party the facts, grounds and their rights to state and defend"})
    said = fields.String(load_default="", validate=validate.Length(max=500), metadata={"description": "what the party said (陈述、申辩)"})


class TicketPriorOrderPayload(Schema):
    ordered_on = fields.Date(required=True, metadata={"description": "the day the party was ordered to correct (责令改正)"})
    deadline = fields.Date(load_default=None, allow_none=True, metadata={"description": "the day the correction was due (限期)"})
    reference = fields.String(load_default="", validate=validate.Length(max=128),
                              metadata={"description": "the notice's number (责令改正通知书), or where it is recorded"})


class TicketPayload(Schema):
    number = fields.String(required=True, validate=NUMBER)
    party = fields.Nested(TicketPartyPayload, required=True)
    subject_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "the register's subject the officer picked (监管对象库): its earlier decisions count for 首违不罚"})
    matter_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    facts = fields.String(required=True, validate=validate.Length(min=1, max=MAX_FACTS))
    penalty = fields.Nested(TicketPenaltyPayload, required=True)
    officers = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True, validate=validate.Length(min=1, max=10))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 100000))
    place_text = fields.String(load_default="", validate=validate.Length(max=255))
    issued_at = AwareDateTime(required=True)
    violated_at = AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "when the act was done (default: issued_at); the age (§30) is counted on this day"})
    violation_ended_at = AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "when a continuing act ended: the limitation (§36) counts from it"})
    serious_harm = fields.Boolean(load_default=False, metadata={
        "description": "§36: life, health or financial safety was harmed (5 years' limitation instead of 2)"})
    payment = fields.Nested(TicketPaymentPayload, required=True)
    signature = fields.String(load_default=None, allow_none=True, validate=SHA256,
                              metadata={"description": "SHA-256 of the party's signature image (uploaded like a photo)"})
    signature_refused = fields.Boolean(load_default=False)
    signature_refused_note = fields.String(load_default="", validate=validate.Length(max=255))
    photos = fields.List(fields.String(validate=SHA256), load_default=list, validate=validate.Length(max=30))
    replaces_number = fields.String(load_default=None, allow_none=True, validate=NUMBER)
    publish = fields.Boolean(load_default=False)
    mitigation = fields.Nested(TicketMitigationPayload, load_default=None, allow_none=True)
    correction = fields.String(load_default="", validate=validate.Length(max=500),
                               metadata={"description": "§33 ¶1: how the party corrected the violation (required for no penalty)"})
    prior_order = fields.Nested(TicketPriorOrderPayload, load_default=None, allow_none=True, metadata={
        "description": "the order to correct that the matter's basis presupposes (matter.precondition: 逾期不改正 / 拒不改正)"})
    statement = fields.Nested(TicketStatementPayload, load_default=None, allow_none=True,
                              metadata={"description": "required by the rules (ticket.not_informed without it)"})

    @post_load(pass_original=True)
    def _consent_digest(self, data: dict[str, Any], original: Any, **_: Any) -> dict[str, Any]:
        # what a second officer consents to is the payload exactly as the phone sent it
        data["consent_digest"] = consent_digest(original)
        return data


class TicketCosignPayload(Schema):
    number = fields.String(required=True, validate=NUMBER)
    digest = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"),
                           metadata={"description": "lowercase hex SHA-256 of the ticket's payload as JSON with sorted keys, "
                                                    "separators (\",\", \":\"), UTF-8, no ASCII escaping"})
    signature = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{86}$"),
                              metadata={"description": "optional: the session key's ECDSA P-256 signature (raw r‖s, base64url) "
                                                       "of `zhangshang-cosign:v1:<number>:<digest>`, as shown to the issuing phone"})


class TicketVoidPayload(VoidSchema):
    number = fields.String(required=True, validate=NUMBER)


@record_kind("ticket", TicketPayload, roles=("officer",), waiting=waiting_for,
             summary="an on-the-spot decision (its number from the device's leased book); "
                     "incomplete (ticket.cosign_pending) until every other named officer sent ticket_cosign")
def ticket(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from ..auth import service as auth
    from . import service

    party = p["party"]
    refused = p["signature_refused"]
    proposal = {
        "party": {"type": party["type"], "name": party["name"],
                  "id_number": ((party["credit_code"] or party["id_number"]) or "").upper() or None,  # a phone may send a lower-case x
                  "id_type": party["id_type"], "birth_date": party["birth_date"].isoformat() if party["birth_date"] else None,
                  "individual_business": party["individual_business"], "capacity": party["capacity"],
                  "address": party["address"], "phone": party["phone"]},
        "mitigation": p["mitigation"] or {},
        "statement": p["statement"] or {},
        "violation": {"at": p["violated_at"], "ended_at": p["violation_ended_at"], "harm": p["serious_harm"]},
        "matter_code": p["matter_code"], "facts": p["facts"],
        "place": {"lat": p["lat"], "lon": p["lon"], "accuracy": p["accuracy"], "text": p["place_text"]},
        "penalty": {"kind": p["penalty"]["kind"], "amount_fen": p["penalty"]["amount_fen"], "tier": p["penalty"]["tier"],
                    "ground": p["penalty"]["ground"]},
        "correction": p["correction"],
        "prior_order": ({"ordered_on": p["prior_order"]["ordered_on"].isoformat(),
                         "deadline": p["prior_order"]["deadline"].isoformat() if p["prior_order"]["deadline"] else None,
                         "reference": p["prior_order"]["reference"].strip()} if p["prior_order"] else None),
        "officer_ids": auth.officer_ids_by_username(p["officers"], identity.jurisdiction_id),
        "payment": {"route": "on_the_spot" if p["payment"]["route"] in ("on_site", "on_the_spot") else "bank",
                    "receipt_number": p["payment"]["receipt_no"], "exception": p["payment"]["exception"],
                    "party_requested": p["payment"]["party_requested"]},
        "signature": {"sha256": p["signature"],
                      "refused_note": (p["signature_refused_note"] or "当事人拒绝签名") if refused else None},
        "photos": p["photos"], "replaces_number": p["replaces_number"], "publish": p["publish"],
    }
    row, created = service.issue_ticket(ticket_id=rid, number=p["number"], identity_officer=identity.officer,
                                        device_id=identity.device_id, issued_at=p["issued_at"], captured_at=captured_at,
                                        proposal=proposal, consent_digest=p["consent_digest"],
                                        subject={"id": p["subject_id"], "credit_code": party["credit_code"]})
    return Applied(row.number, created, list(p["photos"]) + ([p["signature"]] if p["signature"] else []))


@record_kind("ticket_void", TicketVoidPayload, roles=("officer", "supervisor"), summary="void a spoiled form or an issued decision")
def ticket_void(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from . import service

    row = service.void_number(identity, p["number"], p["reason"], p["refund"])
    return Applied(row.number, True, [])


@record_kind("ticket_cosign", TicketCosignPayload, roles=COSIGN_ROLES,
             summary="a named second officer's consent to a decision, from their own session (§42)")
def ticket_cosign(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from .consents import record_consent

    record_consent(identity, p["number"], p["digest"], captured_at, record_id=rid, signature=p["signature"])
    return Applied(p["number"], True, [])
