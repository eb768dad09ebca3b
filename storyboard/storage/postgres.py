"""Blobs inside Postgres: `asset_blobs.data` BYTEA, written and read in slices.

Chunks are staged in a temporary table and assembled by the server in one statement, so neither
this process nor the write path holds a whole 100 MB value; reads use substring() on a column
stored EXTERNAL (uncompressed, out of line), so a range touches only the TOAST chunks it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy import text

from storyboard.models import Blob, db
from storyboard.storage.base import CHUNK, BlobStore, hashing_chunks

STAGE = "blob_stage"


class PostgresStore(BlobStore):
    name = "postgres"

    def _write(self, stream: BinaryIO) -> tuple[str, int]:
        session = db.session
        session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (seq int, data bytea)"))
        session.execute(text(f"TRUNCATE {STAGE}"))
        seq = iter(range(1 << 30))

        def sink(chunk: bytes) -> None:
            session.execute(text(f"INSERT INTO {STAGE} (seq, data) VALUES (:s, :d)"), {"s": next(seq), "d": chunk})

        return hashing_chunks(stream, sink)

    def _attach(self, blob: Blob) -> None:
        db.session.execute(
            text(
                f"UPDATE asset_blobs SET data = (SELECT coalesce(string_agg(data, ''::bytea ORDER BY seq),"
                f" ''::bytea) FROM {STAGE}) WHERE id = :id"
            ),
            {"id": blob.id},
        )
        self._drop_staged(blob.sha256)

    def _drop_staged(self, sha: str) -> None:
        db.session.execute(text(f"TRUNCATE {STAGE}"))

    def open_range(self, blob: Blob, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        last = blob.size_bytes - 1 if end is None else end
        position = start
        while position <= last:
            length = min(CHUNK, last - position + 1)
            # substring() is 1-based.
            chunk = db.session.scalar(
                text("SELECT substring(data FROM :p FOR :n) FROM asset_blobs WHERE id = :id"),
                {"p": position + 1, "n": length, "id": blob.id},
            )
            if not chunk:
                return
            position += len(chunk)
            yield bytes(chunk)

    def delete_content(self, sha: str) -> None:
        """The bytes live in the row, so deleting the row deleted them."""

    def exists(self, blob: Blob) -> bool:
        return bool(db.session.scalar(text("SELECT data IS NOT NULL FROM asset_blobs WHERE id = :id"), {"id": blob.id}))
