"""tickets name the register's subject (监管对象库): prior violations come from the register

Revision ID: 0029_ticket_subjects
Revises: 0028_complaints
"""
from alembic import op
import sqlalchemy as sa


revision = "0029_ticket_subjects"
down_revision = "0028_complaints"
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN with its reference in the DDL, as 0025 did for inspections (a batch
    # rebuild is not needed and SQLite's ALTER cannot add a constraint otherwise)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE tickets ADD COLUMN subject_id INTEGER CONSTRAINT fk_tickets_subject_id_subjects REFERENCES subjects (id)")
    else:
        op.add_column("tickets", sa.Column("subject_id", sa.Integer(),
                                           sa.ForeignKey("subjects.id", name=op.f("fk_tickets_subject_id_subjects")), nullable=True))
    op.create_index(op.f("ix_tickets_subject_id"), "tickets", ["subject_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_tickets_subject_id"), table_name="tickets")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_tickets_subject_id_subjects"), "tickets", type_="foreignkey")
    op.drop_column("tickets", "subject_id")
