"""subjects: the register of regulated subjects (监管对象库); inspections name their subject and the visit they follow up

Revision ID: 0025_subjects
Revises: 0024_case_desk
"""
from alembic import op
import sqlalchemy as sa


revision = "0025_subjects"
down_revision = "0024_case_desk"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("initials", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("licences", sa.JSON(), nullable=False),
        sa.Column("risk_class", sa.String(length=8), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("risk_class IN ('low', 'medium', 'high')", name=op.f("ck_subjects_risk_class")),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_subjects_jurisdiction_id_jurisdictions")),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_subjects_grid_id_grids")),
        sa.ForeignKeyConstraint(["merged_into_id"], ["subjects.id"], name=op.f("fk_subjects_merged_into_id_subjects")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officers.id"], name=op.f("fk_subjects_created_by_id_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("jurisdiction_id", "credit_code", name=op.f("uq_subjects_jurisdiction_id")),
    )
    op.create_index(op.f("ix_subjects_jurisdiction_id"), "subjects", ["jurisdiction_id"], unique=False)
    op.create_index(op.f("ix_subjects_grid_id"), "subjects", ["grid_id"], unique=False)
    op.create_index(op.f("ix_subjects_merged_into_id"), "subjects", ["merged_into_id"], unique=False)
    op.create_index(op.f("ix_subjects_updated_at"), "subjects", ["updated_at"], unique=False)
    op.create_index("ix_subjects_street_lat", "subjects", ["jurisdiction_id", "lat"], unique=False)
    # plain ADD COLUMN (no batch rebuild: that would drop the SpatiaLite geometry registration
    # of `inspections`); the references go in the column's DDL on both engines
    if op.get_bind().dialect.name == "sqlite":  # Alembic will not add a constraint there: SQLite's own ADD COLUMN can
        op.execute("ALTER TABLE inspections ADD COLUMN subject_id INTEGER "
                   "CONSTRAINT fk_inspections_subject_id_subjects REFERENCES subjects (id)")
        op.execute("ALTER TABLE inspections ADD COLUMN follow_up_of VARCHAR(36) "
                   "CONSTRAINT fk_inspections_follow_up_of_inspections REFERENCES inspections (id)")
    else:
        op.add_column("inspections", sa.Column("subject_id", sa.Integer(),
                                               sa.ForeignKey("subjects.id", name=op.f("fk_inspections_subject_id_subjects")), nullable=True))
        op.add_column("inspections", sa.Column("follow_up_of", sa.String(length=36),
                                               sa.ForeignKey("inspections.id", name=op.f("fk_inspections_follow_up_of_inspections")),
                                               nullable=True))
    op.create_index(op.f("ix_inspections_subject_id"), "inspections", ["subject_id"], unique=False)
    op.create_index(op.f("ix_inspections_follow_up_of"), "inspections", ["follow_up_of"], unique=False)

def downgrade():
    op.drop_index(op.f("ix_inspections_follow_up_of"), table_name="inspections")
    op.drop_index(op.f("ix_inspections_subject_id"), table_name="inspections")
    if op.get_bind().dialect.name != "sqlite":  # SQLite drops a column with its inline reference
        op.drop_constraint(op.f("fk_inspections_follow_up_of_inspections"), "inspections", type_="foreignkey")
        op.drop_constraint(op.f("fk_inspections_subject_id_subjects"), "inspections", type_="foreignkey")
    op.drop_column("inspections", "follow_up_of")
    op.drop_column("inspections", "subject_id")
    op.drop_index("ix_subjects_street_lat", table_name="subjects")
    op.drop_index(op.f("ix_subjects_updated_at"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_merged_into_id"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_grid_id"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_jurisdiction_id"), table_name="subjects")
    op.drop_table("subjects")
