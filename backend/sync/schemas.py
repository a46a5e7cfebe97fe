"""Schemas of the sync endpoint."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..patrols.schemas import AwareDateTime

MAX_RECORDS = 500


class QueueHealthSchema(Schema):
    queue_depth = fields.Integer(load_default=0, validate=validate.Range(min=0))
    oldest_unsynced_age_s = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0))
    storage_persistent = fields.Boolean(load_default=None, allow_none=True)
    battery = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1),
                           metadata={"description": "the phone's battery level 0–1, where the browser tells it"})


class RecordSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-fA-F-]{36}$", error="a UUID made on the phone"))
    kind = fields.String(required=True, validate=validate.Length(max=32),
                         metadata={"description": "patrol_start, track_points, patrol_end, inspection, ticket, ticket_void, task_update"})
    captured_at = AwareDateTime(required=True)
    payload = fields.Dict(required=True, metadata={"description": "per kind: see docs/sync.md"})


class SyncBatchSchema(Schema):
    device_id = fields.String(required=True, validate=validate.Length(max=64))
    app_version = fields.String(load_default="", validate=validate.Length(max=32))
    sent_at = AwareDateTime(load_default=None, allow_none=True, metadata={"description": "phone clock when sending (skew estimate)"})
    health = fields.Nested(QueueHealthSchema, load_default=None, allow_none=True)
    records = fields.List(fields.Nested(RecordSchema), required=True)


class ResultSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["created", "duplicate", "conflict", "rejected", "incomplete"]})
    original_status = fields.String()
    code = fields.String()
    message = fields.Dict()
    details = fields.Dict()
    retryable = fields.Boolean(metadata={"description": "rejected only for now: send the same record again later"})
    ref = fields.String(metadata={"description": "what it became: patrol id, inspection id, ticket number"})
    missing_photos = fields.List(fields.String())


class SyncResultSchema(Schema):
    results = fields.List(fields.Nested(ResultSchema), required=True)
    server_time = fields.DateTime(required=True)


class ChangesQuerySchema(Schema):
    since = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class ChangeSchema(Schema):
    kind = fields.String(required=True, metadata={"enum": ["matter", "grid", "ticket_book", "task", "case", "review", "record"]})
    id = fields.String(required=True)
    at = fields.DateTime(required=True)
    data = fields.Dict(required=True)


class ChangesSchema(Schema):
    items = fields.List(fields.Nested(ChangeSchema), required=True)
    next = fields.String(allow_none=True, required=True, metadata={"description": "pass as ?since= (also when null: keep the last one)"})
    cursor = fields.String(required=True, metadata={"description": "where this page ended; resume from here"})


class IncompleteSchema(Schema):
    items = fields.List(fields.Dict(), required=True)
    next = fields.String(allow_none=True, required=True)


class DeviceHealthListSchema(Schema):
    items = fields.List(fields.Dict(), required=True)
    next = fields.String(allow_none=True, required=True)
