"""jurisdictions: the 行政主体's name, the reconsideration body and the payment channel
printed on decisions; tickets: the payment notice and the party's statement, frozen

Revision ID: 0015_jurisdiction_paper
Revises: 0014_ticket_party_circumstances
"""
from alembic import op
import sqlalchemy as sa


revision = "0015_jurisdiction_paper"
down_revision = "0014_ticket_party_circumstances"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("jurisdictions", sa.Column("authority_name", sa.String(length=128), nullable=False, server_default=""))
    op.add_column("jurisdictions", sa.Column("reconsideration_body", sa.String(length=128), nullable=False, server_default=""))
    op.add_column("jurisdictions", sa.Column("payment_channel", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("payment_notice", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("statement", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("statement")
        batch.drop_column("payment_notice")
    # a plain DROP COLUMN (SQLite ≥ 3.35 and PostgreSQL): a batch would recreate the table,
    # which every street-bound table references
    for column in ("payment_channel", "reconsideration_body", "authority_name"):
        op.execute(f"ALTER TABLE jurisdictions DROP COLUMN {column}")
