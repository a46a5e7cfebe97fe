"""matters: a warning and a fine required together, a mandatory other penalty (§51);
tickets: the discretion tier the decision names (§34)

Revision ID: 0018_matter_penalty_forms
Revises: 0017_ticket_violation_time
"""
from alembic import op
import sqlalchemy as sa


revision = "0018_matter_penalty_forms"
down_revision = "0017_ticket_violation_time"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("matters", sa.Column("warning_and_fine", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("matters", sa.Column("other_penalty", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("penalty_tier", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("penalty_tier")
    op.execute("ALTER TABLE matters DROP COLUMN other_penalty")
    op.execute("ALTER TABLE matters DROP COLUMN warning_and_fine")
