"""complaints name the register's subject (一户一档); a task names the rectification order it re-inspects

`complaints.subject_id`: the subject a report is about, named by the supervisor at triage or
later. `tasks.reinspection_of`: the 责令整改 inspection a 派遣复查 task re-inspects, with a
partial unique index so that one order has at most one task in hand (not closed).

Revision ID: 0032_complaint_subjects_tasks
Revises: 0030_media_kinds
"""
from alembic import op
import sqlalchemy as sa


revision = "0032_complaint_subjects_tasks"  # ≤ 32 characters: alembic_version.version_num
down_revision = "0030_media_kinds"
branch_labels = None
depends_on = None

OPEN_REINSPECTION = "reinspection_of IS NOT NULL AND status <> 'closed'"


def upgrade():
    # plain ADD COLUMN with the reference in the column's DDL, as 0025 and 0029 did (no batch
    # rebuild; SQLite's ALTER cannot add a constraint otherwise)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE complaints ADD COLUMN subject_id INTEGER "
                   "CONSTRAINT fk_complaints_subject_id_subjects REFERENCES subjects (id)")
        op.execute("ALTER TABLE tasks ADD COLUMN reinspection_of VARCHAR(36) "
                   "CONSTRAINT fk_tasks_reinspection_of_inspections REFERENCES inspections (id)")
    else:
        op.add_column("complaints", sa.Column("subject_id", sa.Integer(),
                                              sa.ForeignKey("subjects.id", name=op.f("fk_complaints_subject_id_subjects")), nullable=True))
        op.add_column("tasks", sa.Column("reinspection_of", sa.String(length=36),
                                         sa.ForeignKey("inspections.id", name=op.f("fk_tasks_reinspection_of_inspections")),
                                         nullable=True))
    op.create_index(op.f("ix_complaints_subject_id"), "complaints", ["subject_id"], unique=False)
    op.create_index(op.f("ix_tasks_reinspection_of"), "tasks", ["reinspection_of"], unique=False)
    op.create_index("uq_tasks_open_reinspection", "tasks", ["reinspection_of"], unique=True,
                    postgresql_where=sa.text(OPEN_REINSPECTION), sqlite_where=sa.text(OPEN_REINSPECTION))


def downgrade():
    op.drop_index("uq_tasks_open_reinspection", table_name="tasks")
    op.drop_index(op.f("ix_tasks_reinspection_of"), table_name="tasks")
    op.drop_index(op.f("ix_complaints_subject_id"), table_name="complaints")
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops a column with its inline reference
        op.drop_constraint(op.f("fk_tasks_reinspection_of_inspections"), "tasks", type_="foreignkey")
        op.drop_constraint(op.f("fk_complaints_subject_id_subjects"), "complaints", type_="foreignkey")
    op.drop_column("tasks", "reinspection_of")
    op.drop_column("complaints", "subject_id")
