"""tickets: when the act was done, apart from the decision (§36, §37), and serious harm

Revision ID: 0017_ticket_violation_time
Revises: 0016_holiday_notices
"""
from alembic import op
import sqlalchemy as sa


revision = "0017_ticket_violation_time"
down_revision = "0016_holiday_notices"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("violated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("violation_ended_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("serious_harm", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("serious_harm")
        batch.drop_column("violation_ended_at")
        batch.drop_column("violated_at")
