"""The one strict payload of each step of the general procedure (`POST /cases/<id>/steps`
and the phone's `case_step` record kind load through these)."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..errors import http_error
from ..patrols.schemas import SHA256, PlausibleDate
from .procedure import STEPS

Text = lambda n=4000, **kw: fields.String(load_default="", validate=validate.Length(max=n), **kw)  # noqa: E731
Req = lambda n=4000: fields.String(required=True, validate=validate.Length(min=1, max=n))  # noqa: E731
PENALTIES = ("warning", "fine", "warning_fine")


class _Step(Schema):
    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(tuple(STEPS)))
    on = PlausibleDate(load_default=None, allow_none=True, metadata={"description": "the day the act took place (party-dated steps)"})


class _Signed(_Step):
    signed = fields.Boolean(load_default=False)
    refused_note = Text(255)
    witness = Text(64)


class FilingApproval(_Step):
    approve = fields.Boolean(required=True)
    opinion = Req(1000)
    reason = Text(1000)
    late_reason = Text(1000)


class Person(Schema):
    name = Req(64)
    id_number = Text(32)
    relation = Text(32)
    phone = Text(32)


class QA(Schema):
    q = Req(2000)
    a = fields.String(required=True, validate=validate.Length(max=4000))


class Questioning(_Signed):
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(required=True)
    place = Req(255)
    interviewee = fields.Nested(Person, required=True)
    rights_told = fields.Boolean(required=True)
    qa = fields.List(fields.Nested(QA), required=True, validate=validate.Length(min=1, max=200))
    recorder = Text(64)


class SiteInspection(_Signed):
    at = fields.AwareDateTime(required=True)
    place = Req(255)
    present = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list, validate=validate.Length(max=20))
    findings = Req(8000)


class Evidence(_Step):
    source = fields.String(required=True, validate=validate.OneOf(("photo", "video", "audio", "document", "inspection", "patrol", "other")))
    sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    label = Req(255)


class Preservation(_Step):
    items = Req(4000)
    place = Text(255)


class PreservationDecision(_Step):
    outcome = fields.String(required=True, validate=validate.OneOf(("release", "confiscate", "transfer", "inspect")))
    note = Text(1000)


class CorrectionOrder(_Step):
    violation = Req(2000)
    order = Req(2000)
    deadline = PlausibleDate(required=True)


class PriorNotice(_Step):
    penalty_kind = fields.String(required=True, validate=validate.OneOf(PENALTIES))
    amount_fen = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10**10))
    grounds = Text(4000)
    tier = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 20),
                          metadata={"description": "the matter's discretion tier (裁量基准) level the amount follows"})
    statement_working_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(3, 15))


class Statement(_Step):
    said = Req(8000)
    defended = fields.Boolean(load_default=True)
    adopted = fields.Boolean(load_default=False)
    reply = Text(4000)


class Waiver(_Step):
    note = Req(1000)


class HearingRequest(_Step):
    note = Text(1000)


class HearingNotice(_Step):
    hearing_on = PlausibleDate(required=True)
    hearing_time = fields.String(load_default="", validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$|^$"))
    place = Req(255)
    host_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    clerk_name = Req(64)
    public = fields.Boolean(load_default=True)


class Attendee(Schema):
    name = Req(64)
    role = Text(64)
    title = Text(64)


class Hearing(_Signed):
    attendees = fields.List(fields.Nested(Attendee), load_default=list, validate=validate.Length(max=30))
    investigator_statement = Req(8000)
    party_statement = Text(8000)
    cross_examination = Text(8000)
    final_statement = Text(4000)


class LegalReview(_Step):
    opinion = fields.String(required=True, validate=validate.OneOf(("agree", "revise", "disagree")))
    text = Req(8000)
    items_checked = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list, validate=validate.Length(max=20))


class View(Schema):
    name = Req(64)
    view = Req(4000)


class Discussion(_Step):
    place = Text(255)
    host = Req(64)
    recorder = Text(64)
    attendees = fields.List(fields.Nested(Attendee), required=True, validate=validate.Length(max=30))
    views = fields.List(fields.Nested(View), load_default=list, validate=validate.Length(max=30))
    conclusion = Req(4000)


class Extension(_Step):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 365))
    reason = Req(1000)


class Decision(_Step):
    penalty_kind = fields.String(required=True, validate=validate.OneOf(PENALTIES))
    amount_fen = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 10**10))
    tier = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(0, 20))
    statement_summary = Text(4000)
    hearing_summary = Text(4000)

    @validates_schema
    def _fine_has_amount(self, data: dict[str, Any], **_: Any) -> None:
        if data["penalty_kind"] != "warning" and data["amount_fen"] <= 0:
            raise ValidationError("a fine needs its amount", "amount_fen")
        if data["penalty_kind"] == "warning" and data["amount_fen"]:
            raise ValidationError("a warning has no amount", "amount_fen")


class EServiceConsent(_Step):
    address = Req(128)
    channel = fields.String(required=True, validate=validate.OneOf(("sms", "email", "wechat", "other")))
    note = Text(1000)


class Service(_Signed):
    document_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    method = fields.String(required=True, validate=validate.OneOf(("direct", "left", "post", "announcement", "electronic")))
    recipient = Text(64)
    address = Text(255)
    tracking_number = Text(64)
    announcement_ref = Text(255)
    note = Text(1000)


class Enforcement(_Step):
    court = Req(128)
    note = Text(1000)


class Closure(_Step):
    reason = fields.String(required=True, validate=validate.OneOf(("paid", "enforced", "no_fine", "not_punished", "withdrawn")))
    summary = Req(4000)
    opinion = Text(1000)


class Publication(_Step):
    publish = fields.Boolean(required=True, metadata={"description": "true publishes (masked); false withdraws, with the reason"})
    reason = Text(255)


class Archive(_Step):
    location = Req(128)
    note = Text(1000)


STEP_SCHEMAS: dict[str, type[Schema]] = {
    "filing_approval": FilingApproval, "questioning": Questioning, "site_inspection": SiteInspection, "evidence": Evidence,
    "preservation": Preservation, "preservation_decision": PreservationDecision, "correction_order": CorrectionOrder,
    "prior_notice": PriorNotice, "statement": Statement, "waiver": Waiver, "hearing_request": HearingRequest,
    "hearing_notice": HearingNotice, "hearing": Hearing, "legal_review": LegalReview, "discussion": Discussion,
    "extension": Extension, "decision": Decision, "eservice_consent": EServiceConsent, "service": Service,
    "enforcement_application": Enforcement, "closure": Closure, "publication": Publication, "archive": Archive,
}
assert set(STEP_SCHEMAS) == set(STEPS)


class StepEnvelope(Schema):
    """What the OpenAPI page shows: `kind` and the fields of that kind's payload."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(tuple(STEPS)))


def load_step(body: Any) -> tuple[str, dict[str, Any]]:
    """The step's kind and its payload, strictly (422 naming the fields otherwise)."""
    if not isinstance(body, dict):
        raise http_error(422, {"fields": {"_schema": ["a JSON object is required"]}})
    kind = body.get("kind")
    if kind not in STEP_SCHEMAS:
        raise http_error(422, {"fields": {"kind": [f"must be one of {sorted(STEPS)}"]}})
    try:
        data = STEP_SCHEMAS[kind]().load(body)
    except ValidationError as e:
        raise http_error(422, {"fields": e.messages}) from None
    data.pop("kind")
    return kind, data
