"""Input and output schemas of the auth feature."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..catalog.schemas import GridRefSchema
from ..pagination import page_schema
from .models import ROLE_VALUES

DEVICE_ID = validate.Regexp(r"^[A-Za-z0-9._:-]{8,64}$", error="8–64 letters, digits or . _ : -")


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    device_id = fields.String(required=True, validate=DEVICE_ID, metadata={"description": "id the phone made for itself (UUID)"})
    device_label = fields.String(load_default="", validate=validate.Length(max=128))
    app_version = fields.String(load_default="", validate=validate.Length(max=32))


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CertificateSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    domains = fields.List(fields.String(validate=validate.Length(min=1, max=32)), required=True)
    issued_by = fields.String(load_default="", validate=validate.Length(max=128))
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    revoked = fields.Boolean(dump_only=True)


class OfficerSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    name = fields.String()
    role = fields.String(metadata={"enum": list(ROLE_VALUES)})
    jurisdiction_id = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    certificates = fields.List(fields.Nested(CertificateSchema))


class OfficerCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLE_VALUES))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=256))
    jurisdiction_id = fields.Integer(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    certificate = fields.Nested(CertificateSchema, load_default=None, allow_none=True)


class DeviceSchema(Schema):
    device_id = fields.String()
    jurisdiction_id = fields.Integer(allow_none=True)
    label = fields.String()
    app_version = fields.String()
    first_seen_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    last_officer_id = fields.Integer(allow_none=True)
    revoked = fields.Boolean()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    refresh_expires_in = fields.Integer(required=True, metadata={"description": "seconds"})
    session_id = fields.String(required=True)
    officer = fields.Nested(OfficerSchema, required=True)
    device = fields.Nested(DeviceSchema, required=True)


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


def _paper(j):
    from ..catalog.service import paper_fields

    return paper_fields(j)


class JurisdictionRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    agency_name = fields.String()
    authority_name = fields.Function(lambda j: _paper(j)["authority_name"])
    reconsideration_body = fields.Function(lambda j: _paper(j)["reconsideration_body"])
    payment_channel = fields.Function(lambda j: _paper(j)["payment_channel"])


class MeSchema(Schema):
    officer = fields.Nested(OfficerSchema, required=True)
    jurisdiction = fields.Nested(JurisdictionRefSchema, allow_none=True, required=True)
    certificate = fields.Nested(CertificateSchema, allow_none=True, required=True, metadata={"description": "the certificate valid today, if any"})
    can_decide_penalties = fields.Boolean(required=True)
    grids = fields.List(fields.Nested(GridRefSchema), required=True, metadata={"description": "grids this officer is responsible for (分包)"})
    device = fields.Nested(DeviceSchema, required=True)
    session_id = fields.String(required=True)
    key_id = fields.String(required=True, allow_none=True, metadata={
        "description": "the id of this session's registered public key (PUT /auth/session-key), if any"})


class SessionKeySchema(Schema):
    public_key = fields.String(required=True, validate=validate.Length(min=40, max=256), metadata={
        "description": "ECDSA P-256 public key, SubjectPublicKeyInfo DER in base64 (WebCrypto exportKey('spki'))"})


class SessionKeyOutSchema(Schema):
    key_id = fields.String(required=True)


class PublicKeySchema(Schema):
    key_id = fields.String(required=True)
    public_key = fields.String(required=True, metadata={"description": "ECDSA P-256, SPKI DER, base64"})


class TeamMemberSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    certificates = fields.List(fields.Nested(CertificateSchema), required=True)
    keys = fields.List(fields.Nested(PublicKeySchema), required=True, metadata={
        "description": "public keys of the member's live sessions: a consent QR (ticket_cosign) is checked offline with them"})


class TeamSchema(Schema):
    items = fields.List(fields.Nested(TeamMemberSchema), required=True)


OfficerPageSchema = page_schema(OfficerSchema, "OfficerPage")
DevicePageSchema = page_schema(DeviceSchema, "DevicePage")
