"""media: video and voice evidence next to photos (kind, container, duration, codecs, probe)

Revision ID: 0030_media_kinds
Revises: 0029_ticket_subjects
"""
from alembic import op
import sqlalchemy as sa


revision = "0030_media_kinds"
down_revision = "0029_ticket_subjects"
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMNs (SQLite's ALTER takes them as they are: no table rebuild); the
    # rows already here are photos
    op.add_column("media", sa.Column("kind", sa.String(length=8), server_default="photo", nullable=False))
    op.add_column("media", sa.Column("container", sa.String(length=16), nullable=True))
    op.add_column("media", sa.Column("duration_s", sa.Float(), nullable=True))
    op.add_column("media", sa.Column("video_codec", sa.String(length=16), nullable=True))
    op.add_column("media", sa.Column("audio_codec", sa.String(length=16), nullable=True))
    op.add_column("media", sa.Column("av", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("media") as batch:
        for column in ("av", "audio_codec", "video_codec", "duration_s", "container", "kind"):
            batch.drop_column(column)
