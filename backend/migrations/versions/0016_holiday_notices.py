"""holiday_notices (the State Council's yearly notices, as data); cases.served_on and
cases.provisional (deadlines counted over a year without its notice)

Revision ID: 0016_holiday_notices
Revises: 0015_jurisdiction_paper
"""
from alembic import op
import sqlalchemy as sa


revision = "0016_holiday_notices"
down_revision = "0015_jurisdiction_paper"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "holiday_notices",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["loaded_by_id"], ["officers.id"], name=op.f("fk_holiday_notices_loaded_by_id_officers")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_holiday_notices")),
    )
    op.add_column("cases", sa.Column("served_on", sa.Date(), nullable=True))
    op.add_column("cases", sa.Column("provisional", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    op.execute("ALTER TABLE cases DROP COLUMN provisional")
    op.execute("ALTER TABLE cases DROP COLUMN served_on")
    op.drop_table("holiday_notices")
