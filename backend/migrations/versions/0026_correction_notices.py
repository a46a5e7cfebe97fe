"""inspections.notice_number: the numbered 责令（限期）改正通知书 of a rectification order

Revision ID: 0026_correction_notices
Revises: 0025_subjects
"""
from alembic import op
import sqlalchemy as sa


revision = "0026_correction_notices"
down_revision = "0025_subjects"
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN: rebuilding `inspections` on SQLite would drop its SpatiaLite geometry registration
    op.add_column("inspections", sa.Column("notice_number", sa.String(length=96), nullable=True))


def downgrade():
    op.drop_column("inspections", "notice_number")
