"""The record kind of the dispatch loop: the assignee's move of a task from the field,
applied by `tasks.service.update` (which decides who may move a task for every door)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from ..auth.access import Identity
from ..patrols.schemas import SHA256
from ..records import Applied, record_kind
from .models import TASK_STATUSES


class TaskUpdatePayload(Schema):
    task_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    photos = fields.List(fields.String(validate=SHA256), load_default=list, validate=validate.Length(max=30))


@record_kind("task_update", TaskUpdatePayload, roles=("officer", "auxiliary"), summary="the assignee moves a task (签收、反馈)")
def task_update(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from . import service

    task, created = service.update(identity.officer, task_id=p["task_id"], status=p["status"], note=p["note"],
                                   photos=p["photos"], record_id=rid)
    return Applied(str(task.id), created, list(p["photos"]))
