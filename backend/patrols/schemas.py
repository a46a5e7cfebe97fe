"""Schemas of patrols and inspections: the write payloads (routed by sync) and the reads."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..pagination import PageArgsSchema, page_schema
from .models import INSPECTION_RESULTS

UUID_ID = validate.Regexp(r"^[0-9a-fA-F-]{36}$", error="a UUID made on the phone")
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="a lowercase SHA-256 hex digest")


YEARS = (1970, 2100)  # outside this a date is a typo or a fuzzer, and overflows time zone maths


def _plausible(value) -> bool:
    return value is None or YEARS[0] <= value.year <= YEARS[1]


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset; a time without one is ambiguous and refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", _plausible_validator)
        super().__init__(format="iso", **kwargs)


class PlausibleDate(fields.Date):
    def __init__(self, **kwargs):
        kwargs.setdefault("validate", _plausible_validator)
        super().__init__(**kwargs)


def _plausible_validator(value) -> None:
    from marshmallow import ValidationError

    if not _plausible(value):
        raise ValidationError(f"year must lie between {YEARS[0]} and {YEARS[1]}")


# --- shared field types (the record kinds' payloads are in records.py) ------------


class TrackPointSchema(Schema):
    """One fix. Documented here; batches are validated in bulk (patrols/packing.py)."""

    t = fields.Raw(required=True, metadata={
        "oneOf": [{"type": "integer", "description": "Unix time in milliseconds (UTC): what the phone sends"},
                  {"type": "string", "format": "date-time", "description": "ISO 8601 with offset (the contract)"}]})
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy = fields.Float(required=True, validate=validate.Range(min=0), metadata={"description": "metres"})
    speed = fields.Float(allow_none=True, metadata={"description": "m/s"})
    heading = fields.Float(allow_none=True, validate=validate.Range(0, 360), metadata={"description": "degrees"})


# --- reads -----------------------------------------------------------------------


class PatrolQuerySchema(PageArgsSchema):
    officer = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1), metadata={"description": "officer id"})
    date = PlausibleDate(load_default=None, metadata={"description": "local date (Asia/Shanghai) the patrol started"})
    grid = fields.String(load_default=None, validate=validate.Length(max=32), metadata={"description": "grid code"})


class OfficerRefSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String()


class PatrolGridSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    seconds = fields.Float(required=True)
    first_at = fields.DateTime(required=True)
    last_at = fields.DateTime(required=True)
    fix_count = fields.Integer(required=True)


class GapSchema(Schema):
    start = fields.String(required=True)
    end = fields.String(required=True)
    duration_s = fields.Float(required=True)
    distance_m = fields.Float(required=True)


class StopSchema(Schema):
    start = fields.String(required=True)
    end = fields.String(required=True)
    duration_s = fields.Float(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    fix_count = fields.Integer(required=True)


class PatrolSchema(Schema):
    id = fields.String(required=True)
    jurisdiction_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["active", "ended"]})
    started_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True, required=True)
    officers = fields.List(fields.Nested(OfficerRefSchema), required=True)
    device_id = fields.String(required=True)
    distance_m = fields.Float(required=True, metadata={"description": "geodesic, jitter removed; includes gap_distance_m"})
    gap_distance_m = fields.Float(required=True, metadata={"description": "straight lines bridged across gaps"})
    duration_s = fields.Float(required=True)
    moving_s = fields.Float(required=True, metadata={"description": "duration less gaps and stops"})
    fix_count = fields.Integer(required=True)
    kept_count = fields.Integer(required=True)
    dropped = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    first_fix_at = fields.DateTime(allow_none=True, required=True)
    last_fix_at = fields.DateTime(allow_none=True, required=True)
    grids = fields.List(fields.Nested(PatrolGridSchema), required=True)
    gaps = fields.List(fields.Nested(GapSchema), required=True)
    stops = fields.List(fields.Nested(StopSchema), required=True)
    anomalies = fields.List(fields.Dict(), required=True)
    note = fields.String(required=True)


PatrolPageSchema = page_schema(PatrolSchema, "PatrolPage")


class TrackQuerySchema(Schema):
    format = fields.String(load_default="geojson", validate=validate.OneOf(["geojson", "gpx", "kml"]))
    simplify = fields.Float(load_default=0.0, validate=validate.Range(0, 500), metadata={"description": "metres"})


class InspectionQuerySchema(PageArgsSchema):
    bbox = fields.String(load_default=None, validate=validate.Length(max=100), metadata={"description": "minLon,minLat,maxLon,maxLat (WGS-84)"})
    from_ = AwareDateTime(load_default=None, data_key="from")
    to = AwareDateTime(load_default=None)
    grid = fields.String(load_default=None, validate=validate.Length(max=32))
    result = fields.String(load_default=None, validate=validate.OneOf(INSPECTION_RESULTS))

    @validates_schema
    def _bbox(self, data, **kwargs):
        raw = data.get("bbox")
        if raw is None:
            return
        try:
            parts = [float(p) for p in raw.split(",")]
        except ValueError:
            raise ValidationError("four numbers: minLon,minLat,maxLon,maxLat", "bbox") from None
        if len(parts) != 4 or not (-180 <= parts[0] <= parts[2] <= 180 and -90 <= parts[1] <= parts[3] <= 90):
            raise ValidationError("four numbers: minLon,minLat,maxLon,maxLat with min ≤ max", "bbox")
        data["bbox"] = tuple(parts)


class InspectionGridSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class InspectionSchema(Schema):
    id = fields.String(required=True)
    jurisdiction_id = fields.Integer(required=True)
    patrol_id = fields.String(allow_none=True, required=True)
    officer = fields.Nested(OfficerRefSchema, required=True)
    inspected_at = fields.DateTime(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    accuracy_m = fields.Float(allow_none=True, required=True)
    grid = fields.Nested(InspectionGridSchema, allow_none=True, required=True)
    subject_name = fields.String(required=True)
    subject_address = fields.String(required=True)
    subject_uscc = fields.String(allow_none=True, required=True)
    matter_code = fields.String(allow_none=True, required=True)
    result = fields.String(required=True)
    rectify_deadline = fields.Date(allow_none=True, required=True)
    reinspect_due = fields.Date(allow_none=True, required=True)
    follow_up = fields.String(allow_none=True, required=True)
    subject_id = fields.Integer(allow_none=True, required=True, metadata={"description": "the register's subject (监管对象库)"})
    follow_up_of = fields.String(allow_none=True, required=True, metadata={"description": "复查: the rectification order it follows up"})
    notice_number = fields.String(allow_none=True, required=True, metadata={
        "description": "the 责令（限期）改正通知书's number, once the server has printed it"})
    notes = fields.String(required=True)
    photos = fields.List(fields.String(), required=True)
    captured_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    amendments = fields.List(fields.Dict(), metadata={
        "description": "photos and notes its officer added afterwards (inspection_amend), oldest first; on the single inspection"})


InspectionPageSchema = page_schema(InspectionSchema, "InspectionPage")


class ReinspectionQuerySchema(Schema):
    due_before = PlausibleDate(load_default=None, metadata={"description": "due on or before (default: tomorrow)"})


class ReinspectionTaskSchema(Schema):
    id = fields.Integer(required=True)
    assignee_id = fields.Integer(required=True)
    assignee_name = fields.String(required=True)
    status = fields.String(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)


class ReinspectionSchema(Schema):
    id = fields.String(required=True, metadata={"description": "the 责令整改 inspection to follow up (follow_up_of)"})
    subject = fields.Dict(required=True)
    matter_code = fields.String(allow_none=True, required=True)
    rectify_deadline = fields.Date(required=True)
    reinspect_due = fields.Date(required=True)
    overdue = fields.Boolean(required=True)
    officer_id = fields.Integer(required=True)
    lat = fields.Float(allow_none=True, required=True)
    lon = fields.Float(allow_none=True, required=True)
    notes = fields.String(required=True)
    photos = fields.List(fields.String(), required=True)
    task = fields.Nested(ReinspectionTaskSchema, allow_none=True, required=True,
                         metadata={"description": "the re-inspection task in hand (派遣复查, not closed), if any"})


class ReinspectionListSchema(Schema):
    items = fields.List(fields.Nested(ReinspectionSchema), required=True)
