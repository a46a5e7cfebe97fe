"""The register's services: finding a subject, the subject a record names (matched by credit
code, else by the same name and address, else created), search, history and merging."""
from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from typing import Any, Callable, Iterable

from sqlalchemy import bindparam, func, or_, select, text

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
    else a new one. Called by the feature storing the record, in its transaction.

    The batch of one of `Resolver` (one logic for a record and for a sync batch)."""
    resolver = Resolver(jurisdiction_id, [(subject_id, name, address, credit_code)])
    subject = resolver.resolve(subject_id=subject_id, name=name, address=address, credit_code=credit_code, lat=lat, lon=lon,
                               officer_id=officer_id)
    resolver.flush()
    return subject.id


class Resolver:
    """The subjects a batch of records names (a sync batch of inspections), resolved in the
    batch's order exactly as `resolve` would one by one — a subject added for the first
    record is the one the fifth finds — but with the candidates read in at most three
    queries up front, grids located in the cached `catalog.grid_index` (or by the caller's
    `locate(lon, lat)` when it locates the same points anyway), and the new subjects inserted
    by one statement in `flush` (until then a new subject has no id).

    `wanted`: (subject_id, name, address, credit_code) of every record that may be resolved."""

    def __init__(self, jurisdiction_id: int, wanted: Iterable[tuple[int | None, str, str, str | None]],
                 locate: Callable[[float, float], int | None] | None = None) -> None:
        self.jurisdiction_id = jurisdiction_id
        self._locate = locate
        ids: set[int] = set()
        codes: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for subject_id, name, address, code in wanted:
            if subject_id is not None:
                ids.add(subject_id)
                continue
            if code:
                codes.add(code)
            if _norm(name):
                pairs.add((_norm(name), _norm(address)))
        self._picked: dict[int, Subject] = {}
        self._by_code: dict[str, Any] = {}
        self._by_pair: dict[tuple[str, str], list[Any]] = {}
        self._keys: dict[int, tuple[str | None, tuple[str, str] | None]] = {}  # id(subject) -> where it is indexed
        self._order: dict[int, tuple[int, int]] = {}  # id(subject) -> rank among candidates (stored ones by id, then new ones)
        self._new: list[_NewSubject] = []
        by_ids, by_codes, by_names = _candidates()
        if ids:
            self._picked = {s.id: s for s in db.session.scalars(by_ids, {"ids": list(ids)})}
        found: dict[int, Subject] = {}
        if codes:
            found.update((s.id, s) for s in db.session.scalars(by_codes, {"street": jurisdiction_id, "codes": list(codes)}))
        if pairs:
            # by name, then the pair here: a row-value IN list is an OR chain on PostgreSQL (10 ms over 3,000 subjects)
            found.update((s.id, s) for s in db.session.scalars(by_names, {"street": jurisdiction_id, "names": list({n for n, _ in pairs})})
                         if (s.name, s.address) in pairs)
        for s in sorted(found.values(), key=lambda s: s.id):
            self._index(s)

    def _index(self, s: Any) -> None:
        """(Re)index a subject under its current credit code and name and address."""
        code, pair = self._keys.pop(id(s), (None, None))
        if code is not None and self._by_code.get(code) is s:
            del self._by_code[code]
        if pair is not None:
            self._by_pair[pair].remove(s)
        if id(s) not in self._order:
            self._order[id(s)] = (0, s.id) if s.id is not None else (1, len(self._order))
        code = s.credit_code or None
        if code is not None:
            self._by_code[code] = s
        pair = (s.name, s.address or "") if s.merged_into_id is None else None
        if pair is not None:
            same = self._by_pair.setdefault(pair, [])
            same.append(s)
            if len(same) > 1:
                same.sort(key=lambda x: self._order[id(x)])
        self._keys[id(s)] = (code, pair)

    def _grid(self, jurisdiction_id: int, lat: float | None, lon: float | None) -> int | None:
        if lat is None or lon is None:
            return None
        if jurisdiction_id != self.jurisdiction_id:
            return _grid(jurisdiction_id, lat, lon)
        if self._locate is None:
            from ..catalog import service as catalog

            self._locate = catalog.grid_index(self.jurisdiction_id).locate
        return self._locate(lon, lat)

    def resolve(self, *, subject_id: int | None, name: str, address: str = "", credit_code: str | None = None,
                lat: float | None = None, lon: float | None = None, officer_id: int | None = None) -> Any:
        """One record's subject (`resolve`'s rules): a `Subject`, or a new one whose `id` is
        set by `flush`."""
        if subject_id is not None:
            found = self._picked.get(subject_id) or db.session.get(Subject, subject_id)
            if found is None or found.jurisdiction_id != self.jurisdiction_id:
                raise _invalid("subject.not_found", "监管对象不存在", "The subject named is not in this street's register", field="subject")
            return self._touched(_live(found), address, credit_code, lat, lon)
        name, address = _norm(name), _norm(address)
        found = self._by_code.get(credit_code) if credit_code else None
        if found is None and name:
            found = next((s for s in self._by_pair.get((name, address), ())
                          if s.merged_into_id is None and (s.credit_code is None or s.credit_code == (credit_code or ""))), None)
        if found is not None:
            return self._touched(_live(found), address, credit_code, lat, lon)
        subject = _NewSubject(jurisdiction_id=self.jurisdiction_id, credit_code=credit_code or None, name=name, initials=_initials(name),
                              address=address, kind=_kind_of(credit_code), lat=lat, lon=lon,
                              grid_id=self._grid(self.jurisdiction_id, lat, lon), created_by_id=officer_id, updated_at=utcnow())
        self._new.append(subject)
        self._index(subject)
        return subject

    def _touched(self, subject: Any, address: str, credit_code: str | None, lat: float | None, lon: float | None) -> Any:
        _touch(subject, address, credit_code, lat, lon, grid_of=self._grid)
        self._index(subject)
        return subject

    def flush(self) -> None:
        """Insert the new subjects, in one statement, and give them their ids (what visits
        added to stored subjects is written with the session's next flush)."""
        if not self._new:
            return
        table = Subject.__table__
        connection = db.session.connection()
        columns = [k for k in _NewSubject.__slots__ if k != "id"]
        rows = [{k: getattr(s, k) for k in columns} for s in self._new]
        if connection.dialect.name == "postgresql":
            # the ids first, from the sequence in one round trip: then a plain executemany
            # (pipelined), which PostgreSQL takes faster than one INSERT … RETURNING of 50 rows
            ids = connection.execute(_NEXT_IDS, {"n": len(rows)}).scalars().all()
            for s, row, new_id in zip(self._new, rows, ids):
                s.id = row["id"] = new_id
            connection.execute(table.insert(), rows)
        else:
            # RETURNING's order is not the VALUES' order on every engine (SQLAlchemy would then
            # insert row by row): each id comes back with its row's values, and rows alike in
            # every value are interchangeable
            same = [k for k in columns if k != "updated_at"]
            returned: dict[tuple[Any, ...], list[int]] = {}
            for row in connection.execute(table.insert().returning(table.c.id, *[table.c[k] for k in same]), rows):
                returned.setdefault(tuple(row[1:]), []).append(row[0])
            for s in self._new:
                s.id = returned[tuple(getattr(s, k) for k in same)].pop()
        self._new = []


_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('subjects', 'id')) FROM generate_series(1, :n)")


@lru_cache(maxsize=1)
def _candidates() -> tuple[Any, Any, Any]:
    """A batch's candidate subjects — picked by id, by credit code, by name in the street —
    by statements built once, with bind parameters."""
    street = Subject.jurisdiction_id == bindparam("street")
    return (select(Subject).where(Subject.id.in_(bindparam("ids", expanding=True))),
            select(Subject).where(street, Subject.credit_code.in_(bindparam("codes", expanding=True))),
            select(Subject).where(street, Subject.name.in_(bindparam("names", expanding=True))))


class _NewSubject:
    """A subject a batch adds to the register, until `Resolver.flush` inserts it."""

    __slots__ = ("id", "jurisdiction_id", "credit_code", "name", "initials", "address", "kind", "lat", "lon", "grid_id",
                 "created_by_id", "updated_at", "merged_into_id")

    def __init__(self, **values: Any) -> None:
        self.id = self.merged_into_id = None
        for k, v in values.items():
            setattr(self, k, v)


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


def _touch(subject: Subject, address: str, credit_code: str | None, lat: float | None, lon: float | None,
           grid_of: Callable[[int, float | None, float | None], int | None] | None = None) -> Subject:
    """What a later visit adds that the register lacked (never overwrites what it holds)."""
    changed = False
    if credit_code and not subject.credit_code:
        subject.credit_code, subject.kind, changed = credit_code, _kind_of(credit_code), True
    if address and not subject.address:
        subject.address, changed = _norm(address), True
    if lat is not None and subject.lat is None:
        subject.lat, subject.lon, subject.grid_id, changed = lat, lon, (grid_of or _grid)(subject.jurisdiction_id, lat, lon), True
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
    audit.record("subject.merged", "subject", str(dup.id), jurisdiction_id=dup.jurisdiction_id, actor_id=identity.officer_id,
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
                      address="", kind=_kind_of(code), created_by_id=identity.officer_id, updated_at=utcnow())
    db.session.add(subject)
    db.session.flush()
    _apply(subject, {**{k: v for k, v in fields.items() if k != "name"}, "credit_code": code})
    audit.record("subject.created", "subject", str(subject.id), jurisdiction_id=subject.jurisdiction_id, actor_id=identity.officer_id,
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
    audit.record("subject.updated", "subject", str(subject.id), jurisdiction_id=subject.jurisdiction_id, actor_id=identity.officer_id,
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
