"""The blob store interface: content-addressed bytes plus their `asset_blobs` row."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storyboard.models import Blob, db

CHUNK = 1024 * 1024


class BlobStore(ABC):
    """Stores bytes once per SHA-256. Rows are written in the caller's transaction (not committed)."""

    name = "base"

    def put_stream(self, stream: BinaryIO, content_type: str) -> tuple[Blob, bool]:
        """Store the stream's bytes; return (blob row, created) — created is False for known content."""
        sha, size = self._write(stream)
        existing = db.session.scalar(select(Blob).where(Blob.sha256 == sha))
        if existing is not None:
            self._drop_staged(sha)
            return existing, False
        blob = Blob(sha256=sha, size_bytes=size, content_type=content_type)
        try:
            with db.session.begin_nested():
                db.session.add(blob)
                db.session.flush()
        except IntegrityError:
            # Someone stored the same content concurrently: theirs is as good as ours.
            self._drop_staged(sha)
            return db.session.scalar(select(Blob).where(Blob.sha256 == sha)), False
        self._attach(blob)
        return blob, True

    def put_bytes(self, data: bytes, content_type: str) -> tuple[Blob, bool]:
        import io

        return self.put_stream(io.BytesIO(data), content_type)

    @abstractmethod
    def _write(self, stream: BinaryIO) -> tuple[str, int]:
        """Stage the bytes and return (sha256, size)."""

    def _attach(self, blob: Blob) -> None:
        """Make staged bytes the content of a freshly inserted row (the filesystem store has nothing to do)."""
        return None

    def _drop_staged(self, sha: str) -> None:
        """Forget staged bytes that turned out to be known already (content-addressed files need nothing)."""
        return None

    @abstractmethod
    def open_range(self, blob: Blob, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield bytes start..end (inclusive) in chunks, never the whole blob at once."""

    @abstractmethod
    def delete_content(self, sha: str) -> None:
        """Remove the bytes of a blob whose row is gone."""

    @abstractmethod
    def exists(self, blob: Blob) -> bool: ...

    def discard_uncommitted(self, sha: str) -> None:
        """After a rollback: remove bytes written for a row that never got committed."""
        if db.session.scalar(select(Blob.id).where(Blob.sha256 == sha)) is None:
            self.delete_content(sha)


def hashing_chunks(stream: BinaryIO, sink) -> tuple[str, int]:
    """Copy `stream` to `sink(chunk)` in chunks, returning (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        sink(chunk)
    return digest.hexdigest(), size
