"""patrol_grids: one covering index (grid, last visit, first visit, seconds) for coverage; patrols: a partial index of stale summaries

Revision ID: 0010_patrol_grid_visits_index
Revises: 0009_patrol_display_track

Coverage asks, per grid of a street, for its latest visit and the time spent in it in the
period. With this index both come from the index alone (no table rows), per grid; it
replaces the single-column index on grid_id, which is its prefix. Every coverage request
also asks whether a summary of the period is due to be rebuilt: the partial index holds
only those patrols, instead of the street's whole patrol history being read.
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_patrol_grid_visits_index"
down_revision = "0009_patrol_display_track"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_patrol_grids_grid_visits", "patrol_grids", ["grid_id", "last_at", "first_at", "seconds"], unique=False)
    op.drop_index("ix_patrol_grids_grid_id", table_name="patrol_grids")
    op.create_index("ix_patrols_stale_summary", "patrols", ["jurisdiction_id"], unique=False,
                    postgresql_where=sa.text("summary_stale IS TRUE"), sqlite_where=sa.text("summary_stale IS 1"))


def downgrade():
    op.drop_index("ix_patrols_stale_summary", table_name="patrols")
    op.create_index("ix_patrol_grids_grid_id", "patrol_grids", ["grid_id"], unique=False)
    op.drop_index("ix_patrol_grids_grid_visits", table_name="patrol_grids")
