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
    """交办: dispatch a task to an officer of the street."""
    return service.task_to_dict(service.dispatch(current_identity(), **args))


@blp.route("/tasks", methods=["GET"])
@authenticated
@blp.arguments(TaskQuerySchema, location="query")
@blp.response(200, TaskPageSchema)
def list_tasks(args: dict):
    """Tasks of the street (officers and auxiliaries: their own)."""
    identity = current_identity()
    query = service.list_tasks(identity, scope_jurisdiction(identity), status=args["status"], mine=args["mine"])
    page = paginate(query, Task.id, args["limit"], args["cursor"])
    page["items"] = [service.task_to_dict(t) for t in page["items"]]
    return page


@blp.route("/tasks/<int:task_id>", methods=["GET"])
@authenticated
@blp.response(200, TaskSchema)
def get_task(task_id: int):
    return service.task_to_dict(service.get_task(task_id, current_identity()))


@blp.route("/tasks/<int:task_id>/status", methods=["POST"])
@roles("officer", "auxiliary")
@blp.arguments(TaskUpdateSchema)
@blp.response(200, TaskSchema)
def update(args: dict, task_id: int):
    """The assignee moves the task (the phone sends the same as a `task_update` record when offline)."""
    identity = current_identity()
    service.get_task(task_id, identity)
    task, _ = service.update(identity.officer, task_id=task_id, status=args["status"], note=args["note"])
    return service.task_to_dict(task)


@blp.route("/tasks/<int:task_id>/review", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(TaskUpdateSchema)
@blp.response(200, TaskSchema)
def review(args: dict, task_id: int):
    """The dispatcher closes a task fed back as done, or returns it for more work (闭环)."""
    identity = current_identity()
    service.get_task(task_id, identity)
    task, _ = service.update(identity.officer, task_id=task_id, status=args["status"], note=args["note"])
    return service.task_to_dict(task)
