"""Drop columns nothing reads: users.is_admin (never checked) and idempotency_keys.response (never written)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (("users", "is_admin"), ("idempotency_keys", "response"))


def upgrade():
    # Plain ALTER TABLE ... DROP COLUMN on both backends (SQLite >= 3.35): a batch rebuild would drop and
    # recreate `users`, and with foreign keys on that cascades into every row that references a user.
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade():
    op.add_column("idempotency_keys", sa.Column("response", sa.JSON(), nullable=True))
    op.add_column("users", sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
