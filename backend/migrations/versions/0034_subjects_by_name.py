"""subjects: an index on (jurisdiction_id, name), the register's lookup of a named subject

`subjects.Resolver` reads a batch's candidates by name within the street. With only the
street's indexes that read every subject of the street: ~1.5 ms a sync body at 10,000
subjects, growing with the register (bench/sync_inspections, docs/benchmarks.md).

Revision ID: 0034_subjects_by_name
Revises: 0033_fix_partitions
"""
from alembic import op

revision = "0034_subjects_by_name"
down_revision = "0033_fix_partitions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_subjects_street_name", "subjects", ["jurisdiction_id", "name"], unique=False)


def downgrade():
    op.drop_index("ix_subjects_street_name", table_name="subjects")
