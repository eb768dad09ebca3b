"""Job list indexes: one per list filter, each ending in the list's order

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:30:00

"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_jobs_user_client_created": ["user_id", "client_id", "created_at"],
    "ix_jobs_user_client_status_created": ["user_id", "client_id", "status", "created_at"],
    "ix_jobs_user_campaign_created": ["user_id", "campaign_id", "created_at"],
    "ix_jobs_user_status_created": ["user_id", "status", "created_at"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "jobs", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="jobs")
