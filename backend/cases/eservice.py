"""电子送达 (§61 ¶2): with the party's consent to an address, a document is served by a
one-time link the handler sends there. Only the token's hash is stored; the party's first
opening is the day of service (the payment period counts from it) and makes the 送达回证."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..audit import service as audit
from ..clock import local_today, now
from ..extensions import db
from .models import Case, ServiceLink


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_link(case: Case, document_id: int, address: str) -> ServiceLink:
    """A new link; its token is on `link.token` for this request only (never stored)."""
    token = secrets.token_urlsafe(24)
    link = ServiceLink(case_id=case.id, document_id=document_id, token_hash=_hash(token), address=address[:128], created_at=now(),
                       expires_at=now() + timedelta(days=current_app.config["ESERVICE_LINK_DAYS"]), opened_count=0)
    db.session.add(link)
    db.session.flush()
    link.token = token  # type: ignore[attr-defined]
    audit.record("case.eservice_sent", "case", str(case.id), jurisdiction_id=case.jurisdiction_id,
                 details={"link": link.id, "document": document_id, "address": address})
    return link


def link_url(token: str) -> str:
    """The link to send: on PUBLIC_BASE_URL, else the host the desk reached the server on."""
    from flask import has_request_context, request

    base = (current_app.config.get("PUBLIC_BASE_URL") or (request.url_root if has_request_context() else "")).rstrip("/")
    return f"{base}/public/service/{token}"


def find(token: str) -> ServiceLink | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(ServiceLink).where(ServiceLink.token_hash == _hash(token)))


def open_link(link: ServiceLink) -> dict[str, Any]:
    """The party opened the link: the first opening serves the document (recorded once, with
    its 送达回证); later openings are counted."""
    from . import general, paperwork

    case = db.session.get(Case, link.case_id)
    link.opened_count += 1
    if link.opened_at is None:
        link.opened_at = now()
        day = local_today()
        doc = link.document
        step = general.record_party_step(case, "service", day, {
            "document_id": doc.id, "document_kind": doc.kind, "document_title": doc.title, "document_number": doc.number,
            "method": "electronic", "address": link.address, "served_on": day.isoformat(), "recipient": case.party_name,
            "note": "当事人通过电子送达链接打开文书", "link_id": link.id})
        step.document = paperwork.make(case, step, "service_receipt", None)
        if doc.kind == "decision":
            general.mark_served(case, day)
        audit.record("case.eservice_opened", "case", str(case.id), jurisdiction_id=case.jurisdiction_id,
                     details={"link": link.id, "document": doc.number, "receipt": step.document.number})
    return {"title": link.document.title, "number": link.document.number, "opened_at": link.opened_at}
