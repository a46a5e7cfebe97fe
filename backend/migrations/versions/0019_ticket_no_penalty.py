"""tickets: the ground of a decision not to punish (§33) and the party's correction

Revision ID: 0019_ticket_no_penalty
Revises: 0018_matter_penalty_forms
"""
from alembic import op
import sqlalchemy as sa


revision = "0019_ticket_no_penalty"
down_revision = "0018_matter_penalty_forms"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("no_penalty_ground", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("correction", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("correction")
        batch.drop_column("no_penalty_ground")
