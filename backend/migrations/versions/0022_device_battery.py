"""device_health.battery: the phone's battery level, shown on the console's live layer

Revision ID: 0022_device_battery
Revises: 0021_prior_order
"""
from alembic import op
import sqlalchemy as sa


revision = "0022_device_battery"
down_revision = "0021_prior_order"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("device_health") as batch:
        batch.add_column(sa.Column("battery", sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table("device_health") as batch:
        batch.drop_column("battery")
