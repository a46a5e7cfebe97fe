"""Who may call what: every API endpoint declares its access rule; default is deny.

`@public` and `@roles(...)` mark the view function; `enforce_access` (a before_request
hook) reads the mark, authenticates the bearer token and checks the role. An API
endpoint without a mark is refused at start-up (`check_all_endpoints_declared`), so a
new endpoint cannot ship unprotected by accident. Jurisdiction scoping (an officer of
street A never reads street B's data) is done by the services with `scope_jurisdiction`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, TypeVar

from flask import Flask, current_app, g, request

from ..errors import Forbidden, Unauthorized
from .models import Device, DeviceSession, Officer, Role

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
ANY_ROLE = tuple(r.value for r in Role)


@dataclass(frozen=True)
class Actor:
    """The calling officer as most services need them — id, role, street — without their row
    (an `Officer` has the same attributes, so a service taking either reads them alike)."""

    id: int
    role: str
    jurisdiction_id: int | None


class Identity:
    """Who is calling, for one request.

    Read with one light statement per request (`auth.service.identity_from_access_token`):
    the ids, the role and the street, which is all most requests need. The officer's, the
    session's and the device's ORM rows load on first use (`identity.officer` …): building
    three ORM rows on every request cost more than the query that serves many of them
    (the register's "near here", docs/benchmarks.md)."""

    __slots__ = ("officer_id", "session_id", "device_pk", "device_id", "role", "jurisdiction_id", "_officer", "_session", "_device")

    def __init__(self, *, officer_id: int, session_id: str, device_pk: int, device_id: str, role: str,
                 jurisdiction_id: int | None) -> None:
        self.officer_id, self.session_id, self.device_pk, self.device_id = officer_id, session_id, device_pk, device_id
        self.role, self.jurisdiction_id = role, jurisdiction_id
        self._officer: Officer | None = None
        self._session: DeviceSession | None = None
        self._device: Device | None = None

    @classmethod
    def of(cls, officer: Officer, session: DeviceSession, device: Device) -> Identity:
        """The identity of rows already loaded (a login, a token refresh)."""
        out = cls(officer_id=officer.id, session_id=session.id, device_pk=device.id, device_id=device.device_id,
                  role=officer.role, jurisdiction_id=officer.jurisdiction_id)
        out._officer, out._session, out._device = officer, session, device
        return out

    def _row(self, model: type, key: Any, slot: str) -> Any:
        from ..extensions import db

        row = getattr(self, slot)
        if row is None:
            row = db.session.get(model, key)
            setattr(self, slot, row)
        return row

    def load(self) -> Identity:
        """The officer's, session's and device's rows in one statement, for a caller that needs
        them all (the officer's profile)."""
        if self._officer is None or self._session is None or self._device is None:
            from ..extensions import db

            self._session, self._officer, self._device = db.session.execute(_rows_statement(), {"sid": self.session_id}).one()
        return self

    @property
    def officer(self) -> Officer:
        return self._row(Officer, self.officer_id, "_officer")

    @property
    def session(self) -> DeviceSession:
        return self._row(DeviceSession, self.session_id, "_session")

    @property
    def device(self) -> Device:
        return self._row(Device, self.device_pk, "_device")

    @property
    def actor(self) -> Actor:
        """The officer's id, role and street, for a service on a hot path (a fix batch a minute)."""
        return Actor(self.officer_id, self.role, self.jurisdiction_id)

    @property
    def is_global_admin(self) -> bool:
        return self.role == Role.admin.value and self.jurisdiction_id is None

    def __repr__(self) -> str:
        return f"<Identity officer={self.officer_id} role={self.role} street={self.jurisdiction_id} device={self.device_id}>"


@lru_cache(maxsize=1)
def _rows_statement() -> Any:
    from sqlalchemy import bindparam, select

    return (select(DeviceSession, Officer, Device).join(Officer, Officer.id == DeviceSession.officer_id)
            .join(Device, Device.id == DeviceSession.device_pk).where(DeviceSession.id == bindparam("sid")))


def public(fn: F) -> F:
    fn._access = PUBLIC  # type: ignore[attr-defined]
    return fn


def roles(*allowed: str) -> Callable[[F], F]:
    unknown = set(allowed) - set(ANY_ROLE)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def mark(fn: F) -> F:
        fn._access = tuple(allowed) or ANY_ROLE  # type: ignore[attr-defined]
        return fn

    return mark


authenticated = roles(*ANY_ROLE)


def releases_before_body(fn: F) -> F:
    """A view that ends the read transaction itself before it reads the request body (the
    media upload: `evidence.service.receive`), so the authentication's transaction runs on
    into its own first lookups instead of a commit and a new transaction in between — two
    round trips fewer on every photo chunk. The view must call `end_read_transaction()`
    before touching the body: a body that trickles in must never hold a pooled connection
    or SQLite's write lock."""
    fn._releases_before_body = True  # type: ignore[attr-defined]
    return fn


def reads_only(fn: F) -> F:
    """A view that only reads (on PostgreSQL it runs outside a transaction, with its
    authentication; on SQLite in a deferred transaction, without the write lock:
    `extensions.read_outside_transaction`; a write there is refused)."""
    fn._reads_only = True  # type: ignore[attr-defined]
    return fn


# flask-smorest's own endpoints: the OpenAPI document and its docs page.
PUBLIC_ENDPOINT_PREFIXES = ("api-docs.",)


def access_rule(app: Flask, endpoint: str) -> str | tuple[str, ...] | None:
    if endpoint.startswith(PUBLIC_ENDPOINT_PREFIXES):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def is_api_endpoint(app: Flask, endpoint: str) -> bool:
    for rule in app.url_map.iter_rules(endpoint):
        if rule.rule.startswith("/api/"):
            return True
    return False


def check_all_endpoints_declared(app: Flask) -> None:
    missing = [
        ep
        for ep in app.view_functions
        if is_api_endpoint(app, ep) and access_rule(app, ep) is None
    ]
    if missing:
        raise RuntimeError(f"API endpoints without an access rule: {sorted(missing)}")


def current_identity() -> Identity:
    identity = g.get("identity")
    if identity is None:  # only reachable if a public view asks for an identity
        raise Unauthorized("auth.required", "需要登录", "Authentication required")
    return identity


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def enforce_access() -> None:
    """before_request: authenticate and authorise API calls."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    endpoint = request.endpoint
    if endpoint is None or not is_api_endpoint(app, endpoint):
        return
    rule = access_rule(app, endpoint)
    if rule == PUBLIC:
        return
    if rule is None:  # belt and braces: check_all_endpoints_declared runs at start-up
        raise Forbidden("forbidden", "无权执行此操作", "No access rule for this endpoint")
    token = _bearer_token()
    if token is None:
        raise Unauthorized(
            "auth.required", "需要登录", "Authentication required", headers={"WWW-Authenticate": "Bearer"}
        )
    from .service import identity_from_access_token

    from ..extensions import end_read_transaction, read_outside_transaction

    view = app.view_functions.get(endpoint)
    reads = getattr(view, "_reads_only", False)
    keeps = reads or getattr(view, "_releases_before_body", False)
    body = bool(request.content_length or request.headers.get("Transfer-Encoding"))
    # PostgreSQL: a lookup whose transaction would end before the view (a body to read) or
    # that the view keeps needs no BEGIN and no COMMIT; any other request reads it in the
    # view's own transaction, as one BEGIN serves both
    outside = read_outside_transaction(reads) if keeps or body else False
    identity = identity_from_access_token(token)
    g.identity = identity
    if not keeps and (outside or body):
        # the view's own transaction from its first statement on; and a body may trickle in
        # for minutes: hold no lock meanwhile
        end_read_transaction()
    if identity.role not in rule:
        raise role_forbidden()


def role_forbidden(**details: Any) -> Forbidden:
    """The one refusal for a role that may not do this (a route, a record kind, a service)."""
    return Forbidden("auth.role_forbidden", "您的角色无权执行此操作", "Your role may not do this", details=details or None)


def other_jurisdiction() -> Forbidden:
    """The one refusal for another street's data."""
    return Forbidden("auth.other_jurisdiction", "无权访问其他乡镇（街道）的数据", "You may not access another jurisdiction's data")


def scope_jurisdiction(identity: Identity, requested: int | None = None) -> int | None:
    """The jurisdiction a request acts on; refuses another street's data.

    Returns None only for a global admin who asked for no particular jurisdiction
    (meaning: all of them).
    """
    if identity.is_global_admin:
        return requested
    if requested is not None and requested != identity.jurisdiction_id:
        raise other_jurisdiction()
    return identity.jurisdiction_id
