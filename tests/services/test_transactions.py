"""The named transaction helpers: a unit of work commits whole, or rolls back and leaves no bytes behind."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from storyboard.models import Blob, Client, db
from storyboard.services.core.transactions import abandon, end_read, release_for_long_call, unit_of_work
from storyboard.storage import get_store
from tests.support import factories


@pytest.fixture
def owner(ctx):
    user, _key = factories.make_user()
    return user


def _blob_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Blob))


def _stored(work, data: bytes) -> Blob:
    blob, _ = get_store().put_stream(io.BytesIO(data), "application/octet-stream")
    work.discard_blob_on_failure(blob.sha256)
    return blob


def test_a_unit_of_work_commits_rows_and_blobs_together(owner):
    data = os.urandom(4096)
    with unit_of_work() as work:
        blob = _stored(work, data)
        db.session.add(Client(user_id=owner.id, name="Acme", description=""))
    end_read()
    assert _blob_count() == 1 and db.session.scalar(select(func.count()).select_from(Client)) == 1
    assert b"".join(get_store().open_range(blob)) == data


def test_a_failed_unit_of_work_keeps_no_row_and_no_bytes(owner):
    data = os.urandom(4096)
    with pytest.raises(RuntimeError, match="thumbnail step"), unit_of_work() as work:
        blob = _stored(work, data)
        sha = blob.sha256
        db.session.add(Client(user_id=owner.id, name="Acme", description=""))
        raise RuntimeError("thumbnail step failed")
    assert _blob_count() == 0 and db.session.scalar(select(func.count()).select_from(Client)) == 0
    probe = Blob(sha256=sha, size_bytes=len(data), content_type="application/octet-stream")
    assert not get_store().exists(probe)


def test_a_failure_never_removes_bytes_a_committed_row_already_uses(owner):
    data = os.urandom(4096)
    with unit_of_work() as work:
        kept = _stored(work, data)
    with pytest.raises(RuntimeError), unit_of_work() as work:
        _stored(work, data)  # the same content again: deduplicated onto the committed row
        raise RuntimeError("later step failed")
    end_read()
    assert _blob_count() == 1 and b"".join(get_store().open_range(kept)) == data


def test_a_cancelled_unit_of_work_commits_nothing_and_undoes_at_once(owner):
    data = os.urandom(4096)
    with unit_of_work() as work:
        blob = _stored(work, data)
        probe = Blob(sha256=blob.sha256, size_bytes=len(data), content_type=blob.content_type)
        work.cancel()
        assert not get_store().exists(probe)
        db.session.add(Client(user_id=owner.id, name="never committed", description=""))
    abandon()
    assert _blob_count() == 0 and db.session.scalar(select(func.count()).select_from(Client)) == 0


def test_release_for_long_call_keeps_loaded_rows_readable(owner):
    client = factories.make_client(owner, name="Readable")
    client = db.session.get(Client, client.id)
    release_for_long_call()
    assert client.name == "Readable" and client not in db.session
