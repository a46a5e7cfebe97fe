"""Auth endpoints: login, refresh, logout, me, officers, devices."""
from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from ..extensions import limiter
from ..pagination import PageArgsSchema, paginate
from . import service
from .access import authenticated, current_identity, public, reads_only, roles, scope_jurisdiction
from .models import Device, Officer
from .schemas import (
    DevicePageSchema,
    DeviceSchema,
    LoginSchema,
    MeSchema,
    SessionKeyOutSchema,
    SessionKeySchema,
    OfficerCreateSchema,
    TeamSchema,
    OfficerPageSchema,
    OfficerSchema,
    RefreshSchema,
    RevokeSchema,
    TokenSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录、设备与人员 · Login, devices and officers")


def _login_username() -> str:
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    return f"user:{username}" if isinstance(username, str) else "user:?"


@blp.route("/auth/login", methods=["POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@limiter.limit(
    lambda: current_app.config["LOGIN_USER_RATE_LIMIT"],
    key_func=_login_username,
    deduct_when=lambda response: response.status_code == 401,
)
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.doc(security=[])
def login(args: dict):
    """Log in on a device; returns a short-lived access token and a refresh token."""
    pair = service.login(
        args["username"],
        args["password"],
        args["device_id"],
        label=args["device_label"],
        user_agent=request.headers.get("User-Agent", ""),
        app_version=args["app_version"],
    )
    return pair.as_dict()


@blp.route("/auth/refresh", methods=["POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(RefreshSchema)
@blp.response(200, TokenSchema)
@blp.doc(security=[])
def refresh(args: dict):
    """Exchange a refresh token for a new pair (the old refresh token stops working)."""
    return service.refresh(args["refresh_token"]).as_dict()


@blp.route("/auth/logout", methods=["POST"])
@authenticated
@blp.response(204)
def logout():
    """End this device session. Records still queued on the phone are not affected."""
    service.logout(current_identity())


@blp.route("/me", methods=["GET"])
@authenticated
@reads_only
@blp.etag
@blp.response(200, MeSchema)
def me():
    """The signed-in officer's profile, certificate, grids and device."""
    return service.profile(current_identity())


@blp.route("/auth/session-key", methods=["PUT"])
@authenticated
@blp.arguments(SessionKeySchema)
@blp.response(200, SessionKeyOutSchema)
def session_key(args: dict):
    """Register this session's public key (once per login): teammates' phones check the
    officer's consent to a decision (ticket_cosign) with it, offline."""
    return {"key_id": service.register_session_key(current_identity(), args["public_key"]).key_id}


@blp.route("/team", methods=["GET"])
@authenticated
@blp.etag
@blp.response(200, TeamSchema)
def team():
    """The caller's street: who can co-sign a ticket (certificates) and the public keys
    that check their consents offline, cached by the phone for offline work."""
    return {"items": service.team(current_identity())}


@blp.route("/officers", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, OfficerPageSchema)
def list_officers(args: dict):
    """Officers of the caller's jurisdiction (all, for a district admin)."""
    jurisdiction_id = scope_jurisdiction(current_identity())
    return paginate(service.list_officers(jurisdiction_id), Officer.id, args["limit"], args["cursor"])


@blp.route("/officers", methods=["POST"])
@roles("admin")
@blp.arguments(OfficerCreateSchema)
@blp.response(201, OfficerSchema)
def create_officer(args: dict):
    """Create an officer, auxiliary, supervisor or admin account."""
    args["jurisdiction_id"] = scope_jurisdiction(current_identity(), args["jurisdiction_id"])
    return service.create_officer(**args)


@blp.route("/officers/<int:officer_id>", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, OfficerSchema)
def get_officer(officer_id: int):
    officer = service.get_officer(officer_id)
    scope_jurisdiction(current_identity(), officer.jurisdiction_id)
    return officer


@blp.route("/devices", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, DevicePageSchema)
def list_devices(args: dict):
    """Phones that logged in to the caller's jurisdiction."""
    jurisdiction_id = scope_jurisdiction(current_identity())
    return paginate(service.list_devices(jurisdiction_id), Device.id, args["limit"], args["cursor"])


@blp.route("/devices/<string:device_id>/revoke", methods=["POST"])
@roles("supervisor", "admin")
@blp.arguments(RevokeSchema)
@blp.response(200, DeviceSchema)
def revoke_device(args: dict, device_id: str):
    """Cut off a lost or stolen phone: every session on it ends at once."""
    identity = current_identity()
    device = service.get_device(device_id)
    scope_jurisdiction(identity, device.jurisdiction_id)
    return service.revoke_device(device, args["reason"], by=identity.officer)
