"""tasks.address (the place in words) and tasks.via_grid (dispatched to a grid)

Revision ID: 0011_task_place_and_grid
Revises: 0010_patrol_grid_visits_index
"""
from alembic import op
import sqlalchemy as sa


revision = "0011_task_place_and_grid"
down_revision = "0010_patrol_grid_visits_index"
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN with server defaults: existing tasks keep working, no table rebuild
    op.add_column("tasks", sa.Column("address", sa.String(length=255), nullable=False, server_default=""))
    op.add_column("tasks", sa.Column("via_grid", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column("tasks", "via_grid")
    op.drop_column("tasks", "address")
