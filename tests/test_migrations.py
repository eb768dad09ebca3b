"""The one Alembic history builds the models' schema on every backend, with nothing left to autogenerate."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrations_match_the_models(app):
    from storyboard.models import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_blob_chunk_column_is_stored_external_on_postgres(app):
    from sqlalchemy import text

    from storyboard.models import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("storage modes are a Postgres feature")
        storage = db.session.scalar(
            text(
                "SELECT attstorage FROM pg_attribute"
                " WHERE attrelid = 'asset_blob_chunks'::regclass AND attname = 'data'"
            )
        )
    assert storage == "e"
