"""cases.refunded_fen: money handed back when a paid decision is voided (by a supervisor)

Revision ID: 0012_case_refunds
Revises: 0011_task_place_and_grid
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_case_refunds"
down_revision = "0011_task_place_and_grid"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("cases", sa.Column("refunded_fen", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    op.drop_column("cases", "refunded_fen")
