"""jobs.scenes_duration: the sum of a job's scene durations, kept with every scene change (issue 11)

GET /jobs and the job list compare it with the brief's duration to warn about a drifted total, without
summing scenes per row. The backfill sums each job's scenes once (one decimal; NULL for a job without scenes).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# ROUND(double precision, int) does not exist on Postgres: round a NUMERIC (SQLite accepts the cast too).
BACKFILL = """
UPDATE jobs SET scenes_duration = (
    SELECT ROUND(CAST(SUM(job_scenes.duration) AS NUMERIC), 1) FROM job_scenes WHERE job_scenes.job_id = jobs.id
)
WHERE EXISTS (SELECT 1 FROM job_scenes WHERE job_scenes.job_id = jobs.id)
"""


def upgrade():
    # Plain ALTER TABLE ... ADD COLUMN on both backends: a batch rebuild of `jobs` would drop its tally
    # triggers on SQLite (see 0005) and cascade into every row that references a job.
    op.add_column("jobs", sa.Column("scenes_duration", sa.Float(), nullable=True))
    op.execute(BACKFILL)


def downgrade():
    op.execute("ALTER TABLE jobs DROP COLUMN scenes_duration")
