"""Postgres blob bytes in fixed-size chunks (asset_blob_chunks) instead of one asset_blobs.data BYTEA

Existing asset_blobs.data values move into 256 KiB chunks (the postgres store's CHUNK_BYTES), then the column
goes. The table exists on both backends (the models are one schema); only the postgres store fills it, so on
SQLite, where the store is the filesystem and `data` was never written, nothing moves.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# storage/postgres.py CHUNK_BYTES at the time of this revision (a literal: migrations never import the app).
CHUNK_BYTES = 256 * 1024

MOVE_TO_CHUNKS = f"""
INSERT INTO asset_blob_chunks (blob_id, seq, data)
SELECT b.id, s.seq, substring(b.data FROM s.seq * {CHUNK_BYTES} + 1 FOR {CHUNK_BYTES})
FROM asset_blobs AS b
CROSS JOIN LATERAL generate_series(0, (octet_length(b.data) - 1) / {CHUNK_BYTES}) AS s(seq)
WHERE b.data IS NOT NULL AND octet_length(b.data) > 0
"""

BACK_FROM_CHUNKS = """
UPDATE asset_blobs AS b
SET data = coalesce(
    (SELECT string_agg(c.data, ''::bytea ORDER BY c.seq) FROM asset_blob_chunks AS c WHERE c.blob_id = b.id),
    CASE WHEN b.size_bytes = 0 THEN ''::bytea END
)
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table(
        "asset_blob_chunks",
        sa.Column("blob_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"],
            ["asset_blobs.id"],
            name=op.f("fk_asset_blob_chunks_blob_id_asset_blobs"),
            ondelete="CASCADE",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("blob_id", "seq", name=op.f("pk_asset_blob_chunks")),
    )
    if _postgres():
        op.execute("ALTER TABLE asset_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")
        op.execute(MOVE_TO_CHUNKS)
        op.drop_column("asset_blobs", "data")
    else:
        # SQLite >= 3.35 drops a plain column in place (a batch copy of asset_blobs would trip the foreign keys
        # of the tables that reference it).
        op.execute("ALTER TABLE asset_blobs DROP COLUMN data")


def downgrade():
    if _postgres():
        op.add_column("asset_blobs", sa.Column("data", sa.LargeBinary(), nullable=True))
        op.execute("ALTER TABLE asset_blobs ALTER COLUMN data SET STORAGE EXTERNAL")
        op.execute(BACK_FROM_CHUNKS)
    else:
        op.execute("ALTER TABLE asset_blobs ADD COLUMN data BLOB")
    op.drop_table("asset_blob_chunks")
