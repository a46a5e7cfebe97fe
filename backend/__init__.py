"""掌上执法 backend: `create_app(config=None)` builds the Flask application."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Mapping

import flask_smorest
from flask import Flask
from flask_smorest import Api
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import BASE_DIR, Config, default_database_url
from .database import (
    engine_options,
    install_idle_ping,
    install_read_only_guard,
    install_sqlite_listeners,
    is_sqlite,
    ping_after_idle_s,
)
from .errors import ErrorSchema, handle_http_exception, register_error_handlers
from .extensions import db, limiter, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


class OneSchemaParser(FlaskParser):
    """webargs' parser, given each view's argument schema as one instance. Handed a schema
    class, webargs builds an instance on every request (`Parser._get_schema`), and building a
    marshmallow schema costs ~0.1 ms — as much as loading a query string with it. Our
    schemas keep no state between loads (no `context`, nothing set on `self`), so one
    instance per view is safe across threads."""

    def use_args(self, argmap: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            argmap = argmap()
        return super().use_args(argmap, *args, **kwargs)


# before any blueprint module is imported: `@blp.arguments` calls the parser when it decorates
flask_smorest.Blueprint.ARGUMENTS_PARSER = OneSchemaParser()


class ProductApi(Api):
    """flask-smorest Api with our one error shape instead of its own."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:  # our handlers are registered by the factory
        pass

    def handle_http_exception(self, error):  # used by flask-smorest internally
        return handle_http_exception(error)



def _load_config(app: Flask, config: type | Mapping[str, Any] | None) -> None:
    app.config.from_object(Config)
    if isinstance(config, type):
        app.config.from_object(config)
    elif config is not None:
        app.config.update(config)


def _resolve_secret_key(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    if key:
        if len(key.encode()) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 bytes (HS256 signing key).")
        return
    if app.config.get("ENV_NAME") == "production":
        raise RuntimeError("SECRET_KEY must be set in the environment (it signs every access token).")
    # Development/demo: a random key kept in instance/ (never in the repository), so tokens
    # survive a restart of `make run`.
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _set_clock(app: Flask) -> None:
    start = app.config.get("CLOCK_START")
    if not start:
        return
    if app.config.get("ENV_NAME") == "production":
        raise RuntimeError("CLOCK_START is for tests: a production server keeps the real time.")
    from .clock import parse_instant, set_clock

    set_clock(parse_instant(start))


MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class App(Flask):
    """One transaction boundary per request: a mutating API request is a unit of work.
    Services flush (`extensions.commit()` flushes inside a unit of work); the request
    commits once, after the view succeeded — an error anywhere rolls all of it back, so
    a refused request changes nothing. Writes that must outlive a refusal (a failed
    login's audit entry) or a long body (resumable uploads) commit explicitly."""

    def dispatch_request(self) -> Any:  # type: ignore[override]
        from flask import g, request

        unit = request.method in MUTATING and request.path.startswith("/api/")
        g.unit_of_work = unit
        response = self.make_response(super().dispatch_request())
        if unit:
            g.unit_of_work = False
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        return response


def create_app(config: type | Mapping[str, Any] | None = None) -> Flask:
    app = App(__name__, instance_path=str(BASE_DIR / "instance"), instance_relative_config=False)
    _load_config(app, config)
    app.json.ensure_ascii = False  # Chinese stays readable (and ~40 % smaller) on the wire
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _resolve_secret_key(app)
    _set_clock(app)

    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL") or default_database_url(
        Path(app.instance_path)
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = engine_options(url, app.config)
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("MEDIA_ROOT"):
        app.config["MEDIA_ROOT"] = str(Path(app.instance_path) / "media")
    if app.config.get("MAP_TILE_CRS", "wgs84") not in ("wgs84", "gcj02"):
        # a wrong frame draws every track ~500 m off on the base map: refuse to start instead
        raise RuntimeError("MAP_TILE_CRS must be 'wgs84' (e.g. Tianditu) or 'gcj02' (e.g. AMap).")
    from PIL import Image

    # Pillow's own bomb guard at our limit (it raises at twice this, warns at once)
    Image.MAX_IMAGE_PIXELS = app.config["MEDIA_MAX_PIXELS"]

    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)  # type: ignore[method-assign]

    db.init_app(app)
    with app.app_context():
        if is_sqlite(url):
            install_sqlite_listeners(db.engine, app.config)
        else:
            install_idle_ping(db.engine, ping_after_idle_s(app.config))
        install_read_only_guard(db.engine)  # both engines: a @reads_only view's connection
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    limiter.init_app(app)

    api = ProductApi()
    api.init_app(
        app,
        spec_kwargs={
            "info": {"description": "掌上执法 — field enforcement API. Errors: `{code, message: {zh-CN, en}, details}`."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    _register_blueprints(app, api)
    from .sync.openapi import document_record_kinds

    document_record_kinds(api.spec)
    register_error_handlers(app)
    from .security import install_security_headers

    install_security_headers(app)

    from .auth.access import check_all_endpoints_declared, enforce_access

    app.before_request(enforce_access)
    check_all_endpoints_declared(app)
    from . import replica

    replica.init_app(app)  # after the routes (which roles read the replica) and the access hook (who asks)

    from .cli import register_cli

    register_cli(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to 32-bit: a larger id in a URL is simply not found (404),
    instead of overflowing the database driver (500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)  # our integer keys are int4 on PostgreSQL
        super().__init__(map, *args, **kwargs)


def _register_blueprints(app: Flask, api: Api) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    from . import models  # noqa: F401  (every model registered on the metadata)
    from .auth.views import blp as auth_blp
    from .catalog.views import blp as catalog_blp
    from .evidence.views import blp as evidence_blp
    from .tickets.views import blp as tickets_blp
    from .tickets.views import public_bp as verify_bp
    from .cases.views import blp as cases_blp
    from .cases.views import public_bp as eservice_bp
    from .sync.views import blp as sync_blp
    from .tasks.views import blp as tasks_blp
    from .supervision.views import blp as supervision_blp
    from .reviews.views import blp as reviews_blp
    from .health import blp as health_blp
    from .patrols.schemas import TrackPointSchema
    from .patrols.views import blp as patrols_blp
    from .web import bp as web_bp
    from .basemap.views import blp as basemap_blp
    from .subjects.views import blp as subjects_blp
    from .complaints.views import blp as complaints_blp
    from .complaints.views import public_bp as report_bp
    from .subjects.spot_views import blp as spot_checks_blp
    from .subjects.spot_views import public_bp as spot_checks_public_bp

    for blp in (health_blp, auth_blp, catalog_blp, patrols_blp, evidence_blp, tickets_blp, cases_blp, sync_blp, tasks_blp,
                supervision_blp, reviews_blp, basemap_blp, subjects_blp, spot_checks_blp, complaints_blp):
        api.register_blueprint(blp)
    api.spec.components.schema("TrackPoint", schema=TrackPointSchema)
    app.register_blueprint(verify_bp)
    app.register_blueprint(eservice_bp)
    app.register_blueprint(report_bp)
    app.register_blueprint(spot_checks_public_bp)
    app.register_blueprint(web_bp)
