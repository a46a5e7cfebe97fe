"""Schemas of the evidence feature."""
from __future__ import annotations

from marshmallow import Schema, fields


class ExifSchema(Schema):
    taken_at = fields.String(metadata={"description": "DateTimeOriginal as ISO 8601 UTC"})
    lat = fields.Float()
    lon = fields.Float()
    alt = fields.Float()
    make = fields.String()
    model = fields.String()
    orientation = fields.Integer()
    errors = fields.List(fields.String(), metadata={"description": "EXIF fields that could not be read"})


class UploadSchema(Schema):
    sha256 = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    bytes = fields.Integer(required=True)
    content_type = fields.String(required=True, metadata={"description": "detected from the content"})
    exif = fields.Nested(ExifSchema, required=True)


class UploadStatusSchema(Schema):
    sha256 = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["absent", "partial", "complete"]})
    offset = fields.Integer(required=True, metadata={"description": "bytes received; resume from here"})
    total = fields.Integer(allow_none=True, required=True)


class CitationSchema(Schema):
    record_kind = fields.String(required=True)
    record_id = fields.String(required=True)
    distance_m = fields.Float(allow_none=True, required=True, metadata={"description": "EXIF position vs the record's"})
    time_delta_s = fields.Float(allow_none=True, required=True)
    mismatch = fields.Boolean(allow_none=True, required=True)
    mismatch_reasons = fields.List(fields.String(), required=True)


class MediaSchema(UploadSchema):
    uploaded_at = fields.DateTime(required=True)
    citations = fields.List(fields.Nested(CitationSchema), required=True)


class CustodyEntrySchema(Schema):
    seq = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    device_id = fields.String(allow_none=True, required=True)
    details = fields.Dict(required=True)


class CustodySchema(Schema):
    sha256 = fields.String(required=True)
    items = fields.List(fields.Nested(CustodyEntrySchema), required=True)
