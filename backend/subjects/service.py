"""The register's services: finding a subject, the subject a record names (matched by credit
code, else by the same name and address, else created), search, history and merging."""
from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from ..audit import service as audit
from ..auth.access import Identity, other_jurisdiction
from ..errors import Forbidden, NotFound
from ..errors import invalid as _invalid
from ..extensions import db
from ..models_base import utcnow
from .models import Subject

NEAR_M = 300  # "near here" on the phone and in the search


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _initials(name: str) -> str:
    from ..catalog.service import pinyin_initials

    return pinyin_initials(name)[:64]


def _live(subject: Subject) -> Subject:
    """A merged duplicate answers as the subject it was merged into."""
    seen = 0
    while subject.merged_into_id is not None and seen < 10:
        subject = db.session.get(Subject, subject.merged_into_id)
        seen += 1
    return subject


def resolve(jurisdiction_id: int, *, subject_id: int | None, name: str, address: str = "", credit_code: str | None = None,
            lat: float | None = None, lon: float | None = None, officer_id: int | None = None) -> int:
    """The register's subject a record names (an inspection, a decision, a case): the one the
    phone picked, else the one with this credit code, else one of the same name and address,
    else a new one. Called by the feature storing the record, in its transaction."""
    if subject_id is not None:
        found = db.session.get(Subject, subject_id)
        if found is None or found.jurisdiction_id != jurisdiction_id:
            raise _invalid("subject.not_found", "监管对象不存在", "The subject named is not in this street's register", field="subject")
        return _touch(_live(found), address, credit_code, lat, lon).id
    name, address = _norm(name), _norm(address)
    found = None
    if credit_code:
        found = db.session.scalar(select(Subject).where(Subject.jurisdiction_id == jurisdiction_id, Subject.credit_code == credit_code))
    if found is None:
        found = db.session.scalar(select(Subject).where(Subject.jurisdiction_id == jurisdiction_id, Subject.name == name,
                                                        Subject.address == address, Subject.merged_into_id.is_(None),
                                                        or_(Subject.credit_code.is_(None), Subject.credit_code == (credit_code or "")))
                                  .limit(1)) if name else None
    if found is not None:
        return _touch(_live(found), address, credit_code, lat, lon).id
    subject = Subject(jurisdiction_id=jurisdiction_id, credit_code=credit_code or None, name=name, initials=_initials(name),
                      address=address, kind=_kind_of(credit_code), lat=lat, lon=lon, grid_id=_grid(jurisdiction_id, lat, lon),
                      created_by_id=officer_id, updated_at=utcnow())
    db.session.add(subject)
    db.session.flush()
    return subject.id


def known(jurisdiction_id: int, subject_id: int | None, credit_code: str | None) -> Subject | None:
    """The register's subject a record names, without creating one: the one picked (it must be
    this street's), else the one with this credit code; merged duplicates answer as the survivor."""
    if subject_id is not None:
        found = db.session.get(Subject, subject_id)
        if found is None or found.jurisdiction_id != jurisdiction_id:
            raise _invalid("subject.not_found", "监管对象不存在", "The subject named is not in this street's register", field="subject_id")
        return _live(found)
    if credit_code:
        found = db.session.scalar(select(Subject).where(Subject.jurisdiction_id == jurisdiction_id, Subject.credit_code == credit_code.upper()))
        return _live(found) if found is not None else None
    return None


def _kind_of(credit_code: str | None) -> str:
    """个体工商户 carry 92… codes; other codes are companies or organisations; none: a shop."""
    if not credit_code:
        return "shop"
    return "individual_business" if credit_code.startswith("92") else "company"


def _grid(jurisdiction_id: int, lat: float | None, lon: float | None) -> int | None:
    if lat is None or lon is None:
        return None
    from ..catalog import service as catalog

    grid = catalog.grid_at(lon, lat, jurisdiction_id)
    return grid.id if grid else None


def _touch(subject: Subject, address: str, credit_code: str | None, lat: float | None, lon: float | None) -> Subject:
    """What a later visit adds that the register lacked (never overwrites what it holds)."""
    changed = False
    if credit_code and not subject.credit_code:
        subject.credit_code, subject.kind, changed = credit_code, _kind_of(credit_code), True
    if address and not subject.address:
        subject.address, changed = _norm(address), True
    if lat is not None and subject.lat is None:
        subject.lat, subject.lon, subject.grid_id, changed = lat, lon, _grid(subject.jurisdiction_id, lat, lon), True
    if changed:
        subject.updated_at = utcnow()
    return subject


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle metres (haversine): enough to order "near here" within a street."""
    p = math.pi / 180
    a = (math.sin((lat2 - lat1) * p / 2) ** 2
         + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 12_742_000 * math.asin(math.sqrt(a))


def search(jurisdiction_id: int, q: str, *, near: tuple[float, float] | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """By name, pinyin initials, credit code or address; a credit code typed whole comes first,
    then names beginning with the text, then the rest — nearest first when `near` is given.

    Answers the page as `to_dict` gives it, read as plain columns: an officer's search runs at
    every keystroke and every opened form, and building ORM objects only to copy them into
    dicts cost more than the query itself (docs/benchmarks.md, "near here")."""
    q = _norm(q)
    live = (Subject.jurisdiction_id == jurisdiction_id, Subject.merged_into_id.is_(None))
    if not q and near is not None:  # nothing typed: what is around here (a box of about NEAR_M)
        d = NEAR_M / 111_000
        k = math.cos(near[0] * math.pi / 180)
        w = d / max(0.2, k)
        return [_page_dict(r) for r in db.session.connection().execute(_near_statement(), {
            "j": jurisdiction_id, "lat": near[0], "lon": near[1], "k2": k * k, "lat0": near[0] - d, "lat1": near[0] + d,
            "lon0": near[1] - w, "lon1": near[1] + w, "n": limit})]
    query = select(Subject.id, Subject.name, Subject.initials, Subject.credit_code, Subject.lat, Subject.lon).where(*live)
    if q:
        like = f"%{_escape(q)}%"
        query = query.where(or_(Subject.name.ilike(like, escape="\\"), Subject.address.ilike(like, escape="\\"),
                                Subject.initials.like(f"{_escape(q.lower())}%", escape="\\"),
                                Subject.credit_code.like(f"{_escape(q.upper())}%", escape="\\")))
    ql = q.lower()

    def rank(s: Any) -> tuple:
        exact = 0 if q and (s.credit_code or "").upper() == q.upper() else 1
        starts = 0 if q and (s.name.lower().startswith(ql) or (s.initials or "").startswith(ql)) else 1
        far = distance_m(near[0], near[1], s.lat, s.lon) if near and s.lat is not None else math.inf
        return (exact, starts, far, s.name, s.id)

    # rank every match on its light columns, then read the page: the exact code or the nearest
    # subject is never lost behind the first rows by name
    ids = [r.id for r in sorted(db.session.execute(query.limit(5000)).all(), key=rank)[:limit]]
    found = {r.id: _page_dict(r) for r in db.session.execute(select(*_PAGE_COLUMNS).where(Subject.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids]


@lru_cache(maxsize=1)
def _near_statement() -> Any:
    """What is around here: the street's live subjects in a box, ordered by distance in the
    database, the page read in one statement. Built once (it runs at every opened form)."""
    p = {n: bindparam(n) for n in ("lat", "lon", "k2", "lat0", "lat1", "lon0", "lon1")}
    c = Subject.__table__.c
    # the flat-earth distance orders like the great circle over a few hundred metres
    dist2 = (c.lat - p["lat"]) * (c.lat - p["lat"]) + (c.lon - p["lon"]) * (c.lon - p["lon"]) * p["k2"]
    return (select(*_PAGE_COLUMNS)
            .where(c.jurisdiction_id == bindparam("j"), c.merged_into_id.is_(None), c.lat.between(p["lat0"], p["lat1"]),
                   c.lon.between(p["lon0"], p["lon1"]))
            .order_by(dist2, c.name, c.id).limit(bindparam("n")))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get(subject_id: int, identity: Identity) -> Subject:
    subject = db.session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("subject.not_found", "监管对象不存在", "Subject not found")
    if not identity.is_global_admin and subject.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    return subject


def merged_ids(subject: Subject) -> list[int]:
    """The subject and every duplicate merged into it (their records are its history)."""
    ids, frontier = [subject.id], [subject.id]
    while frontier:
        frontier = list(db.session.scalars(select(Subject.id).where(Subject.merged_into_id.in_(frontier))))
        ids += frontier
    return ids


def brief(subject_id: int) -> dict[str, Any] | None:
    """A subject as another feature shows it (a report names it): the register's name for it
    now — a merged duplicate answers as the survivor."""
    found = db.session.get(Subject, subject_id)
    if found is None:
        return None
    found = _live(found)
    return {"id": found.id, "name": found.name, "address": found.address, "credit_code": found.credit_code}


def history(subject: Subject, *, complaints: bool = True) -> dict[str, Any]:
    """一户一档: what the street recorded about this subject, from the features that own it.
    `complaints`: with the residents' reports about it (not for auxiliaries, who do not read
    the street's reports either)."""
    from ..cases import service as cases
    from ..complaints import service as reports
    from ..patrols import inspections
    from ..tickets import service as tickets

    ids = merged_ids(subject)
    visits = inspections.of_subjects(ids)
    codes = [c for c in db.session.scalars(select(Subject.credit_code).where(Subject.id.in_(ids))) if c]
    return {
        "inspections": visits,
        "rectification_orders": [v for v in visits if v["result"] == "rectify"],
        "tickets": tickets.of_parties(codes, ids),
        "cases": cases.of_inspections([v["id"] for v in visits]),
        "complaints": reports.of_subjects(ids) if complaints else [],  # 群众举报, 12345, referrals named at triage
    }


def merge(identity: Identity, duplicate_id: int, into_id: int) -> Subject:
    """A supervisor merges a duplicate into the subject it repeats: the duplicate stays (records
    name it) and answers as the survivor from then on; its credit code moves if the survivor lacks one."""
    if identity.role not in ("supervisor", "admin"):
        raise Forbidden("subject.merge_needs_supervisor", "合并监管对象须由中队长操作", "A supervisor merges subjects")
    dup, into = get(duplicate_id, identity), get(into_id, identity)
    into = _live(into)
    if dup.id == into.id or dup.merged_into_id is not None or dup.jurisdiction_id != into.jurisdiction_id:
        raise _invalid("subject.bad_merge", "不能这样合并", "These subjects cannot be merged", field="into", status=409)
    if dup.credit_code and into.credit_code and dup.credit_code != into.credit_code:
        raise _invalid("subject.codes_differ", "两个对象的统一社会信用代码不同，不是同一对象", "Different credit codes: not the same subject",
                       field="into", status=409)
    code = dup.credit_code
    dup.merged_into_id, dup.credit_code, dup.updated_at = into.id, None, utcnow()
    db.session.flush()  # the code is free before the survivor takes it (unique per street)
    if code and not into.credit_code:
        into.credit_code, into.kind = code, _kind_of(code)
    into.updated_at = utcnow()
    audit.record("subject.merged", "subject", str(dup.id), jurisdiction_id=dup.jurisdiction_id, actor_id=identity.officer.id,
                 details={"into": into.id, "credit_code": code})
    return into


def create(identity: Identity, fields: dict[str, Any]) -> Subject:
    """A supervisor registers a subject by hand (a shop opening, a site starting): the street's
    own; a credit code already in the register is refused, naming the subject that has it."""
    if identity.role not in ("supervisor", "admin"):
        raise Forbidden("subject.edit_needs_supervisor", "修改监管对象须由中队长操作", "A supervisor edits the register")
    from ..auth.access import scope_jurisdiction
    from ..catalog import service as catalog

    fields = dict(fields)
    street = scope_jurisdiction(identity, fields.pop("jurisdiction_id", None))  # a district admin names the street
    if street is None:
        raise _invalid("subject.no_street", "请指定乡镇（街道）：监管对象库按街道登记", "Name the street (jurisdiction_id): the register is kept per street",
                       field="jurisdiction_id")
    try:
        catalog.get_jurisdiction(street)
    except NotFound:
        raise _invalid("subject.no_street", "乡镇（街道）不存在", "No such street", field="jurisdiction_id") from None
    code = (fields.get("credit_code") or "").upper() or None
    _check_code_free(street, code)
    subject = Subject(jurisdiction_id=street, name=_norm(fields["name"]), initials=_initials(fields["name"]),
                      address="", kind=_kind_of(code), created_by_id=identity.officer.id, updated_at=utcnow())
    db.session.add(subject)
    db.session.flush()
    _apply(subject, {**{k: v for k, v in fields.items() if k != "name"}, "credit_code": code})
    audit.record("subject.created", "subject", str(subject.id), jurisdiction_id=subject.jurisdiction_id, actor_id=identity.officer.id,
                 details={"name": subject.name, "credit_code": code})
    return subject


def _check_code_free(jurisdiction_id: int, code: str | None, own_id: int | None = None) -> None:
    if not code:
        return
    taken = db.session.scalar(select(Subject.id).where(Subject.jurisdiction_id == jurisdiction_id, Subject.credit_code == code))
    if taken and taken != own_id:
        raise _invalid("subject.code_taken", "该统一社会信用代码已登记为另一对象，请合并", "Another subject has this credit code: merge them",
                       field="credit_code", status=409, subject_id=taken)


def update(identity: Identity, subject: Subject, changes: dict[str, Any]) -> Subject:
    """A supervisor keeps the register: name, address, kind, licences, risk class, place."""
    if identity.role not in ("supervisor", "admin"):
        raise Forbidden("subject.edit_needs_supervisor", "修改监管对象须由中队长操作", "A supervisor edits the register")
    if changes.get("credit_code") and changes["credit_code"] != subject.credit_code:
        _check_code_free(subject.jurisdiction_id, changes["credit_code"], subject.id)
    _apply(subject, changes)
    audit.record("subject.updated", "subject", str(subject.id), jurisdiction_id=subject.jurisdiction_id, actor_id=identity.officer.id,
                 details={k: v for k, v in changes.items() if k != "licences"})
    return subject


def _apply(subject: Subject, changes: dict[str, Any]) -> None:
    """Register fields as given (licences' dates as ISO text); the initials and the grid follow."""
    if "licences" in changes:  # stored as JSON: dates as ISO text
        changes = {**changes, "licences": [{**x, "valid_until": x["valid_until"].isoformat() if x.get("valid_until") else None}
                                           for x in changes["licences"]]}
    for key, value in changes.items():
        setattr(subject, key, _norm(value) if key in ("name", "address") else value)
    if "name" in changes:
        subject.initials = _initials(subject.name)
    if "lat" in changes or "lon" in changes:
        subject.grid_id = _grid(subject.jurisdiction_id, subject.lat, subject.lon)
    subject.updated_at = utcnow()


def register(jurisdiction_id: int) -> tuple[list[list[Any]], str]:
    """The street's register for the phone's offline search, compact (rows of values), and its
    version (an ETag: it changes when any subject does, or a decision of the street)."""
    from ..tickets.models import Ticket

    count, last = db.session.execute(select(func.count(Subject.id), func.max(Subject.updated_at))
                                     .where(Subject.jurisdiction_id == jurisdiction_id)).one()
    decided = db.session.execute(select(func.count(Ticket.id), func.max(Ticket.received_at), func.max(Ticket.voided_at))
                                 .where(Ticket.jurisdiction_id == jurisdiction_id)).one()
    version = hashlib.sha256(f"{jurisdiction_id}:{count}:{last}:{tuple(decided)}".encode()).hexdigest()[:24]
    rows = db.session.execute(select(Subject.id, Subject.name, Subject.initials, Subject.address, Subject.credit_code, Subject.lat,
                                     Subject.lon, Subject.kind, Subject.risk_class)
                              .where(Subject.jurisdiction_id == jurisdiction_id, Subject.merged_into_id.is_(None))
                              .order_by(Subject.id)).all()
    priors = prior_matters(jurisdiction_id)
    return [[r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6], r[7], r[8], sorted(priors.get(r[0], ()))] for r in rows], version


def prior_matters(jurisdiction_id: int) -> dict[int, set[str]]:
    """Per live subject of the street: the matters it was decided on before (issued decisions,
    首违不罚 included), by the register's link and by its credit code across the district — what
    the phone needs offline to tell an officer that 首违不罚 is not open."""
    from ..tickets.models import Ticket

    live: dict[int, int] = {}
    merged: dict[int, int] = {}
    by_code: dict[str, int] = {}
    for sid, into, code in db.session.execute(select(Subject.id, Subject.merged_into_id, Subject.credit_code)
                                              .where(Subject.jurisdiction_id == jurisdiction_id)):
        if into is None:
            live[sid] = sid
        else:
            merged[sid] = into
        if code:
            by_code[code] = sid
    for sid, into in merged.items():  # a chain of merges ends at a live subject
        seen = 0
        while into in merged and seen < 10:
            into, seen = merged[into], seen + 1
        live[sid] = into
    street = select(Subject.id).where(Subject.jurisdiction_id == jurisdiction_id).scalar_subquery()
    codes = select(Subject.credit_code).where(Subject.jurisdiction_id == jurisdiction_id, Subject.credit_code.is_not(None)).scalar_subquery()
    out: dict[int, set[str]] = {}
    for sid, code, matter in db.session.execute(
            select(Ticket.subject_id, Ticket.party_id_number, Ticket.matter_code).distinct()
            .where(Ticket.status == "issued", or_(Ticket.subject_id.in_(street), Ticket.party_id_number.in_(codes)))):
        for s in {live.get(sid), live.get(by_code.get(code))} - {None}:
            out.setdefault(s, set()).add(matter)
    return out


# what `to_dict` answers, as the table's columns: the search reads its page with these (Core, no ORM)
_PAGE_COLUMNS = tuple(Subject.__table__.c[k] for k in ("id", "name", "initials", "address", "credit_code", "kind", "licences",
                                                          "risk_class", "lat", "lon", "grid_id", "merged_into_id", "created_at",
                                                          "updated_at"))


def _page_dict(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["licences"] = out["licences"] or []
    return out


REGISTER_COLUMNS = ["id", "name", "initials", "address", "credit_code", "lat", "lon", "kind", "risk_class", "priors"]


def to_dict(s: Subject) -> dict[str, Any]:
    """The subject as the API answers it (SubjectSchema); `search` reads the same keys as columns."""
    return {"id": s.id, "name": s.name, "initials": s.initials, "address": s.address, "credit_code": s.credit_code,
            "kind": s.kind, "licences": s.licences or [], "risk_class": s.risk_class, "lat": s.lat, "lon": s.lon,
            "grid_id": s.grid_id, "merged_into_id": s.merged_into_id, "created_at": s.created_at, "updated_at": s.updated_at}
