"""asset_blobs.store: which blob store holds each blob's bytes (issue 14)

`flask blobs migrate --to KIND` copies bytes between stores while the service keeps serving: reads follow the
row's `store`. NULL (every row written before this revision) means the configured BLOB_STORAGE_TYPE, which is
where those bytes were written.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both backends (no batch rebuild of a table that assets and jobs reference).
    op.add_column("asset_blobs", sa.Column("store", sa.String(length=20), nullable=True))


def downgrade():
    op.execute("ALTER TABLE asset_blobs DROP COLUMN store")
