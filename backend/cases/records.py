"""The case desk's record kinds: what an officer sends from the field, offline.

* `case_proposal` — 立案申请 from a decision the officer could not make on the spot (the
  matter is closed to simple procedure, or the fine is above its caps): the ticket's party,
  facts, place, time and photos, and the two officers as the case's handlers; one action on
  the phone, applied by `cases.general.open_case` as the desk's 立案申请 is.
* `case_step` — evidence, a 询问笔录 or a 现场检查笔录 added to a case from the field,
  applied by `cases.general.take_step` (who may, and in which stage, is checked there).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from ..auth.access import Identity
from ..patrols.schemas import SHA256, PlausibleDate
from ..records import Applied, record_kind
from .schemas import PartySchema
from .step_schemas import STEP_SCHEMAS

FIELD_STEPS = ("evidence", "questioning", "site_inspection")


class CaseProposalPayload(Schema):
    party = fields.Nested(PartySchema, required=True)
    matter_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    facts = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    place_text = fields.String(load_default="", validate=validate.Length(max=255))
    violated_at = fields.AwareDateTime(load_default=None, allow_none=True)
    discovered_on = PlausibleDate(load_default=None, allow_none=True)
    officers = fields.List(fields.String(validate=validate.Length(max=64)), required=True, validate=validate.Length(equal=2),
                           metadata={"description": "usernames of the two officers, the sender among them: the case's handlers"})
    photos = fields.List(fields.String(validate=SHA256), load_default=list, validate=validate.Length(max=30))
    inspection_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=36))
    reason = fields.String(load_default="", validate=validate.Length(max=255),
                           metadata={"description": "why not on the spot, e.g. the matter is closed to simple procedure"})


@record_kind("case_proposal", CaseProposalPayload, roles=("officer",), depends_on="inspection_id", summary="立案申请 from the field (a decision not possible on the spot)")
def case_proposal(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from ..auth import service as auth
    from ..errors import invalid
    from . import general

    ids = auth.officer_ids_by_username(p["officers"], identity.jurisdiction_id)
    if len(ids) != 2 or identity.officer_id not in ids:
        raise invalid("case.handlers_invalid", "须由发送人和另一名本街道执法人员承办", "The sender and one colleague of the street handle it",
                      field="officers")
    source = {"kind": "inspection", "ref": p["inspection_id"]} if p["inspection_id"] else {"kind": "ticket", "ref": rid}
    evidence = [{"source": "photo", "sha256": sha, "label": "现场照片"} for sha in p["photos"]]
    facts = p["facts"] + (f"（{p['reason']}）" if p["reason"] else "")
    case = general.open_case(identity, party=p["party"], matter_code=p["matter_code"], facts_text=facts, source_kind=source["kind"],
                             source_ref=source["ref"], discovered_on=p["discovered_on"], handler_ids=ids, major=False,
                             place_text=p["place_text"], violated_at=p["violated_at"], evidence=evidence)
    return Applied(str(case.id), True, list(p["photos"]))


class CaseStepPayload(Schema):
    case_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    step = fields.Dict(required=True, metadata={"description": "{kind: evidence|questioning|site_inspection, ...that kind's fields}"})

    @post_load
    def _step(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        kind = data["step"].get("kind")
        if kind not in FIELD_STEPS:
            raise ValidationError({"kind": [f"one of {list(FIELD_STEPS)} from the field"]}, "step")
        try:
            loaded = STEP_SCHEMAS[kind]().load(data["step"])
        except ValidationError as e:
            raise ValidationError(e.messages, "step") from None
        loaded.pop("kind")
        return {"case_id": data["case_id"], "kind": kind, "data": loaded}


@record_kind("case_step", CaseStepPayload, roles=("officer", "supervisor"),
             summary="evidence, a 询问笔录 or a 现场检查笔录 added to a case from the field")
def case_step(rid: str, p: dict[str, Any], identity: Identity, captured_at: datetime) -> Applied:
    from . import general, service

    case = service.get_case(p["case_id"], identity)
    step = general.take_step(case, identity, p["kind"], dict(p["data"]))
    sha = p["data"].get("sha256")
    return Applied(f"{case.id}:{step.id}", True, [sha] if sha else [])
