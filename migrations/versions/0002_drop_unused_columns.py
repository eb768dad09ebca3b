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


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("is_admin")
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.drop_column("response")


def downgrade():
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.add_column(sa.Column("response", sa.JSON(), nullable=True))
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
