"""Schemas of the case store."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..pagination import PageArgsSchema, page_schema
from ..patrols.schemas import PlausibleDate
from .models import GENERAL_STAGES


class CaseQuerySchema(PageArgsSchema):
    procedure = fields.String(load_default=None, validate=validate.OneOf(["simple", "general"]))
    status = fields.String(load_default=None, validate=validate.Length(max=32), metadata={"description": "open, closed, or a stage"})
    due_before = PlausibleDate(load_default=None, metadata={"description": "open cases with a legal deadline on or before"})
    mine = fields.Boolean(load_default=False, metadata={"description": "cases I handle (承办)"})


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    procedure = fields.String(required=True)
    stage = fields.String(required=True)
    ticket_id = fields.String(allow_none=True, required=True)
    inspection_id = fields.String(allow_none=True, required=True)
    party_name = fields.String(required=True)
    matter_code = fields.String(required=True)
    amount_fen = fields.Integer(required=True)
    paid_fen = fields.Integer(required=True)
    refunded_fen = fields.Integer(required=True, metadata={"description": "handed back when a paid decision was voided"})
    surcharge_fen = fields.Integer(required=True, metadata={"description": "late surcharge accrued as of today (§72)"})
    opened_at = fields.DateTime(required=True)
    filed_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    close_reason = fields.String(allow_none=True, required=True)
    filing_due = PlausibleDate(allow_none=True, required=True)
    decision_due = PlausibleDate(allow_none=True, required=True)
    service_due = PlausibleDate(allow_none=True, required=True)
    payment_due = PlausibleDate(allow_none=True, required=True)
    cash = fields.Dict(allow_none=True, metadata={"description": "§71: cash taken on the spot — hand_in_due, handed_in_on, late"})
    payment_plan = fields.Dict(allow_none=True, metadata={"description": "§66: an approved deferral or instalments"})
    deadlines_provisional = fields.List(fields.String(), required=True, metadata={
        "description": "deadlines counted over a year whose State Council holiday notice is not loaded: they may move; "
                       "no surcharge starts from a provisional payment_due"})
    overdue = fields.List(fields.String(), required=True)
    pauses = fields.List(fields.Dict(), required=True)
    events = fields.List(fields.Dict(), required=True)
    number = fields.String(allow_none=True, metadata={"description": "案号, given when the filing is approved"})
    party_type = fields.String(metadata={"enum": ["citizen", "organization"]})
    handler_ids = fields.List(fields.Integer(), metadata={"description": "承办人"})
    warnings = fields.List(fields.Dict(), metadata={"description": "deadline lights: {deadline, due, level: yellow|red, days_left}"})
    next_step = fields.Dict(allow_none=True, metadata={"description": "the first lawful next step {kind, zh, blocked}"})
    archived_at = fields.DateTime(allow_none=True)
    desk = fields.Dict(metadata={"description": "general procedure: party, steps, documents, next lawful steps, deadline lights"})


CasePageSchema = page_schema(CaseSchema, "CasePage")


class PartySchema(Schema):
    type = fields.String(load_default="citizen", validate=validate.OneOf(["citizen", "organization"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    id_type = fields.String(load_default="", validate=validate.Length(max=32))
    id_number = fields.String(load_default="", validate=validate.Length(max=32))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    phone = fields.String(load_default="", validate=validate.Length(max=32))
    representative = fields.String(load_default="", validate=validate.Length(max=64), metadata={"description": "法定代表人（负责人）"})


class SourceSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["inspection", "task", "complaint", "referral", "manual", "ticket"]))
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                        metadata={"description": "the inspection's UUID, the task's id, the complaint's or referral's number"})


class EvidenceItemSchema(Schema):
    source = fields.String(required=True, validate=validate.OneOf(["photo", "video", "audio", "document", "inspection", "patrol", "other"]))
    sha256 = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    label = fields.String(required=True, validate=validate.Length(min=1, max=255))


class CaseOpenSchema(Schema):
    """立案申请. `party_name` and `inspection_id` are the first round's shorthand for `party` and `source`."""

    party_name = fields.String(load_default=None, validate=validate.Length(min=1, max=128))
    party = fields.Nested(PartySchema, load_default=None)
    matter_code = fields.String(required=True, validate=validate.Length(max=32))
    facts = fields.String(load_default="", validate=validate.Length(max=4000))
    inspection_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=36),
                                  metadata={"description": "the inspection that found the violation (its UUID)"})
    source = fields.Nested(SourceSchema, load_default=None)
    discovered_on = PlausibleDate(load_default=None, allow_none=True, metadata={"description": "§54: filing is due 7 working days on"})
    handler_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 2**31 - 1)), load_default=list,
                              validate=validate.Length(max=2), metadata={"description": "承办人: two certified officers"})
    major = fields.Boolean(load_default=False, metadata={"description": "重大案件: collective discussion (§57)"})
    place_text = fields.String(load_default="", validate=validate.Length(max=255))
    violated_at = fields.AwareDateTime(load_default=None, allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceItemSchema), load_default=list, validate=validate.Length(max=100))


class StepResultSchema(Schema):
    case = fields.Nested(CaseSchema, required=True)
    step = fields.Dict(required=True)


class TemplateSchema(Schema):
    kind = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "0 = the shipped default"})
    body = fields.Dict(required=True)


class TemplateListSchema(Schema):
    items = fields.List(fields.Nested(TemplateSchema), required=True)


class TemplatePutSchema(Schema):
    body = fields.Dict(required=True, metadata={"description": "title, blocks … (cases/documents/render.py documents the format)"})


class BankImportResultSchema(Schema):
    matched = fields.List(fields.Dict(), required=True)
    duplicates = fields.List(fields.Dict(), required=True)
    unmatched = fields.List(fields.Dict(), required=True)


class TransitionSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(GENERAL_STAGES))
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    amount_fen = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    on = PlausibleDate(load_default=None, allow_none=True)


class PaymentCreateSchema(Schema):
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**9))
    channel = fields.String(required=True, validate=validate.OneOf(["bank", "e_payment", "on_the_spot"]))
    paid_on = PlausibleDate(required=True)
    receipt = fields.String(load_default="", validate=validate.Length(max=64))


class CashHandInSchema(Schema):
    handed_in_on = PlausibleDate(required=True)
    receipt = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "上缴凭证号"})


class InstalmentSchema(Schema):
    due = PlausibleDate(required=True)
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**9))


class PaymentPlanSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["deferral", "instalments"]), metadata={"description": "§66"})
    until = PlausibleDate(load_default=None, allow_none=True, metadata={"description": "deferral: the new due date"})
    parts = fields.List(fields.Nested(InstalmentSchema), load_default=None, allow_none=True, validate=validate.Length(max=24))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255), metadata={"description": "the party's application"})


class PauseSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["reconsideration", "litigation"]))
    start = PlausibleDate(required=True)
    end = PlausibleDate(load_default=None, allow_none=True)


class HolidayNoticeSchema(Schema):
    holidays = fields.List(fields.String(validate=validate.Length(equal=10)), required=True, validate=validate.Length(max=60),
                           metadata={"description": "ISO dates the notice makes rest days (holidays and bridged weekdays)"})
    workdays = fields.List(fields.String(validate=validate.Length(equal=10)), load_default=list, validate=validate.Length(max=20),
                           metadata={"description": "ISO dates of weekends made working days (调休上班)"})
    source = fields.String(required=True, validate=validate.Length(min=4, max=255),
                           metadata={"description": "the notice's title and number, e.g. 国办发明电〔2026〕…号"})


class HolidayLoadedSchema(Schema):
    year = fields.Integer(required=True)
    source = fields.String(required=True)
    recomputed_cases = fields.Integer(required=True)


class HolidayYearsQuerySchema(Schema):
    first = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(2000, 2100))
    last = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(2000, 2100))


class HolidayYearSchema(Schema):
    year = fields.Integer(required=True)
    source = fields.String(required=True, metadata={"enum": ["notice", "package", "statutory"]})
    provisional = fields.Boolean(required=True, metadata={"description": "no notice known: dates counted over it may move"})
    notice = fields.String(allow_none=True, required=True)


class HolidayYearsSchema(Schema):
    items = fields.List(fields.Nested(HolidayYearSchema), required=True)


class ManifestSchema(Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    jurisdiction_id = fields.Integer(required=True)
    archived = fields.Boolean(required=True)
    made_at = fields.DateTime(required=True)
    items = fields.List(fields.Dict(), required=True, metadata={"description": "seq, kind, title, number, sha256, on (page in the PDF)"})
