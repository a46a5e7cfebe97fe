"""inspection_amendments: photos and a note an inspection's officer adds afterwards (督查意见 answered)

Revision ID: 0023_inspection_amendments
Revises: 0022_device_battery
"""
from alembic import op
import sqlalchemy as sa



revision = "0023_inspection_amendments"
down_revision = "0022_device_battery"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inspection_amendments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("inspection_id", sa.String(length=36), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"], name=op.f("fk_inspection_amendments_inspection_id_inspections"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_inspection_amendments_officer_id_officers")),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], name=op.f("fk_inspection_amendments_review_id_reviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_amendments")),
    )
    op.create_index(op.f("ix_inspection_amendments_inspection_id"), "inspection_amendments", ["inspection_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_inspection_amendments_inspection_id"), table_name="inspection_amendments")
    op.drop_table("inspection_amendments")
