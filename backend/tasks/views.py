"""Dispatch (supervisors) and task reads; field updates arrive as `task_update` sync records."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..auth.access import authenticated, current_identity, roles, scope_jurisdiction
from ..pagination import paginate
from . import service
from .models import Task
from .schemas import TaskCreateSchema, TaskPageSchema, TaskQuerySchema, TaskSchema, TaskUpdateSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1", description="任务派遣 · Tasks")


@blp.route("/tasks", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(TaskCreateSchema)
@blp.response(201, TaskSchema)
def dispatch(args: dict):
    """交办: dispatch a task to an officer of the street; `reinspection_of` makes it a rectification order's
    re-inspection (派遣复查: a second one while the first is in hand is refused, 409 `task.reinspection_dispatched`)."""
    identity = current_identity()
    return service.to_dicts(identity, [service.dispatch(identity, **args)])[0]


@blp.route("/tasks", methods=["GET"])
@authenticated
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskPageSchema)
def list_tasks(args: dict):
    """Tasks of the street (officers and auxiliaries: their own)."""
    identity = current_identity()
    query = service.list_tasks(identity, scope_jurisdiction(identity), status=args["status"], mine=args["mine"])
    page = paginate(query, Task.id, args["limit"], args["cursor"])
    page["items"] = service.to_dicts(identity, page["items"])
    return page


@blp.route("/tasks/<int:task_id>", methods=["GET"])
@authenticated
@blp.response(200, TaskSchema)
def get_task(task_id: int):
    identity = current_identity()
    return service.to_dicts(identity, [service.get_task(task_id, identity)])[0]


@blp.route("/tasks/<int:task_id>/status", methods=["POST"])
@roles("officer", "auxiliary")
@blp.arguments(TaskUpdateSchema)
@blp.response(200, TaskSchema)
def update(args: dict, task_id: int):
    """The assignee moves the task (the phone sends the same as a `task_update` record when offline)."""
    identity = current_identity()
    service.get_task(task_id, identity)
    task, _ = service.update(identity.officer, task_id=task_id, status=args["status"], note=args["note"])
    return service.to_dicts(identity, [task])[0]


@blp.route("/tasks/<int:task_id>/review", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(TaskUpdateSchema)
@blp.response(200, TaskSchema)
def review(args: dict, task_id: int):
    """The dispatcher closes a task fed back as done, or returns it for more work (闭环)."""
    identity = current_identity()
    service.get_task(task_id, identity)
    task, _ = service.update(identity.officer, task_id=task_id, status=args["status"], note=args["note"])
    return service.to_dicts(identity, [task])[0]
