"""spot checks (双随机、一公开): plans, their draw (inputs, digest, seed) and items, publication

Revision ID: 0027_spot_checks
Revises: 0026_correction_notices
"""
from alembic import op
import sqlalchemy as sa


revision = "0027_spot_checks"
down_revision = "0026_correction_notices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spot_check_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.Column("matter_codes", sa.JSON(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("risk_classes", sa.JSON(), nullable=False),
        sa.Column("grids", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("weighted", sa.Boolean(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("publication_working_days", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("seed_source", sa.String(length=8), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drawn_by_id", sa.Integer(), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=True),
        sa.Column("inputs_digest", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("count >= 1", name=op.f("ck_spot_check_plans_count")),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_spot_check_plans_period")),
        sa.CheckConstraint("seed_source IS NULL OR seed_source IN ('given', 'server')", name=op.f("ck_spot_check_plans_seed_source")),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_spot_check_plans_jurisdiction_id_jurisdictions")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officers.id"], name=op.f("fk_spot_check_plans_created_by_id_officers")),
        sa.ForeignKeyConstraint(["drawn_by_id"], ["officers.id"], name=op.f("fk_spot_check_plans_drawn_by_id_officers")),
        sa.ForeignKeyConstraint(["published_by_id"], ["officers.id"], name=op.f("fk_spot_check_plans_published_by_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_plans")),
    )
    op.create_index(op.f("ix_spot_check_plans_jurisdiction_id"), "spot_check_plans", ["jurisdiction_id"], unique=False)
    op.create_index(op.f("ix_spot_check_plans_published_at"), "spot_check_plans", ["published_at"], unique=False)
    op.create_table(
        "spot_check_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("first_officer_id", sa.Integer(), nullable=False),
        sa.Column("second_officer_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("published_name", sa.String(length=128), nullable=True),
        sa.Column("published_kind", sa.String(length=24), nullable=True),
        sa.Column("published_result", sa.String(length=16), nullable=True),
        sa.Column("published_inspection_id", sa.String(length=36), nullable=True),
        sa.Column("published_inspected_on", sa.Date(), nullable=True),
        sa.Column("published_reinspection_result", sa.String(length=16), nullable=True),
        sa.CheckConstraint("first_officer_id <> second_officer_id", name=op.f("ck_spot_check_items_distinct_pair")),
        sa.ForeignKeyConstraint(["plan_id"], ["spot_check_plans.id"], name=op.f("fk_spot_check_items_plan_id_spot_check_plans")),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_spot_check_items_subject_id_subjects")),
        sa.ForeignKeyConstraint(["first_officer_id"], ["officers.id"], name=op.f("fk_spot_check_items_first_officer_id_officers")),
        sa.ForeignKeyConstraint(["second_officer_id"], ["officers.id"], name=op.f("fk_spot_check_items_second_officer_id_officers")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_spot_check_items_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_items")),
        sa.UniqueConstraint("plan_id", "position", name="uq_spot_check_items_plan_position"),
        sa.UniqueConstraint("plan_id", "subject_id", name="uq_spot_check_items_plan_subject"),
    )
    op.create_index(op.f("ix_spot_check_items_plan_id"), "spot_check_items", ["plan_id"], unique=False)
    op.create_index(op.f("ix_spot_check_items_subject_id"), "spot_check_items", ["subject_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_spot_check_items_subject_id"), table_name="spot_check_items")
    op.drop_index(op.f("ix_spot_check_items_plan_id"), table_name="spot_check_items")
    op.drop_table("spot_check_items")
    op.drop_index(op.f("ix_spot_check_plans_published_at"), table_name="spot_check_plans")
    op.drop_index(op.f("ix_spot_check_plans_jurisdiction_id"), table_name="spot_check_plans")
    op.drop_table("spot_check_plans")
