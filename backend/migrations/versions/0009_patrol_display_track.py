"""patrols.display_*: the simplified track with times, stored with the summary; patrol_grids.last_at indexed

Revision ID: 0009_patrol_display_track
Revises: 0008_reviews

Existing summaries are marked stale so that the next read rebuilds them with the
display track and the gaps' kinds (summaries are derived data: nothing is lost).
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_patrol_display_track"
down_revision = "0008_reviews"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch mode): rebuilding `patrols` on SQLite would drop its
    # SpatiaLite geometry registration.
    op.add_column("patrols", sa.Column("display_tolerance_m", sa.Float(), nullable=True))
    op.add_column("patrols", sa.Column("display_coordinates", sa.Text(), nullable=True))
    op.add_column("patrols", sa.Column("display_times", sa.Text(), nullable=True))
    op.execute(sa.text("UPDATE patrols SET summary_stale = :t").bindparams(t=True))
    op.create_index("ix_patrol_grids_last_at", "patrol_grids", ["last_at"], unique=False)


def downgrade():
    op.drop_index("ix_patrol_grids_last_at", table_name="patrol_grids")
    for column in ("display_times", "display_coordinates", "display_tolerance_m"):
        op.drop_column("patrols", column)
