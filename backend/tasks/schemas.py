"""Schemas of tasks."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..pagination import PageArgsSchema, page_schema
from ..patrols.schemas import AwareDateTime
from .models import TASK_STATUSES


class TaskCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    assignee = fields.String(required=True, metadata={"description": "the officer's username"})
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    due_at = AwareDateTime(load_default=None, allow_none=True)


class TaskUpdateSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class TaskQuerySchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(TASK_STATUSES))
    mine = fields.Boolean(load_default=False)


class TaskSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    lat = fields.Float(allow_none=True, required=True)
    lon = fields.Float(allow_none=True, required=True)
    grid_id = fields.Integer(allow_none=True, required=True)
    dispatcher_id = fields.Integer(required=True)
    assignee_id = fields.Integer(required=True)
    status = fields.String(required=True)
    dispatched_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    feedback_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    dispatch_to_feedback_s = fields.Float(allow_none=True, required=True)
    events = fields.List(fields.Dict(), required=True)


TaskPageSchema = page_schema(TaskSchema, "TaskPage")
