"""payments: the hand-in of cash taken on the spot (§71); cases: deferral and instalments
(§66); tickets: the party's request to pay on the spot (§69)

Revision ID: 0020_cash_and_payment_plans
Revises: 0019_ticket_no_penalty
"""
from alembic import op
import sqlalchemy as sa


revision = "0020_cash_and_payment_plans"
down_revision = "0019_ticket_no_penalty"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("hand_in_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("handed_in_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("hand_in_receipt", sa.String(length=64), nullable=False, server_default=""))
    op.add_column("cases", sa.Column("payment_plan", sa.JSON(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("cash_requested", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("cash_requested")
    op.execute("ALTER TABLE cases DROP COLUMN payment_plan")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("hand_in_receipt")
        batch.drop_column("handed_in_on")
        batch.drop_column("hand_in_due")
