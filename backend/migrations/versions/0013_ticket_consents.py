"""ticket_consents: the second officer's consent to a decision (ticket_cosign);
tickets.consent_digest; device_sessions.public_key and key_id (offline consent check)

Revision ID: 0013_ticket_consents
Revises: 0012_case_refunds
"""
from alembic import op
import sqlalchemy as sa


revision = "0013_ticket_consents"
down_revision = "0012_case_refunds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("signature", sa.String(length=128), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["number"], ["ticket_numbers.number"], name=op.f("fk_ticket_consents_number_ticket_numbers")),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_ticket_consents_officer_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_consents")),
        sa.UniqueConstraint("number", "officer_id", name="uq_ticket_consents_number_officer"),
    )
    op.create_index(op.f("ix_ticket_consents_number"), "ticket_consents", ["number"], unique=False)
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("consent_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("device_sessions") as batch:
        batch.add_column(sa.Column("public_key", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("device_sessions") as batch:
        batch.drop_column("key_id")
        batch.drop_column("public_key")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("consent_digest")
    op.drop_index(op.f("ix_ticket_consents_number"), table_name="ticket_consents")
    op.drop_table("ticket_consents")
