"""job_scenes.on_screen_text and jobs.audio (issue 12)

A scene's on-screen text is the headline or super its frame shows, kept apart from the description (the crew's
notes, which never appear in a frame); existing scenes get "". jobs.audio keeps what a completed render's
soundtrack carries (voice engine and language, music, or why there is no voice); NULL until a render completes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN on both backends (as in 0007): a batch rebuild of `jobs` would drop its
    # tally triggers on SQLite. The server default fills the rows that exist, so NOT NULL holds at once.
    op.add_column("job_scenes", sa.Column("on_screen_text", sa.Text(), nullable=False, server_default=""))
    op.add_column("jobs", sa.Column("audio", sa.JSON(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE jobs DROP COLUMN audio")
    op.execute("ALTER TABLE job_scenes DROP COLUMN on_screen_text")
