"""Auth domain services: login, refresh, logout, devices, officers.

Plain functions taking plain arguments; the views only translate HTTP.
"""
from __future__ import annotations

import hmac
import uuid
from functools import lru_cache
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import bindparam, select

from ..audit import service as audit
from ..errors import ApiError, Conflict, Forbidden, NotFound, Unauthorized
from ..extensions import commit, db
from ..clock import local_today
from ..models_base import utcnow
from . import tokens
from .access import Identity
from .models import ROLE_VALUES, Certificate, Device, DeviceSession, Officer, Role
from .passwords import hash_password, needs_rehash, verify_password


@dataclass
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    session: DeviceSession

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_expires_in": self.refresh_expires_in,
            "session_id": self.session.id,
            "officer": self.session.officer,
            "device": self.session.device,
        }


def _invalid_credentials() -> Unauthorized:
    return Unauthorized("auth.invalid_credentials", "用户名或密码错误", "Wrong username or password")


def _issue(session: DeviceSession) -> TokenPair:
    cfg = current_app.config
    secret = tokens.new_refresh_secret()
    if session.refresh_hash:
        session.previous_refresh_hash = session.refresh_hash
    session.refresh_hash = tokens.hash_secret(secret)
    session.last_used_at = utcnow()
    session.expires_at = session.last_used_at + timedelta(seconds=cfg["REFRESH_TOKEN_TTL"])
    access = tokens.issue_access_token(
        cfg["SECRET_KEY"], session.officer_id, session.id, session.device.device_id, cfg["ACCESS_TOKEN_TTL"]
    )
    return TokenPair(access, f"{session.id}.{secret}", cfg["ACCESS_TOKEN_TTL"], cfg["REFRESH_TOKEN_TTL"], session)


def register_device(device_id: str, officer: Officer, *, label: str = "", user_agent: str = "", app_version: str = "") -> Device:
    device = db.session.scalar(select(Device).where(Device.device_id == device_id))
    if device is None:
        device = Device(device_id=device_id, jurisdiction_id=officer.jurisdiction_id, label=label)
        db.session.add(device)
    if device.revoked:
        raise Forbidden("device.revoked", "此设备已被停用，请联系管理员", "This device has been revoked")
    if (
        device.jurisdiction_id is not None
        and officer.jurisdiction_id is not None
        and device.jurisdiction_id != officer.jurisdiction_id
    ):
        raise Forbidden(
            "device.other_jurisdiction",
            "此设备登记在其他乡镇（街道）",
            "This device is registered to another jurisdiction",
        )
    device.last_seen_at = utcnow()
    device.last_officer_id = officer.id
    if user_agent:
        device.user_agent = user_agent[:255]
    if app_version:
        device.app_version = app_version[:32]
    if label and not device.label:
        device.label = label[:128]
    return device


def login(username: str, password: str, device_id: str, *, label: str = "", user_agent: str = "", app_version: str = "") -> TokenPair:
    officer = db.session.scalar(select(Officer).where(Officer.username == username))
    # verify even when the user is unknown: equal timing, no username oracle
    ok = verify_password(officer.password_hash if officer else None, password)
    if officer is None or not ok or not officer.active:
        # 执法全过程记录 includes who tried to get in; the refusal itself stays the same for all
        audit.record("auth.login_failed", "officer", str(officer.id) if officer else username[:64],
                     jurisdiction_id=officer.jurisdiction_id if officer else None, device_id=device_id[:64],
                     details={"username": username[:64], "reason": "inactive" if officer and ok else "credentials"})
        db.session.commit()
        raise _invalid_credentials()
    if needs_rehash(officer.password_hash):
        officer.password_hash = hash_password(password)
    device = register_device(device_id, officer, label=label, user_agent=user_agent, app_version=app_version)
    db.session.flush()
    session = DeviceSession(id=str(uuid.uuid4()), officer=officer, device=device, refresh_hash="")
    session.officer_id = officer.id
    db.session.add(session)
    pair = _issue(session)
    audit.record("auth.login", "officer", str(officer.id), jurisdiction_id=officer.jurisdiction_id, actor_id=officer.id,
                 device_id=device.device_id, details={"session": session.id, "app_version": app_version[:32]})
    db.session.commit()
    return pair


def refresh(refresh_token: str) -> TokenPair:
    try:
        session_id, secret = tokens.split_refresh_token(refresh_token)
    except tokens.TokenError as exc:
        raise Unauthorized(exc.code, "登录凭据无效，请重新登录", "Invalid refresh token, log in again") from exc
    session = db.session.get(DeviceSession, session_id)
    presented = tokens.hash_secret(secret)
    if session is None:
        raise Unauthorized("auth.refresh_invalid", "登录凭据无效，请重新登录", "Invalid refresh token, log in again")
    if session.previous_refresh_hash and hmac.compare_digest(presented, session.previous_refresh_hash):
        # An already-rotated token came back: someone holds a copy. Cut the session.
        if session.revoked_at is None:
            session.revoked_at = utcnow()
            session.revoked_reason = "refresh_reused"
            audit.record("auth.refresh_reused", "device_session", session.id, jurisdiction_id=session.device.jurisdiction_id,
                         actor_id=session.officer_id, device_id=session.device.device_id)
            db.session.commit()
        raise Unauthorized(
            "auth.refresh_reused", "登录凭据已被重复使用，已强制下线，请重新登录", "Refresh token reused; session revoked"
        )
    if not hmac.compare_digest(presented, session.refresh_hash):
        raise Unauthorized("auth.refresh_invalid", "登录凭据无效，请重新登录", "Invalid refresh token, log in again")
    _check_session_usable(session)
    session.device.last_seen_at = utcnow()
    pair = _issue(session)
    db.session.commit()
    return pair


def _check_session_usable(session: DeviceSession) -> None:
    _refuse_unusable(device_revoked=session.device.revoked, revoked_at=session.revoked_at, expires_at=session.expires_at,
                     active=session.officer.active)


def _refuse_unusable(*, device_revoked: bool, revoked_at: datetime | None, expires_at: datetime, active: bool) -> None:
    """The one door for "may this session still be used" (a request, a refresh, a playback link)."""
    if device_revoked:
        raise Unauthorized("device.revoked", "此设备已被停用，请联系管理员", "This device has been revoked")
    if revoked_at is not None:
        raise Unauthorized("auth.session_revoked", "登录已失效，请重新登录", "Session ended, log in again")
    if expires_at <= utcnow():
        raise Unauthorized("auth.session_expired", "登录已过期，请重新登录", "Session expired, log in again")
    if not active:
        raise Unauthorized("auth.officer_inactive", "账号已停用", "Account disabled")


@lru_cache(maxsize=1)
def _session_statement() -> Any:
    """Every authenticated request runs this: what `Identity` holds and what decides whether
    the session may still be used, as plain columns (no ORM rows: they load on first use).
    Built once (building it cost as much as running it; bench/supervision_queries.py)."""
    s, o, d = DeviceSession.__table__.c, Officer.__table__.c, Device.__table__.c
    return (select(s.id, s.officer_id, s.device_pk, s.expires_at, s.revoked_at, o.role, o.jurisdiction_id, o.active, d.device_id,
                   d.revoked_at.label("device_revoked_at"))
            .select_from(DeviceSession.__table__.join(Officer.__table__, o.id == s.officer_id).join(Device.__table__, d.id == s.device_pk))
            .where(s.id == bindparam("sid")))


def _identity_of_session(session_id: str) -> Identity | None:
    """The identity of a usable session (refused with the reason otherwise); None if unknown."""
    row = db.session.connection().execute(_session_statement(), {"sid": session_id}).first()
    if row is None:
        return None
    _refuse_unusable(device_revoked=row.device_revoked_at is not None, revoked_at=row.revoked_at, expires_at=row.expires_at,
                     active=row.active)
    return Identity(officer_id=row.officer_id, session_id=row.id, device_pk=row.device_pk, device_id=row.device_id, role=row.role,
                    jurisdiction_id=row.jurisdiction_id)


def identity_from_access_token(token: str) -> Identity:
    try:
        claims = tokens.decode_access_token(current_app.config["SECRET_KEY"], token)
    except tokens.TokenError as exc:
        raise Unauthorized(
            exc.code, "登录已失效，请重新登录", "Access token invalid or expired", headers={"WWW-Authenticate": "Bearer"}
        ) from exc
    identity = _identity_of_session(claims["sid"])
    if identity is None or str(identity.officer_id) != claims["sub"]:
        raise Unauthorized("auth.token_invalid", "登录已失效，请重新登录", "Access token invalid")
    return identity


def identity_from_session(session_id: str, officer_id: int) -> Identity:
    """The identity behind a signed link made for this session (a media playback ticket): the
    session must still be usable — revoked, expired or a disabled account refuses it."""
    identity = _identity_of_session(session_id)
    if identity is None or identity.officer_id != officer_id:
        raise Unauthorized("auth.token_invalid", "登录已失效，请重新登录", "Session not found")
    return identity


def profile(identity: Identity) -> dict[str, Any]:
    """What the phone caches about its officer for offline work."""
    from ..catalog import service as catalog

    officer = identity.load().officer
    return {
        "officer": officer,
        "jurisdiction": catalog.get_jurisdiction(officer.jurisdiction_id) if officer.jurisdiction_id else None,
        "certificate": valid_certificate(officer),
        "can_decide_penalties": can_decide_penalties(officer),
        "grids": catalog.grids_of_officer(officer.id),
        "device": identity.device,
        "session_id": identity.session_id,
        "key_id": identity.session.key_id,
    }


def register_session_key(identity: Identity, public_key: str) -> DeviceSession:
    """The phone's ECDSA P-256 public key for this session (its private half is made on
    the phone and never leaves it). Set once per session: a login makes a new session and
    a new key, so a stolen access token cannot swap the key teammates trust."""
    from ..tickets.consents import key_id, load_public_key

    load_public_key(public_key)
    session = identity.session
    if session.public_key and session.public_key != public_key:
        raise Conflict("auth.session_key_set", "本次登录已登记公钥，重新登录后才能更换",
                       "This session already has a key; log in again to register another")
    if not session.public_key:
        session.public_key, session.key_id = public_key, key_id(public_key)
        audit.record("auth.session_key", "device_session", session.id, jurisdiction_id=identity.jurisdiction_id,
                     actor_id=identity.officer_id, device_id=identity.device_id, details={"key_id": session.key_id})
        commit()
    return session


def team(identity: Identity) -> list[dict[str, Any]]:
    """The street's active officers and auxiliaries with their certificates (what the
    phone's rules engine needs offline to check the second officer) and the public keys
    of their live sessions (to check a co-signer's consent offline) — no phones, no IDs,
    no device ids and nothing secret."""
    rows = db.session.scalars(select(Officer).where(
        Officer.jurisdiction_id == identity.jurisdiction_id, Officer.active.is_(True),
        Officer.role.in_(("officer", "auxiliary", "supervisor"))).order_by(Officer.username)).all()
    now = utcnow()
    keys: dict[int, list[dict[str, str]]] = {}
    for s in db.session.scalars(select(DeviceSession).where(
            DeviceSession.officer_id.in_([o.id for o in rows]), DeviceSession.public_key.is_not(None),
            DeviceSession.revoked_at.is_(None), DeviceSession.expires_at > now).order_by(DeviceSession.created_at)):
        keys.setdefault(s.officer_id, []).append({"key_id": s.key_id, "public_key": s.public_key})
    return [{"id": o.id, "username": o.username, "name": o.name, "role": o.role, "certificates": o.certificates,
             "keys": keys.get(o.id, [])} for o in rows]


def logout(identity: Identity) -> None:
    identity.session.revoked_at = utcnow()
    identity.session.revoked_reason = "logout"
    audit.record("auth.logout", "device_session", identity.session_id, jurisdiction_id=identity.jurisdiction_id,
                 actor_id=identity.officer_id, device_id=identity.device_id)
    commit()


# --- devices ---------------------------------------------------------------


def get_device(device_id: str) -> Device:
    device = db.session.scalar(select(Device).where(Device.device_id == device_id))
    if device is None:
        raise NotFound("device.not_found", "设备不存在", "Device not found")
    return device


def revoke_device(device: Device, reason: str, by: Officer | None = None) -> Device:
    """Cut a lost or stolen phone off: the device and every session on it. Street staff
    revoke only their street's devices — never the district's (a supervisor once cut off
    the district admin's phone); the district admin and the CLI (by=None) revoke any."""
    from .access import other_jurisdiction

    if by is not None and by.jurisdiction_id is not None and device.jurisdiction_id != by.jurisdiction_id:
        raise other_jurisdiction()
    now = utcnow()
    if device.revoked_at is None:
        device.revoked_at = now
        device.revoked_reason = reason[:255]
        device.revoked_by_id = by.id if by else None
    for session in db.session.scalars(
        select(DeviceSession).where(DeviceSession.device_pk == device.id, DeviceSession.revoked_at.is_(None))
    ):
        session.revoked_at = now
        session.revoked_reason = "device_revoked"
    audit.record("device.revoked", "device", device.device_id, jurisdiction_id=device.jurisdiction_id,
                 actor_id=by.id if by else None, details={"reason": reason[:255]})
    commit()
    return device


def list_devices(jurisdiction_id: int | None):
    query = select(Device)
    if jurisdiction_id is not None:
        query = query.where(Device.jurisdiction_id == jurisdiction_id)
    return query


# --- officers --------------------------------------------------------------


def list_officers(jurisdiction_id: int | None):
    query = select(Officer)
    if jurisdiction_id is not None:
        query = query.where(Officer.jurisdiction_id == jurisdiction_id)
    return query


def get_officer(officer_id: int) -> Officer:
    officer = db.session.get(Officer, officer_id)
    if officer is None:
        raise NotFound("officer.not_found", "人员不存在", "Officer not found")
    return officer


def validate_password_strength(password: str) -> None:
    if len(password) < 8 or password.isdigit() or password.isalpha():
        raise ApiError(
            "officer.weak_password",
            "密码至少 8 位，且须同时包含字母和数字",
            "Password needs at least 8 characters with letters and digits",
            status=422,
        )


def create_officer(
    *,
    username: str,
    name: str,
    role: str,
    password: str,
    jurisdiction_id: int | None,
    phone: str | None = None,
    certificate: dict[str, Any] | None = None,
    check_strength: bool = True,
) -> Officer:
    if role not in ROLE_VALUES:
        raise ApiError("officer.bad_role", "角色无效", f"Role must be one of {ROLE_VALUES}", status=422)
    if jurisdiction_id is None and role != Role.admin.value:
        raise ApiError(
            "officer.jurisdiction_required", "须指定所属乡镇（街道）", "A jurisdiction is required", status=422
        )
    if role == Role.auxiliary.value and certificate:
        # 协管员 have no penalty power: a certificate would let them co-sign tickets.
        raise ApiError(
            "officer.auxiliary_no_certificate",
            "协管员不持有行政执法证",
            "Auxiliaries hold no enforcement certificate",
            status=422,
        )
    if check_strength:
        validate_password_strength(password)
    if db.session.scalar(select(Officer.id).where(Officer.username == username)) is not None:
        raise Conflict("officer.username_taken", "用户名已存在", "Username already taken")
    officer = Officer(
        username=username,
        name=name,
        role=role,
        jurisdiction_id=jurisdiction_id,
        phone=phone,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
    )
    if certificate:
        if db.session.scalar(select(Certificate.id).where(Certificate.number == certificate["number"])):
            raise Conflict("certificate.number_taken", "执法证号已存在", "Certificate number already registered")
        officer.certificates.append(Certificate(**certificate))
    db.session.add(officer)
    db.session.flush()
    audit.record("officer.created", "officer", str(officer.id), jurisdiction_id=jurisdiction_id,
                 details={"username": username, "role": role, "certificate": (certificate or {}).get("number")})
    commit()
    return officer


def device_label(device_id: str | None, identity: Identity) -> str | None:
    """A device id as this reader may see it: whole for supervisors and admins (they manage
    devices), the last four characters for colleagues — an id read off a shared patrol or a
    photo's custody log once served as a key to another officer's ticket book."""
    if device_id is None or identity.role in ("supervisor", "admin"):
        return device_id
    return "…" + device_id[-4:]


def officer_ids_by_username(usernames: list[str], jurisdiction_id: int | None) -> list[int]:
    """The ids of officers a record names by username, all of them of the sender's street."""
    rows = dict(db.session.execute(select(Officer.username, Officer.id).where(
        Officer.username.in_(usernames), Officer.jurisdiction_id == jurisdiction_id)).all()) if usernames else {}
    unknown = [u for u in usernames if u not in rows]
    if unknown:
        raise ApiError("sync.unknown_officer", f"人员不存在或不属本乡镇（街道）：{'、'.join(unknown)}",
                       f"Unknown officers here: {', '.join(unknown)}", status=422, details={"field": "officers"})
    return [rows[u] for u in usernames]


def valid_certificate(officer: Officer, day: date | None = None) -> Certificate | None:
    day = day or local_today()
    for cert in officer.certificates:
        if cert.is_valid_on(day):
            return cert
    return None


def can_decide_penalties(officer: Officer, domain: str | None = None, day: date | None = None) -> bool:
    """An officer (never an auxiliary) with a valid certificate covering the domain."""
    if officer.role != Role.officer.value:
        return False
    cert = valid_certificate(officer, day)
    if cert is None:
        return False
    return domain is None or domain in (cert.domains or [])


def officers_by_ids(ids: Iterable[int]) -> list[Officer]:
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Officer).where(Officer.id.in_(ids))))


def now() -> datetime:
    return utcnow()
