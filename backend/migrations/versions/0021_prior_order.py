"""matters: the order to correct that a fine presupposes (逾期不改正 / 拒不改正); tickets: that order

Revision ID: 0021_prior_order
Revises: 0020_cash_and_payment_plans
"""
from alembic import op
import sqlalchemy as sa


revision = "0021_prior_order"
down_revision = "0020_cash_and_payment_plans"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("precondition", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("prior_order", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("prior_order")
    with op.batch_alter_table("matters") as batch:
        batch.drop_column("precondition")
