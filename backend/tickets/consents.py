"""The second officer's consent to a decision (两人执法, 行政处罚法 §42).

A decision names two certified officers. The one who issues it sends the `ticket`
record; every other named officer consents to **this** decision from their own
authenticated session (their phone, or their own PIN-unlocked session on a shared phone)
with a `ticket_cosign` record `{number, digest}`: `digest` is the SHA-256 of the ticket's
payload as the phone sent it (`consent_digest`). Until every consent is here the ticket's
sync record is `incomplete` (`ticket.cosign_pending`); a consent from an officer not
named, or to other content, is refused (`ticket.cosign_mismatch`).

Offline, the issuing phone checks the consent before it prints: the co-signer's phone
signs `consent_message(number, digest)` with its session's ECDSA P-256 key (the private
half never leaves that phone) and shows the signature as a QR; the issuing phone verifies
it with the public key the team roster lists for that session. Nothing secret or
crackable is handed to colleagues (the monthly code and its PBKDF2 verifier are gone).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..audit import service as audit
from ..auth.access import Identity, other_jurisdiction, role_forbidden
from ..auth.models import Officer
from ..errors import ApiError
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..models_base import utcnow
from ..records import Waiting
from .models import Ticket, TicketBook, TicketConsent, TicketNumber

# who may be named on a decision may consent to it: a certified officer or supervisor
# (§42: the certificate decides, not the role — rules.valid_certificate)
COSIGN_ROLES = ("officer", "supervisor")


def consent_digest(payload: Any) -> str:
    """The contract's digest of a ticket payload: JSON with sorted keys, separators
    (",", ":"), UTF-8, no ASCII escaping — what the phone computes before it asks."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def consent_message(number: str, digest: str) -> bytes:
    """What a co-signer's session key signs (and the issuing phone verifies offline)."""
    return f"zhangshang-cosign:v1:{number}:{digest}".encode()


def key_id(public_key_b64: str) -> str:
    return hashlib.sha256(public_key_b64.encode()).hexdigest()[:16]


def load_public_key(public_key_b64: str):
    """An ECDSA P-256 public key (SubjectPublicKeyInfo, base64) or a refusal naming the field."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(base64.b64decode(public_key_b64, validate=True))
    except (ValueError, binascii.Error, TypeError):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise _invalid("auth.bad_public_key", "公钥须为 P-256 椭圆曲线公钥（SPKI，Base64）",
                       "public_key must be an ECDSA P-256 key (SPKI, base64)", field="public_key")
    return key


def signature_valid(public_key_b64: str, message: bytes, signature_b64url: str) -> bool:
    """A WebCrypto ECDSA signature (raw r‖s, 64 bytes, base64url) over `message`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        raw = base64.urlsafe_b64decode(signature_b64url + "=" * (-len(signature_b64url) % 4))
    except (ValueError, binascii.Error):
        return False
    if len(raw) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        load_public_key(public_key_b64).verify(der, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ApiError):
        return False
    return True


def _mismatch(zh: str, en: str, field: str) -> ApiError:
    # not a named co-signer: a question of who (403); other content: of what (422)
    return ApiError("ticket.cosign_mismatch", zh, en, status=403 if field == "number" else 422, details={"field": field})


def issuer_id(ticket: Ticket) -> int:
    """The officer who issued the decision: its number's block is theirs (tickets.check_number)."""
    return db.session.get(TicketNumber, ticket.number).book.officer_id


def record_consent(identity: Identity, number: str, digest: str, signed_at: datetime, *, record_id: str | None = None,
                   signature: str | None = None) -> TicketConsent:
    """Store a named officer's consent to the decision under `number`, from their own session."""
    if identity.role not in COSIGN_ROLES:
        raise role_forbidden()
    row = db.session.get(TicketNumber, number)
    if row is None:
        raise _invalid("ticket.not_found", "决定书编号不存在", "Unknown form number", field="number")
    if row.book.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    ticket = db.session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is None:
        # the co-signer's phone synced first: "not yet", the phone sends it again later
        raise _invalid("ticket.cosign_no_decision", "该编号的决定书尚未上传，稍后自动重试",
                       "The decision under this number has not arrived yet; it will be retried", status=409, field="number")
    me = identity.officer_id
    if me not in {o.get("id") for o in ticket.officers or []}:
        raise _mismatch("您不是该决定书载明的执法人员", "You are not an officer named on this decision", "number")
    if me == issuer_id(ticket):
        raise _mismatch("开具人本人无需确认自己的决定书", "The issuing officer does not consent to their own decision", "number")
    if ticket.consent_digest is None or digest != ticket.consent_digest:
        raise _mismatch("确认的内容与上传的决定书不一致", "The consent is for other content than the decision received", "digest")
    if signature is not None:
        key = identity.session.public_key
        if not key or not signature_valid(key, consent_message(number, digest), signature):
            raise _invalid("ticket.cosign_bad_signature", "确认签名无法用本会话的公钥核验",
                           "The consent's signature does not verify with this session's key", field="signature")
    existing = db.session.scalar(select(TicketConsent).where(TicketConsent.number == number, TicketConsent.officer_id == me))
    if existing is not None:
        return existing  # a resend (or both doors): one consent per officer
    consent = TicketConsent(number=number, officer_id=me, digest=digest, session_id=identity.session_id,
                            device_id=identity.device_id, record_id=record_id, signature=signature,
                            signed_at=signed_at, received_at=utcnow())
    db.session.add(consent)
    audit.record("ticket.cosigned", "ticket", number, jurisdiction_id=identity.jurisdiction_id, actor_id=me,
                 device_id=identity.device_id, details={"digest": digest, "signed": signature is not None})
    db.session.flush()
    commit()
    return consent


def pending_cosigners(tickets: list[Ticket]) -> dict[str, list[dict[str, Any]]]:
    """For each decision, the named officers (not its issuer) whose consent is missing.
    Decisions made before consents existed (no digest) and voided ones wait for nobody."""
    live = [t for t in tickets if t.consent_digest and t.status == "issued"]
    if not live:
        return {}
    numbers = [t.number for t in live]
    issuers = dict(db.session.execute(select(TicketNumber.number, TicketBook.officer_id)
                                      .join(TicketBook, TicketBook.id == TicketNumber.book_id)
                                      .where(TicketNumber.number.in_(numbers))).all())
    given: dict[str, dict[int, str]] = {}
    for c in db.session.scalars(select(TicketConsent).where(TicketConsent.number.in_(numbers))):
        given.setdefault(c.number, {})[c.officer_id] = c.digest
    out: dict[str, list[dict[str, Any]]] = {}
    for t in live:
        missing = [o for o in t.officers or []
                   if o.get("id") != issuers.get(t.number) and given.get(t.number, {}).get(o.get("id")) != t.consent_digest]
        if missing:
            out[t.number] = [{"officer_id": o.get("id"), "name": o.get("name")} for o in missing]
    return out


def waiting_for(numbers: list[str]) -> dict[str, Waiting]:
    """The `ticket` record kind's completeness query (sync ledger): decisions still
    waiting for a named officer's consent, since when."""
    if not numbers:
        return {}
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.number.in_(numbers))))
    pending = pending_cosigners(tickets)
    if not pending:
        return {}
    usernames = dict(db.session.execute(select(Officer.id, Officer.username).where(
        Officer.id.in_({p["officer_id"] for ps in pending.values() for p in ps}))).all())
    return {number: Waiting("ticket.cosign_pending", "等待第二名执法人员在其本人账号下确认该决定书",
                            "Waiting for the second officer to consent to this decision from their own session",
                            {"pending": [{**p, "username": usernames.get(p["officer_id"])} for p in ps]})
            for number, ps in pending.items()}


def consents_of(ticket: Ticket) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(TicketConsent).where(TicketConsent.number == ticket.number).order_by(TicketConsent.id))
    return [{"officer_id": c.officer_id, "signed_at": c.signed_at, "received_at": c.received_at,
             "matches": c.digest == ticket.consent_digest, "signed": c.signature is not None} for c in rows]
