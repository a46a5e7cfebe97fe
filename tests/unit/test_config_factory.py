"""The application factory and configuration from the environment."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from backend import create_app
from backend.config import as_bool, as_int
from backend.database import DatabaseSetupError, engine_options, sqlite_driver
from tests.conftest import ROOT


def _config_in_subprocess(env: dict[str, str], keys: list[str]) -> dict:
    code = (
        "import json; from backend import create_app; a = create_app(); "
        f"print(json.dumps({{k: str(a.config[k]) for k in {keys!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "APP_ENV", "MEDIA_ROOT"}}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_environment_variables_configure_the_app():
    cfg = _config_in_subprocess(
        {
            "DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1:1/none",
            "SECRET_KEY": "k" * 40,
            "MEDIA_ROOT": "/tmp/zs-media",
            "MAX_CONTENT_LENGTH": "12345",
            "ACCESS_TOKEN_TTL": "60",
            "LOGIN_RATE_LIMIT": "3 per minute",
        },
        ["SQLALCHEMY_DATABASE_URI", "MEDIA_ROOT", "MAX_CONTENT_LENGTH", "ACCESS_TOKEN_TTL", "LOGIN_RATE_LIMIT"],
    )
    assert cfg == {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:p@127.0.0.1:1/none",
        "MEDIA_ROOT": "/tmp/zs-media",
        "MAX_CONTENT_LENGTH": "12345",
        "ACCESS_TOKEN_TTL": "60",
        "LOGIN_RATE_LIMIT": "3 per minute",
    }


def test_without_database_url_the_default_is_a_spatialite_file_under_instance():
    cfg = _config_in_subprocess({}, ["SQLALCHEMY_DATABASE_URI", "MEDIA_ROOT"])
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{ROOT / 'instance' / 'zhangshang.db'}"
    assert cfg["MEDIA_ROOT"] == str(ROOT / "instance" / "media")


def test_production_refuses_to_start_without_a_strong_secret_key(tmp_path):
    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "ENV_NAME": "production", "SECRET_KEY": None}
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app(base)
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        create_app({**base, "SECRET_KEY": "short"})
    app = create_app({**base, "SECRET_KEY": "x" * 32})
    assert app.config["SECRET_KEY"] == "x" * 32


def test_config_mapping_overrides_defaults(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'y.db'}", "TESTING": True,
                      "SECRET_KEY": "t" * 32, "ACCESS_TOKEN_TTL": 5})
    assert app.config["ACCESS_TOKEN_TTL"] == 5
    assert app.testing


def test_the_base_maps_frame_is_told_to_the_pwa_and_a_wrong_one_refuses_to_start(tmp_path):
    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "TESTING": True, "SECRET_KEY": "t" * 32}
    amap = create_app({**base, "MAP_TILE_URL": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8",
                       "MAP_TILE_CRS": "gcj02", "MAP_TILE_SUBDOMAINS": "1234"})
    cfg = amap.test_client().get("/app-config.json").get_json()
    assert cfg["map_tile_crs"] == "gcj02" and cfg["map_tile_subdomains"] == "1234" and "autonavi" in cfg["map_tile_url"]
    assert create_app(base).test_client().get("/app-config.json").get_json()["map_tile_crs"] == "wgs84"
    with pytest.raises(RuntimeError, match="MAP_TILE_CRS"):
        create_app({**base, "MAP_TILE_CRS": "bd09"})


def test_every_api_endpoint_must_declare_access(tmp_path, monkeypatch):
    """A view without @public/@roles makes create_app fail, not ship unprotected."""
    from flask_smorest import Blueprint

    import backend

    rogue = Blueprint("rogue", __name__, url_prefix="/api/v1")

    @rogue.route("/rogue")
    def unprotected():
        return {}

    original = backend._register_blueprints

    def with_rogue(app, api):
        original(app, api)
        api.register_blueprint(rogue)

    monkeypatch.setattr(backend, "_register_blueprints", with_rogue)
    with pytest.raises(RuntimeError, match="rogue.unprotected"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'z.db'}", "SECRET_KEY": "s" * 32})


@pytest.mark.parametrize("raw,default,expected", [(None, True, True), ("", False, False), ("1", False, True),
                                                  ("Yes", False, True), ("off", True, False), ("0", True, False)])
def test_as_bool(raw, default, expected):
    assert as_bool(raw, default) is expected


def test_as_int():
    assert as_int(None, 7) == 7 and as_int("", 7) == 7 and as_int("12", 7) == 12
    with pytest.raises(ValueError):
        as_int("twelve", 7)


def test_sqlite_driver_can_load_extensions():
    module = sqlite_driver()
    conn = module.connect(":memory:")
    try:
        assert hasattr(conn, "enable_load_extension")
    finally:
        conn.close()


def test_sqlite_driver_fallback_reports_clearly_when_nothing_can_load_extensions(monkeypatch):
    import importlib

    real = importlib.import_module

    class NoExtConn:
        def close(self):
            pass

    class NoExtModule:
        @staticmethod
        def connect(_):
            return NoExtConn()

    def fake_import(name, *a, **k):
        if name == "pysqlite3.dbapi2":
            raise ImportError("no wheel for this platform")
        if name == "sqlite3":
            return NoExtModule
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    with pytest.raises(DatabaseSetupError, match="pysqlite3-binary"):
        sqlite_driver()


def test_engine_options_per_engine():
    assert "module" in engine_options("sqlite:///x.db", {})
    pg = engine_options("postgresql+psycopg://u@h/d", {})
    # the liveness check is the idle ping's (tests/api/test_faults.py); 0 asks for SQLAlchemy's on every checkout
    assert pg["pool_pre_ping"] is False and "module" not in pg
    assert engine_options("postgresql+psycopg://u@h/d", {"DATABASE_PING_AFTER_IDLE_S": 0})["pool_pre_ping"] is True
