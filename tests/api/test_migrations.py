"""Alembic migrations: up on both engines, spatial indexes, models and migrations agree."""
from __future__ import annotations

from flask_migrate import check, downgrade, upgrade
from sqlalchemy import inspect, text

from backend.extensions import db


def test_migrations_create_every_model_table(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    expected = {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    assert expected <= tables


def test_models_and_migrations_agree(app):
    """`flask db check`: autogenerate finds nothing to add — no model change lacks a migration."""
    with app.app_context():
        check()


def test_spatial_indexes_exist(app):
    with app.app_context():
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                rows = conn.execute(
                    text("SELECT f_table_name, f_geometry_column, spatial_index_enabled FROM geometry_columns")
                ).all()
                assert {(r[0], r[1]) for r in rows if r[2] == 1} >= {("grids", "geom"), ("jurisdictions", "boundary")}
                assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'idx_grids_geom'")).scalar() == 1
            else:
                rows = conn.execute(
                    text("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")
                ).all()
                assert {r[0] for r in rows} >= {"grids", "jurisdictions"}


def test_downgrade_to_base_and_upgrade_again(app, demo):
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names()) & {t.name for t in db.metadata.sorted_tables}
        assert left == set()
        upgrade()
        assert {t.name for t in db.metadata.sorted_tables} <= set(inspect(db.engine).get_table_names())
