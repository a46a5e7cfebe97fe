"""Schemas of ticket books and tickets (the `ticket` record's payload is in records.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate



class LeaseSchema(Schema):
    count = fields.Integer(required=True, validate=validate.Range(1, 200))


class BookSchema(Schema):
    id = fields.Integer(required=True)
    device_id = fields.String(required=True)
    officer_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    first_seq = fields.Integer(required=True)
    last_seq = fields.Integer(required=True)
    leased_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    expired = fields.Boolean(required=True)
    numbers = fields.List(fields.String(), required=True, metadata={"description": "the leased numbers in order, formatted"})
    status = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "number → used | voided | outstanding | missing"})
    used = fields.Integer(required=True)
    voided = fields.Integer(required=True)
    outstanding = fields.Integer(required=True)
    missing = fields.Integer(required=True)


class BookListSchema(Schema):
    items = fields.List(fields.Nested(BookSchema), required=True)
    next = fields.String(allow_none=True, required=True)


class RefundSchema(Schema):
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**9))
    receipt = fields.String(load_default="", validate=validate.Length(max=64), metadata={"description": "退款凭证号"})


class VoidSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))
    refund = fields.Nested(RefundSchema, load_default=None, allow_none=True,
                           metadata={"description": "required when the decision was paid: what is handed back (supervisors only)"})


class NumberStatusSchema(Schema):
    number = fields.String(required=True)
    status = fields.String(required=True)
    void_reason = fields.String(allow_none=True, required=True)


class TicketSchema(Schema):
    id = fields.String(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["issued", "voided"]})
    issued_at = fields.DateTime(required=True)
    agency_name = fields.String(required=True)
    party = fields.Dict(required=True)
    place = fields.Dict(required=True)
    matter = fields.Dict(required=True, metadata={"description": "code, name and the legal and penalty basis, frozen at issue"})
    facts = fields.String(required=True)
    penalty = fields.Dict(required=True)
    officers = fields.List(fields.Dict(), required=True)
    violated_at = fields.DateTime(metadata={"description": "when the act was done (§36, §37)"})
    violation_ended_at = fields.DateTime(allow_none=True)
    serious_harm = fields.Boolean()
    no_penalty_ground = fields.String(allow_none=True, metadata={"description": "§33 ground of a 不予行政处罚决定"})
    correction = fields.String(metadata={"description": "§33 ¶1: how the party corrected the violation"})
    penalty_tier = fields.Dict(allow_none=True, metadata={"description": "裁量基准 (§34) the decision names: level, name, circumstances, band"})
    payment_notice = fields.String(metadata={"description": "where and by when to pay, and the 3 %/day surcharge, as printed"})
    statement = fields.Dict(metadata={"description": "§44–45: {informed, said}"})
    circumstances = fields.Dict(metadata={"description": "§30–32 facts: {minor_age?, capacity?, grounds?, reason?, individual_business?}"})
    circumstances_text = fields.String(metadata={"description": "the same, in the printed words"})
    prior_order = fields.Dict(allow_none=True, metadata={
        "description": "the ignored order to correct a fine presupposes: {ordered_on, deadline, reference, precondition}"})
    prior_order_text = fields.String(metadata={"description": "the same, in the printed words"})
    consents = fields.List(fields.Dict(), metadata={"description": "named officers' consents (ticket_cosign): officer_id, signed_at, matches"})
    cosign_pending = fields.List(fields.Dict(), metadata={"description": "named officers whose consent has not arrived (两人执法, §42)"})
    payment = fields.Dict(required=True)
    signature = fields.Dict(required=True)
    photos = fields.List(fields.String(), required=True)
    rights_notice = fields.String(required=True)
    voided_reason = fields.String(allow_none=True, required=True)
    replaces_number = fields.String(allow_none=True, required=True)
    verify_path = fields.String(required=True)
    publication = fields.Dict(required=True, metadata={"description": "{published_at, withdrawn_at, withdrawn_reason}"})


class PrintQuerySchema(Schema):
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf"]))
    paper = fields.String(load_default="a4", validate=validate.OneOf(["a4", "80mm", "58mm"]))


class RulesSchema(Schema):
    rules = fields.Dict(required=True)
    rights_notice = fields.String(required=True)


class PublicationSchema(Schema):
    publish = fields.Boolean(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=255))


class CosignSchema(Schema):
    digest = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"), metadata={
        "description": "lowercase hex SHA-256 of the ticket's payload (sorted keys, separators (\",\", \":\"), UTF-8)"})
    signature = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{86}$"))


class ConsentSchema(Schema):
    number = fields.String(required=True)
    officer_id = fields.Integer(required=True)
    signed_at = fields.DateTime(required=True)
