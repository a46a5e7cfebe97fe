"""Schemas of complaints and referrals."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..pagination import PageArgsSchema, page_schema
from .models import CHANNELS, STATUSES


class ComplaintQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class ComplaintSubjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    credit_code = fields.String(allow_none=True, required=True)


class ComplaintSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "the resident's tracking code"})
    channel = fields.String(required=True, metadata={"enum": list(CHANNELS)})
    external_ref = fields.String(allow_none=True, required=True)
    department = fields.String(required=True)
    description = fields.String(required=True)
    address = fields.String(required=True)
    lat = fields.Float(allow_none=True, required=True)
    lon = fields.Float(allow_none=True, required=True)
    grid_id = fields.Integer(allow_none=True, required=True)
    reporter_name = fields.String(required=True)
    reporter_phone = fields.String(required=True, metadata={"description": "masked except for supervisors"})
    photos = fields.List(fields.String(), required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    reject_reason = fields.String(required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    merged_into_id = fields.Integer(allow_none=True, required=True)
    received_at = fields.DateTime(required=True)
    triaged_at = fields.DateTime(allow_none=True, required=True)
    rating = fields.Integer(allow_none=True, required=True)
    rating_comment = fields.String(required=True)
    outcome = fields.Dict(required=True, metadata={"description": "{status, text (the resident's words), resolved}"})
    subject_id = fields.Integer(allow_none=True, required=True, metadata={"description": "the register's subject reported (被举报对象)"})
    subject = fields.Nested(ComplaintSubjectSchema, allow_none=True, required=True,
                            metadata={"description": "that subject as the register names it now (a merged duplicate: the survivor)"})


ComplaintPageSchema = page_schema(ComplaintSchema, "ComplaintPage")


class ComplaintCreateSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(["hotline", "wechat", "department"]))
    description = fields.String(required=True, validate=validate.Length(min=5, max=2000))
    phone = fields.String(required=True, validate=validate.Length(max=32))
    name = fields.String(load_default="", validate=validate.Length(max=64))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64), metadata={"description": "12345 工单号"})
    department = fields.String(load_default="", validate=validate.Length(max=64))
    jurisdiction_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                                      metadata={"description": "the street (a district administrator names it; others default to theirs)"})


class TriageSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["task", "case", "merge", "reject"]))
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    grid = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    matter_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    into = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    note = fields.String(load_default="", validate=validate.Length(max=500))
    subject_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 2**31 - 1),
                                metadata={"description": "the register's subject reported (被举报对象): one of the report's street"})


class ComplaintSubjectSetSchema(Schema):
    subject_id = fields.Integer(required=True, allow_none=True, strict=True, validate=validate.Range(1, 2**31 - 1),
                                metadata={"description": "the register's subject reported (被举报对象); null unlinks it"})


class ImportResultSchema(Schema):
    created = fields.List(fields.Dict(), required=True)
    duplicates = fields.List(fields.Dict(), required=True)
    refused = fields.List(fields.Dict(), required=True)
