"""tickets: the party's document type and birth date (§84), the §30–32 circumstances

Revision ID: 0014_ticket_party_circumstances
Revises: 0013_ticket_consents
"""
from alembic import op
import sqlalchemy as sa


revision = "0014_ticket_party_circumstances"
down_revision = "0013_ticket_consents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("party_id_type", sa.String(length=32), nullable=False, server_default="resident_id"))
        batch.add_column(sa.Column("party_birth_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("circumstances", sa.JSON(), nullable=False, server_default="{}"))


def downgrade():
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("circumstances")
        batch.drop_column("party_birth_date")
        batch.drop_column("party_id_type")
