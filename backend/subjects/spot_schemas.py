"""Schemas of the spot checks (双随机、一公开): strict input, bounded lengths and counts."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..pagination import PageArgsSchema, page_schema
from ..patrols.schemas import PlausibleDate
from .models import RISK_CLASSES, SUBJECT_KINDS
from .spot_models import PUBLICATION_WORKING_DAYS
from .spot_service import MAX_COUNT, PLAN_STATUSES

SEED_RE = r"^[0-9A-Za-z._:-]{1,64}$"
# text without control characters (a NUL cannot even be stored on PostgreSQL)
PLAIN = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="control characters are not allowed")
SOME_TEXT = validate.Regexp(r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
                            error="give some text, without control characters")


class SpotCheckPlanCreateSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=128), SOME_TEXT],
                         metadata={"description": "抽查计划名称"})
    domain = fields.String(load_default=None, validate=[validate.Length(min=1, max=32), PLAIN],
                           metadata={"description": "门类 (as in the catalog and on certificates); or give matter_codes"})
    matter_codes = fields.List(fields.String(validate=[validate.Length(min=1, max=32), PLAIN]), load_default=list,
                               validate=validate.Length(max=50), metadata={"description": "matters of one domain, empowered here"})
    kinds = fields.List(fields.String(validate=validate.OneOf(SUBJECT_KINDS)), load_default=list,
                        validate=validate.Length(max=len(SUBJECT_KINDS)), metadata={"description": "subject kinds drawn from (empty: all)"})
    risk_classes = fields.List(fields.String(validate=validate.OneOf(RISK_CLASSES)), load_default=list,
                               validate=validate.Length(max=len(RISK_CLASSES)), metadata={"description": "risk classes (empty: all)"})
    grids = fields.List(fields.String(validate=[validate.Length(min=1, max=32), PLAIN]), load_default=list,
                        validate=validate.Length(max=200),
                        metadata={"description": "grid codes of the street (empty: all)"})
    count = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_COUNT),
                           metadata={"description": "how many subjects to draw"})
    starts_on = PlausibleDate(required=True, metadata={"description": "first day of the inspection period"})
    ends_on = PlausibleDate(required=True, metadata={"description": "last day of the inspection period"})
    weighted = fields.Boolean(load_default=False, metadata={"description": "weight by risk class (high 3, medium 2, low 1)"})
    publication_working_days = fields.Integer(load_default=PUBLICATION_WORKING_DAYS, strict=True, validate=validate.Range(1, 60),
                                              metadata={"description": "results published within this many working days after ends_on"})
    seed = fields.String(load_default=None, validate=validate.Regexp(SEED_RE),
                         metadata={"description": "the draw's seed; omitted, the server makes one at the draw (recommended)"})
    jurisdiction_id = fields.Integer(load_default=None, strict=True, validate=validate.Range(1, 2**31 - 1),
                                     metadata={"description": "the street (a district admin must name it; others: their own)"})


class SpotCheckQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(PLAN_STATUSES))


class SpotCheckSubjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    address = fields.String(required=True)
    risk_class = fields.String(required=True)


class SpotCheckOfficerSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)


class SpotCheckResultSchema(Schema):
    result = fields.String(required=True, metadata={"enum": ["compliant", "rectify", "violation"]})
    result_zh = fields.String(required=True)
    inspection_id = fields.String(allow_none=True, required=True)
    inspected_on = fields.Date(allow_none=True, required=True)
    officer_id = fields.Integer(allow_none=True, required=True)
    reinspection_result = fields.String(allow_none=True, required=True)


class SpotCheckItemSchema(Schema):
    position = fields.Integer(required=True)
    subject = fields.Nested(SpotCheckSubjectSchema, required=True)
    officers = fields.List(fields.Nested(SpotCheckOfficerSchema), required=True, metadata={"description": "the pair; the first leads"})
    task_id = fields.Integer(allow_none=True, required=True)
    result = fields.Nested(SpotCheckResultSchema, allow_none=True, required=True, metadata={"description": "null: pending"})


class SpotCheckTallySchema(Schema):
    pending = fields.Integer(required=True)
    compliant = fields.Integer(required=True)
    rectify = fields.Integer(required=True)
    violation = fields.Integer(required=True)


class SpotCheckPlanSummarySchema(Schema):
    id = fields.Integer(required=True)
    jurisdiction_id = fields.Integer(required=True)
    name = fields.String(required=True)
    domain = fields.String(required=True)
    matter_codes = fields.List(fields.String(), required=True)
    kinds = fields.List(fields.String(), required=True)
    risk_classes = fields.List(fields.String(), required=True)
    grids = fields.List(fields.String(), required=True)
    count = fields.Integer(required=True)
    weighted = fields.Boolean(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    publication_working_days = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": list(PLAN_STATUSES)})
    publication_deadline = fields.Date(required=True)
    publication_deadline_provisional = fields.Boolean(required=True)
    publication_overdue = fields.Boolean(required=True, metadata={"description": "not published and the deadline has passed"})
    seed = fields.String(allow_none=True, required=True)
    seed_source = fields.String(allow_none=True, required=True, metadata={"description": "given (by the supervisor) or server (secrets, at the draw)"})
    inputs_digest = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    created_by_id = fields.Integer(required=True)
    drawn_at = fields.DateTime(allow_none=True, required=True)
    drawn_by_id = fields.Integer(allow_none=True, required=True)
    published_at = fields.DateTime(allow_none=True, required=True)
    published_by_id = fields.Integer(allow_none=True, required=True)


class SpotCheckPlanSchema(SpotCheckPlanSummarySchema):
    items = fields.List(fields.Nested(SpotCheckItemSchema), required=True)
    tally = fields.Nested(SpotCheckTallySchema, required=True)


SpotCheckPlanPageSchema = page_schema(SpotCheckPlanSummarySchema, "SpotCheckPlanPage")


class SpotCheckDrawnSchema(Schema):
    subject_id = fields.Integer(required=True)
    officer_ids = fields.List(fields.Integer(), required=True)


class SpotCheckVerifySchema(Schema):
    matches = fields.Boolean(required=True, metadata={"description": "the re-run gives the recorded items, inputs and trail agree"})
    seed = fields.String(allow_none=True, required=True)
    inputs_digest = fields.String(allow_none=True, required=True)
    inputs_digest_matches = fields.Boolean(required=True)
    audit_matches = fields.Boolean(required=True)
    recorded = fields.List(fields.Nested(SpotCheckDrawnSchema), required=True)
    recomputed = fields.List(fields.Nested(SpotCheckDrawnSchema), allow_none=True, required=True)
    error = fields.String(allow_none=True, required=True)
