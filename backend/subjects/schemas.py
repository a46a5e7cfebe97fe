"""Schemas of the register."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..complaints.models import CHANNELS as COMPLAINT_CHANNELS
from ..complaints.models import STATUSES as COMPLAINT_STATUSES
from ..patrols.schemas import PlausibleDate
from .models import RISK_CLASSES, SUBJECT_KINDS


class SubjectQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=64),
                      metadata={"description": "name, pinyin initials, credit code or address"})
    near = fields.String(load_default=None, validate=validate.Regexp(r"^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$"),
                         metadata={"description": "lat,lon: the nearest first"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class LicenceSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    number = fields.String(load_default="", validate=validate.Length(max=64))
    valid_until = PlausibleDate(load_default=None, allow_none=True)


class HistoryVisitSchema(Schema):
    id = fields.String(required=True)
    result = fields.String(required=True, metadata={"enum": ["compliant", "rectify", "violation"]})
    inspected_at = fields.DateTime(required=True)


class HistoryInspectionSchema(HistoryVisitSchema):
    officer_id = fields.Integer(allow_none=True, required=True)
    matter_code = fields.String(allow_none=True, required=True)
    rectify_deadline = fields.Date(allow_none=True, required=True)
    reinspect_due = fields.Date(allow_none=True, required=True)
    follow_up = fields.String(allow_none=True, required=True)
    follow_up_of = fields.String(allow_none=True, required=True)
    notes = fields.String(allow_none=True, required=True)
    photos = fields.List(fields.String(), required=True)
    reinspection = fields.Nested(HistoryVisitSchema, allow_none=True,
                                 metadata={"description": "a rectification order's re-inspection, if one followed it"})


class HistoryTicketSchema(Schema):
    number = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    matter_code = fields.String(allow_none=True, required=True)
    penalty_kind = fields.String(required=True)
    amount_fen = fields.Integer(allow_none=True, required=True)


class HistoryCaseSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True, required=True)
    procedure = fields.String(required=True)
    stage = fields.String(required=True)
    matter_code = fields.String(allow_none=True, required=True)
    amount_fen = fields.Integer(allow_none=True, required=True)
    opened_at = fields.DateTime(allow_none=True, required=True)


class HistoryComplaintSchema(Schema):
    id = fields.Integer(required=True)
    received_at = fields.DateTime(required=True)
    channel = fields.String(required=True, metadata={"enum": list(COMPLAINT_CHANNELS)})
    department = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(COMPLAINT_STATUSES)})
    description = fields.String(required=True, metadata={"description": "the head of what was reported"})
    outcome = fields.String(required=True, metadata={"description": "where it stands, in the resident's words"})
    resolved = fields.Boolean(required=True)
    rating = fields.Integer(allow_none=True, required=True, metadata={"description": "the resident's rating, 1–5"})


class HistorySchema(Schema):
    """一户一档, typed: dates and times in ISO 8601 (a bare dict would go out as HTTP dates)."""
    inspections = fields.List(fields.Nested(HistoryInspectionSchema), required=True)
    rectification_orders = fields.List(fields.Nested(HistoryInspectionSchema), required=True)
    tickets = fields.List(fields.Nested(HistoryTicketSchema), required=True)
    cases = fields.List(fields.Nested(HistoryCaseSchema), required=True)
    complaints = fields.List(fields.Nested(HistoryComplaintSchema), required=True,
                             metadata={"description": "reports about the subject or its merged duplicates, newest first"})


class SubjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    initials = fields.String(required=True)
    address = fields.String(required=True)
    credit_code = fields.String(allow_none=True, required=True)
    kind = fields.String(required=True, metadata={"enum": list(SUBJECT_KINDS)})
    licences = fields.List(fields.Dict(), required=True)
    risk_class = fields.String(required=True, metadata={"enum": list(RISK_CLASSES)})
    lat = fields.Float(allow_none=True, required=True)
    lon = fields.Float(allow_none=True, required=True)
    grid_id = fields.Integer(allow_none=True, required=True)
    merged_into_id = fields.Integer(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    history = fields.Nested(HistorySchema, metadata={"description": "inspections, rectification_orders (with their re-inspection), tickets, "
                                                                    "cases, complaints"})


class SubjectListSchema(Schema):
    items = fields.List(fields.Nested(SubjectSchema), required=True)


class SubjectUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=128))
    address = fields.String(validate=validate.Length(max=255))
    credit_code = fields.String(allow_none=True, validate=validate.Length(equal=18))
    kind = fields.String(validate=validate.OneOf(SUBJECT_KINDS))
    licences = fields.List(fields.Nested(LicenceSchema), validate=validate.Length(max=20))
    risk_class = fields.String(validate=validate.OneOf(RISK_CLASSES))
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(allow_none=True, validate=validate.Range(-180, 180))

    @validates_schema
    def _code(self, data, **_):
        from ..identity_numbers import valid_uscc

        if data.get("credit_code") and not valid_uscc(data["credit_code"]):
            raise ValidationError("fails its GB 32100 check character", "credit_code")


class MergeSchema(Schema):
    into = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1),
                          metadata={"description": "the subject this one duplicates"})


class RegisterSchema(Schema):
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw()), required=True)
    version = fields.String(required=True)


class SubjectCreateSchema(SubjectUpdateSchema):
    """A subject registered by hand: its name at least."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    jurisdiction_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                                     metadata={"description": "the street (a district administrator names it; others register in their own)"})
