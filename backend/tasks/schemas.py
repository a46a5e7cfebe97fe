"""Schemas of tasks."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..pagination import PageArgsSchema, page_schema
from ..patrols.schemas import SHA256, AwareDateTime, ReinspectionSchema
from .models import TASK_STATUSES


class TaskCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=128))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "the officer's username; or give `grid`"})
    grid = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                         metadata={"description": "a grid code: the task goes to that grid's officer (分包) with the fewest open tasks"})
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    address = fields.String(load_default="", validate=validate.Length(max=255),
                            metadata={"description": "the place in words, with or instead of a map point"})
    photos = fields.List(fields.String(validate=SHA256), load_default=list, validate=validate.Length(max=9),
                         metadata={"description": "SHA-256 of photos already uploaded (PUT /media/{sha256})"})
    due_at = AwareDateTime(load_default=None, allow_none=True)
    reinspection_of = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36),
                                    metadata={"description": "派遣复查: the rectification order (责令整改 inspection) to re-inspect; "
                                                             "one of the street's, not yet re-inspected, with no task in hand"})

    @validates_schema
    def _one_recipient(self, data: dict, **kwargs) -> None:
        if bool(data.get("assignee")) == bool(data.get("grid")):
            raise ValidationError("give exactly one of assignee (an officer) and grid (a grid code)", "assignee")
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise ValidationError("give both lat and lon, or neither", "lat")


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
    address = fields.String(required=True)
    grid_id = fields.Integer(allow_none=True, required=True)
    grid_code = fields.String(allow_none=True, required=True)
    via_grid = fields.Boolean(required=True, metadata={"description": "dispatched to the grid, which chose the officer"})
    photos = fields.List(fields.String(), required=True, metadata={"description": "the dispatcher's photos"})
    dispatcher_id = fields.Integer(required=True)
    assignee_id = fields.Integer(required=True)
    status = fields.String(required=True)
    dispatched_at = fields.DateTime(required=True)
    due_at = fields.DateTime(allow_none=True, required=True)
    feedback_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    dispatch_to_feedback_s = fields.Float(allow_none=True, required=True)
    events = fields.List(fields.Dict(), required=True)
    reinspection_of = fields.String(allow_none=True, required=True, metadata={"description": "the rectification order it re-inspects"})
    reinspection = fields.Nested(ReinspectionSchema, allow_none=True, required=True,
                                 metadata={"description": "that order while it awaits its re-inspection (the phone starts it from "
                                                          "the task, with follow_up_of); null once re-inspected"})


TaskPageSchema = page_schema(TaskSchema, "TaskPage")
