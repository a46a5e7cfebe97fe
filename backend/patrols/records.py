"""The record kinds of patrols and inspections (巡查、检查): their strict payloads, who may
send them, and how each is applied through `patrols.service` (the same functions the
REST routes use). Field names are the phone's contract (docs/sync.md)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from ..auth.access import Identity
from ..records import Applied, record_kind
from .models import INSPECTION_RESULTS
from .schemas import SHA256, UUID_ID, AwareDateTime, PlausibleDate

FIELD_ROLES = ("officer", "auxiliary", "supervisor")  # everyone who patrols and inspects in a street
USERNAME = validate.Length(min=1, max=64)


class PatrolStartPayload(Schema):
    officers = fields.List(fields.String(validate=USERNAME), load_default=list, validate=validate.Length(max=10),
                           metadata={"description": "usernames of the co-officers on this patrol (the sender is always included)"})
    started_at = AwareDateTime(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class TrackPointsPayload(Schema):
    patrol_id = fields.String(required=True, validate=UUID_ID)
    # validated in bulk by the service (patrols/packing.py); the item shape is TrackPoint
    points = fields.Raw(required=True, metadata={"type": "array", "maxItems": 5000,
                                                  "items": {"$ref": "#/components/schemas/TrackPoint"}})


class PatrolEndPayload(Schema):
    patrol_id = fields.String(required=True, validate=UUID_ID)
    ended_at = AwareDateTime(required=True)


class SubjectPayload(Schema):
    id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 2**31 - 1),
                        metadata={"description": "the register's subject the officer picked (监管对象库); else matched or created"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    credit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=18),
                                metadata={"description": "统一社会信用代码 (checked by its GB 32100 check character)"})


class InspectionPayload(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    accuracy = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 100000), metadata={"description": "metres"})
    subject = fields.Nested(SubjectPayload, required=True)
    matter_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    result = fields.String(required=True, validate=validate.OneOf(INSPECTION_RESULTS),
                           metadata={"description": "compliant 合格 / rectify 责令整改 / violation 发现违法"})
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    photos = fields.List(fields.String(validate=SHA256), load_default=list, validate=validate.Length(max=30))
    patrol_id = fields.String(load_default=None, allow_none=True, validate=UUID_ID)
    rectify_by = PlausibleDate(load_default=None, allow_none=True)
    follow_up = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["ticket", "case"]))
    inspected_at = AwareDateTime(load_default=None, allow_none=True)
    follow_up_of = fields.String(load_default=None, allow_none=True, validate=UUID_ID,
                                 metadata={"description": "复查: the 责令整改 inspection this re-inspection follows up"})


@record_kind("patrol_start", PatrolStartPayload, roles=FIELD_ROLES, summary="a patrol begins (its id is the record's id)")
def patrol_start(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from ..auth import service as auth
    from . import service

    ids = auth.officer_ids_by_username(p["officers"], identity.jurisdiction_id)
    patrol, created = service.start_patrol(patrol_id=rid, officer=identity.officer, device_id=identity.device_id,
                                           started_at=p["started_at"], captured_at=captured_at, officer_ids=ids, note=p["note"])
    return Applied(patrol.id, created, [])


@record_kind("track_points", TrackPointsPayload, roles=FIELD_ROLES, depends_on="patrol_id", summary="a batch of GPS fixes of a patrol")
def track_points(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from . import service

    batch, created = service.add_track_points(batch_id=rid, patrol_id=p["patrol_id"], points=p["points"],
                                              officer=identity.actor, device_id=identity.device_id)
    return Applied(p["patrol_id"], created, [])


@record_kind("patrol_end", PatrolEndPayload, roles=FIELD_ROLES, depends_on="patrol_id", summary="a patrol ends")
def patrol_end(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from . import service

    patrol, created = service.end_patrol(patrol_id=p["patrol_id"], officer=identity.officer, ended_at=p["ended_at"])
    return Applied(patrol.id, created, [])


@record_kind("inspection", InspectionPayload, roles=FIELD_ROLES, depends_on="patrol_id", summary="a geotagged inspection")
def inspection(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from . import service

    row, created = service.record_inspection(officer=identity.actor, device_id=identity.device_id,
                                             **inspection_args(rid, p, captured_at))
    return Applied(row.id, created, list(p["photos"]))


def inspection_args(rid: str, p: dict[str, Any], captured_at: datetime) -> dict[str, Any]:
    """An inspection payload as `record_inspection`'s arguments (the one mapping the single
    and the batch path use)."""
    s = p["subject"]
    return dict(inspection_id=rid, captured_at=captured_at, inspected_at=p["inspected_at"] or captured_at, lat=p["lat"], lon=p["lon"],
                accuracy_m=p["accuracy"], subject_name=s["name"], subject_address=s["address"], subject_uscc=s["credit_code"],
                matter_code=p["matter_code"], result=p["result"], rectify_deadline=p["rectify_by"], follow_up=p["follow_up"],
                notes=p["notes"], photos=p["photos"], patrol_id=p["patrol_id"], subject_id=s["id"], follow_up_of=p["follow_up_of"])


class InspectionAmendPayload(Schema):
    inspection_id = fields.String(required=True, validate=UUID_ID, metadata={"description": "the officer's own inspection"})
    photos = fields.List(fields.String(validate=SHA256), load_default=list, validate=validate.Length(max=30))
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    review_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                               metadata={"description": "the 督查意见 this answers: resolved with the note"})


@record_kind("inspection_amend", InspectionAmendPayload, roles=FIELD_ROLES, depends_on="inspection_id",
             summary="photos and a note added to the officer's own inspection (answering a review); the inspection itself never changes")
def inspection_amend(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from .amendments import amend_inspection

    row, created = amend_inspection(identity, amendment_id=rid, inspection_id=p["inspection_id"], captured_at=captured_at,
                                    note=p["note"].strip(), photos=p["photos"], review_id=p["review_id"])
    return Applied(row.id, created, list(row.photos or []))
