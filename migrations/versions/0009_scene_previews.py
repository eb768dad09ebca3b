"""scene_previews: the cached preview frame of each scene (issue 12)

GET /jobs/{id}/scenes/{scene}/preview.jpg draws the frame the render shows at the scene's middle; the JPEG is
kept here with the digest of what it was drawn from, one row per scene, deleted with its scene.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14 00:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scene_previews",
        sa.Column("scene_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scene_id"],
            ["job_scenes.id"],
            name=op.f("fk_scene_previews_scene_id_job_scenes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scene_id", name=op.f("pk_scene_previews")),
    )


def downgrade():
    op.drop_table("scene_previews")
