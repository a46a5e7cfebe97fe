"""complaints: residents' reports and departments' referrals (群众举报, 12345, 线索移交), with their photos

Revision ID: 0028_complaints
Revises: 0027_spot_checks
"""
from alembic import op
import sqlalchemy as sa


revision = "0028_complaints"
down_revision = "0027_spot_checks"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("reporter_name", sa.String(length=64), nullable=False),
        sa.Column("reporter_phone", sa.String(length=32), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("triaged_at", TZ, nullable=True),
        sa.Column("triaged_by_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=False),
        sa.Column("rated_at", TZ, nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("status IN ('received', 'dispatched', 'case', 'merged', 'rejected')", name=op.f("ck_complaints_status")),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name=op.f("ck_complaints_rating")),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_complaints_jurisdiction_id_jurisdictions")),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_complaints_grid_id_grids")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_complaints_task_id_tasks")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_complaints_case_id_cases")),
        sa.ForeignKeyConstraint(["merged_into_id"], ["complaints.id"], name=op.f("fk_complaints_merged_into_id_complaints")),
        sa.ForeignKeyConstraint(["triaged_by_id"], ["officers.id"], name=op.f("fk_complaints_triaged_by_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("code", name=op.f("uq_complaints_code")),
    )
    op.create_index(op.f("ix_complaints_jurisdiction_id"), "complaints", ["jurisdiction_id"], unique=False)
    op.create_index(op.f("ix_complaints_external_ref"), "complaints", ["external_ref"], unique=False)
    op.create_index(op.f("ix_complaints_status"), "complaints", ["status"], unique=False)
    op.create_index(op.f("ix_complaints_received_at"), "complaints", ["received_at"], unique=False)
    op.create_table(
        "complaint_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_photos_complaint_id_complaints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_photos")),
    )
    op.create_index(op.f("ix_complaint_photos_sha256"), "complaint_photos", ["sha256"], unique=False)
    op.create_index(op.f("ix_complaint_photos_complaint_id"), "complaint_photos", ["complaint_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_complaint_photos_complaint_id"), table_name="complaint_photos")
    op.drop_index(op.f("ix_complaint_photos_sha256"), table_name="complaint_photos")
    op.drop_table("complaint_photos")
    op.drop_index(op.f("ix_complaints_received_at"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_status"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_external_ref"), table_name="complaints")
    op.drop_index(op.f("ix_complaints_jurisdiction_id"), table_name="complaints")
    op.drop_table("complaints")
