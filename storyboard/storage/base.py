"""The blob store interface: content-addressed bytes plus their `asset_blobs` row."""

from __future__ import annotations

import errno
import hashlib
import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storyboard import errors
from storyboard.models import Blob, db
from storyboard.models.base import new_id

CHUNK = 1024 * 1024
# Called with the sha256 of bytes just written to the store (see BlobStore.put_stream).
Staged = Callable[[str], None] | None


class BlobStore(ABC):
    """Stores bytes once per SHA-256. Rows are written in the caller's transaction (not committed).

    put_stream: the store stages the bytes under a fresh blob id (`_write`), then the row is inserted with that
    id; when the content turns out to be known already (or another transaction inserted it first), the staged
    bytes are dropped (`_drop_staged`) and the existing row is returned.
    """

    name = "base"

    def put_stream(self, stream: BinaryIO, content_type: str, staged: Staged = None) -> tuple[Blob, bool]:
        """Store the stream's bytes; return (blob row, created) — created is False for known content.

        `staged(sha256)` is called as soon as the bytes are in the store, before anything else can fail: a unit
        of work registers its undo there (`UnitOfWork.discard_blob_on_failure`), so bytes never outlive a failed
        row insert."""
        return self._put(lambda blob_id: self._write(stream, blob_id), content_type, staged)

    def put_file(
        self, path: str, content_type: str, sha256: str | None = None, staged: Staged = None
    ) -> tuple[Blob, bool]:
        """Store a local file (left in place for the caller to remove). `sha256`, when the caller hashed the bytes
        as it wrote them, spares a second pass over them (and lets the filesystem store link instead of copy)."""
        return self._put(lambda blob_id: self._write_file(path, blob_id, sha256), content_type, staged)

    def _write_file(self, path: str, blob_id: str, sha256: str | None) -> tuple[str, int]:
        """Stage a local file's bytes; by default as a stream (hashing them again)."""
        with open(path, "rb") as f:
            return self._write(f, blob_id)

    def scratch_parent(self) -> str | None:
        """Where a file about to be stored is best written (the filesystem store links from its own disk); None
        for the system's temp folder."""
        return None

    def _put(self, stage: Callable[[str], tuple[str, int]], content_type: str, staged: Staged) -> tuple[Blob, bool]:
        blob_id = new_id()
        with disk_space_errors():
            sha, size = stage(blob_id)
        if staged is not None:
            staged(sha)
        existing = db.session.scalar(select(Blob).where(Blob.sha256 == sha))
        if existing is not None:
            self._drop_staged(sha, blob_id)
            return existing, False
        blob = Blob(id=blob_id, sha256=sha, size_bytes=size, content_type=content_type, store=self.name)
        try:
            with db.session.begin_nested():
                db.session.add(blob)
                db.session.flush()
        except IntegrityError:
            # Someone stored the same content concurrently: theirs is as good as ours.
            self._drop_staged(sha, blob_id)
            return db.session.scalar(select(Blob).where(Blob.sha256 == sha)), False
        return blob, True

    def put_bytes(self, data: bytes, content_type: str, staged: Staged = None) -> tuple[Blob, bool]:
        return self.put_stream(io.BytesIO(data), content_type, staged)

    @abstractmethod
    def _write(self, stream: BinaryIO, blob_id: str) -> tuple[str, int]:
        """Stage the bytes (for the row `blob_id` about to be inserted) and return (sha256, size)."""

    def _drop_staged(self, sha: str, blob_id: str) -> None:
        """Forget staged bytes that turned out to be known already (content-addressed files need nothing)."""
        return None

    @abstractmethod
    def open_range(self, blob: Blob, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield bytes start..end (inclusive) in chunks of at most 1 MiB, never the whole blob at once."""

    @abstractmethod
    def delete_content(self, sha: str) -> None:
        """Remove the bytes of a blob whose row is gone."""

    @abstractmethod
    def exists(self, blob: Blob) -> bool: ...

    def read_now(self, blob: Blob, start: int, end: int) -> bytes | None:
        """Bytes start..end (inclusive) at once, read in the caller's transaction: for small spans (a thumbnail, one
        Range request), where a second connection and a separate existence check would cost more than the read.
        None when the store lacks them. Stores override this with one read."""
        if not self.exists(blob):
            return None
        return b"".join(self.open_range(blob, start, end))

    def open_file(self, blob: Blob, start: int) -> BinaryIO | None:
        """An open file positioned at `start` that holds the whole blob, for a server to send with sendfile; None
        when this store keeps no files (or lacks this one). The caller closes it."""
        return None

    def check(self, min_free_bytes: int) -> str:
        """For /readyz: "ok", "nearly full" (less than `min_free_bytes` left: reads work, large writes will
        not) or "unavailable" (cannot be written). Stores without a local disk answer "ok"."""
        return "ok"

    def presigned_get(self, blob: Blob, *, content_type: str, disposition: str | None, expires: int) -> str | None:
        """A short-lived URL the client can GET the bytes from directly (with Range), or None: the API serves them."""
        return None

    def write_copy(self, stream: BinaryIO, blob: Blob) -> tuple[str, int]:
        """Write a copy of an existing blob's bytes (read from another store) for its row; returns the (sha256, size)
        of what was written. On the postgres store the chunks belong to the session's transaction."""
        with disk_space_errors():
            return self._write(stream, blob.id)

    def drop_copy(self, blob: Blob) -> None:
        """Remove this store's copy of a blob whose row now names another store (after `flask blobs migrate`)."""
        self.delete_content(blob.sha256)

    def sweep_debris(self, older_than_seconds: float) -> int:
        """Remove what a killed writer left in the store itself (not rows): staged objects, unfinished uploads
        older than `older_than_seconds`; returns how many went. Stores that stage inside a transaction or on a
        scratch folder the sweeper already cleans have none."""
        return 0

    def discard_uncommitted(self, sha: str) -> None:
        """After a rollback: remove bytes written for a row that never got committed."""
        if db.session.scalar(select(Blob.id).where(Blob.sha256 == sha)) is None:
            self.delete_content(sha)


DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


@contextmanager
def disk_space_errors() -> Iterator[None]:
    """A full disk (or quota) while writing blobs or their scratch files answers 507 with a message, not a bare
    500; the caller's unit of work removes what was half written."""
    try:
        yield
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise errors.InsufficientStorage("Insufficient storage: the blob store's disk is full") from exc
        raise


def read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of the stream (a socket or form stream may return short reads)."""
    chunk = stream.read(size)
    if not chunk or len(chunk) == size:
        return chunk
    parts, got = [chunk], len(chunk)
    while got < size and (more := stream.read(size - got)):
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def hashing_chunks(
    stream: BinaryIO, sink: Callable[[bytes], object], size: int = CHUNK, known_sha: str | None = None
) -> tuple[str, int]:
    """Copy `stream` to `sink(chunk)` in chunks of exactly `size` bytes (the last may be shorter), returning
    (sha256, total size); with `known_sha` (the caller hashed these bytes as it wrote them) it is not recomputed."""
    digest, total = (None if known_sha else hashlib.sha256()), 0
    while chunk := read_full(stream, size):
        if digest is not None:
            digest.update(chunk)
        total += len(chunk)
        sink(chunk)
    return (digest.hexdigest() if digest is not None else known_sha), total
