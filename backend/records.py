"""Record kinds (记录类型): what a phone may send through the sync ledger.

One door per rule: a record kind belongs to its feature, as a REST route does. Each
feature declares its kinds in `<feature>/records.py` with `@record_kind(...)`: the one
strict payload schema, who may send it, what it depends on, and the function that applies
it by calling the same service function its REST route calls (authorization — role,
street, ownership, state — is checked inside that service). `sync/` knows only the
ledger: it looks kinds up here and never holds a feature's rules. Features never import
`sync/`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from marshmallow import Schema, ValidationError

from .errors import ApiError
from .errors import invalid as _invalid

if TYPE_CHECKING:
    from .auth.access import Identity

__all__ = ["Applied", "Waiting", "RecordKind", "record_kind", "kinds", "load_payload", "check_sender", "unknown_kind", "FEATURES"]

# the features that declare record kinds (each has a `records` module)
FEATURES = ("patrols", "tickets", "tasks", "cases")


@dataclass(frozen=True)
class Applied:
    """What a record became: its reference (patrol id, inspection id, ticket number),
    whether it was new, and the photo hashes it cites (it is complete when all are here)."""

    ref: str
    created: bool
    photos: list[str]


Apply = Callable[[str, dict[str, Any], "Identity", datetime], Applied]


@dataclass(frozen=True)
class Waiting:
    """Why an applied record is not complete yet, besides photos (for a decision: the
    second officer's consent). The ledger shows it as the record's `incomplete` code."""

    code: str
    message_zh: str
    message_en: str
    details: dict[str, Any]


# refs of one kind -> those still waiting (one query for many records)
WaitingFor = Callable[[list[str]], dict[str, Waiting]]


@dataclass(frozen=True)
class RecordKind:
    name: str
    schema: Schema  # one instance: building a nested schema per record cost more than loading with it
    apply: Apply
    roles: tuple[str, ...]  # who may send it (the record-kind twin of a route's @roles)
    depends_on: str | None  # a payload field naming another record that must be accepted first
    summary: str
    waiting: WaitingFor | None = None  # what else (besides photos) keeps its records incomplete


_KINDS: dict[str, RecordKind] = {}
_loaded = False


def record_kind(name: str, schema: type[Schema], *, roles: tuple[str, ...], depends_on: str | None = None,
                summary: str = "", waiting: WaitingFor | None = None) -> Callable[[Apply], Apply]:
    """Declare a record kind; the decorated function applies a loaded payload."""
    def register(fn: Apply) -> Apply:
        if name in _KINDS and _KINDS[name].apply is not fn:
            raise RuntimeError(f"record kind {name!r} declared twice")
        _KINDS[name] = RecordKind(name, schema(), fn, tuple(roles), depends_on, summary or (fn.__doc__ or "").strip(), waiting)
        return fn
    return register


def kinds() -> dict[str, RecordKind]:
    """Every declared kind (the features' `records` modules are imported on first use)."""
    global _loaded
    if not _loaded:
        for feature in FEATURES:
            importlib.import_module(f"backend.{feature}.records")
        _loaded = True
    return _KINDS


def load_payload(kind: RecordKind, payload: Any) -> dict[str, Any]:
    """The payload through its kind's strict schema; a refusal names every bad field."""
    try:
        return kind.schema.load(payload)
    except ValidationError as exc:
        raise _invalid("sync.bad_payload", "记录内容有误，请按提示修改", "The record's payload is invalid", fields=exc.messages) from None


def check_sender(kind: RecordKind, identity: "Identity") -> None:
    """A role that may not send this kind is refused, exactly as the REST route would."""
    if identity.role not in kind.roles:
        from .auth.access import role_forbidden

        raise role_forbidden(kind=kind.name, role=identity.role)


def unknown_kind(name: str) -> ApiError:
    return _invalid("sync.unknown_kind", f"不支持的记录类型：{name}", f"Unknown record kind: {name}", field="kind")
