"""Moving blobs between stores (`flask blobs migrate`) and checking them (`flask blobs verify`).

A move copies each blob's bytes into the target store, reads them back and checks their sha256 and size, then
switches the row's `store` in the same transaction that commits a postgres target's chunks. Until that commit
the row names the old store, so readers (`storage.store_for`) never see a half-moved blob and the service keeps
serving throughout. A run that stops (killed, the target unreachable, `limit`) leaves every row either moved
or not: running it again moves the rest. The old copies stay unless asked (`delete_source`), since a reader may
still be streaming one it looked up a moment ago; a later run with `delete_source` also removes the old copies
of blobs an earlier run moved.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select, update

from storyboard import errors
from storyboard.models import Blob, db
from storyboard.services.core.blobs import is_referenced
from storyboard.storage import KINDS, BlobStore, get_store, store_for, store_named

log = logging.getLogger(__name__)

SPAN = 1024 * 1024  # read-back size when verifying: bounded memory for any blob


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks (a store's `open_range`)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._left = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            self._left = next(self._chunks, b"")
            if not self._left:
                return 0
        n = min(len(buffer), len(self._left))
        buffer[:n], self._left = self._left[:n], self._left[n:]
        return n

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


@dataclass
class MoveReport:
    moved: int = 0
    dropped: int = 0  # old copies removed (delete_source)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (blob id, why)
    left: int = 0  # still to move when the run stopped at its limit


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    unreferenced: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched


def _in_store(kind: str):
    """Rows whose bytes live in `kind` (NULL store: the configured one)."""
    if get_store().name == kind:
        return or_(Blob.store == kind, Blob.store.is_(None))
    return Blob.store == kind


def _not_in_store(kind: str):
    """Rows whose bytes live elsewhere (spelled out: SQL's `store != kind` is never true for a NULL store)."""
    if get_store().name == kind:
        return and_(Blob.store.is_not(None), Blob.store != kind)
    return or_(Blob.store.is_(None), Blob.store != kind)


def _digest(store: BlobStore, blob: Blob) -> tuple[str, int] | None:
    """(sha256, size) of the bytes `store` holds for `blob`, read in 1 MiB spans through the session (so a
    postgres store's uncommitted chunks count); None when a span is missing."""
    digest, size, start = hashlib.sha256(), 0, 0
    while start < blob.size_bytes:
        data = store.read_now(blob, start, min(start + SPAN, blob.size_bytes) - 1)
        if data is None:
            return None
        digest.update(data)
        size += len(data)
        if not data:
            break
        start += len(data)
    return digest.hexdigest(), size


def migrate(
    to: str,
    *,
    source: str | None = None,
    delete_source: bool = False,
    limit: int | None = None,
    progress: Callable[[Blob, str], object] | None = None,
) -> MoveReport:
    """Move every blob (or those in `source`) into store `to`; `limit` stops after that many moves."""
    if to not in KINDS or (source is not None and source not in KINDS):
        raise errors.ValidationError(f"A blob store is one of {', '.join(KINDS)}")
    target = store_named(to)
    outside = _in_store(source) if source else _not_in_store(to)
    ids = list(db.session.scalars(select(Blob.id).where(outside).order_by(Blob.created_at, Blob.id)))
    db.session.rollback()
    report = MoveReport()
    for n, blob_id in enumerate(ids):
        if limit is not None and report.moved >= limit:
            report.left = len(ids) - n
            break
        blob = db.session.get(Blob, blob_id)
        if blob is None or (blob.store or get_store().name) == to:
            db.session.rollback()
            continue  # deleted, or moved by another run meanwhile
        problem = _move_one(blob, target, delete_source, report)
        if problem:
            report.failed.append((blob_id, problem))
        if progress is not None:
            progress(blob, problem or "moved")
    if delete_source:
        report.dropped += _drop_old_copies(to)
    return report


def _move_one(blob: Blob, target: BlobStore, delete_source: bool, report: MoveReport) -> str | None:
    """Copy, verify and switch one blob; the reason when it could not be moved (then nothing changed)."""
    source, old = store_for(blob), blob.store
    sha, size, blob_id = blob.sha256, blob.size_bytes, blob.id
    try:
        found = _digest(target, blob) if target.exists(blob) else None
        if found != (sha, size):  # not there yet (or a broken earlier copy): write it
            if not source.exists(blob):
                db.session.rollback()
                return f"its bytes are missing from the {source.name} store"
            with _ChunkReader(source.open_range(blob)) as stream:
                written = target.write_copy(io.BufferedReader(stream, SPAN), blob)
            if written != (sha, size):
                db.session.rollback()
                target.discard_uncommitted(written[0])
                return f"its bytes in the {source.name} store do not match its sha256 and size"
            found = _digest(target, blob)
        if found != (sha, size):
            db.session.rollback()
            target.delete_content(sha)  # the row still names the old store: this copy is nobody's
            return f"its copy in the {target.name} store reads back different bytes"
        was = Blob.store.is_(None) if old is None else Blob.store == old
        switched = db.session.execute(update(Blob).where(and_(Blob.id == blob_id, was)).values(store=target.name))
        if switched.rowcount != 1:
            db.session.rollback()
            target.discard_uncommitted(sha)
            return None  # deleted or moved meanwhile: nothing to do
        db.session.commit()
    except (errors.Unavailable, errors.UpstreamTimeout, errors.InsufficientStorage):
        db.session.rollback()
        raise  # the store is down or full: stop, a later run resumes
    except errors.StoryboardError as exc:
        db.session.rollback()
        return exc.message
    report.moved += 1
    if delete_source:
        moved = db.session.get(Blob, blob_id)
        if moved is not None:
            source.drop_copy(moved)
            db.session.commit()
            report.dropped += 1
    return None


def _drop_old_copies(to: str) -> int:
    """Old copies, in the other stores this app can reach, of blobs now in `to` (left by an earlier run)."""
    dropped = 0
    for kind in KINDS:
        if kind == to:
            continue
        try:
            other = store_named(kind)
        except errors.StoryboardError:
            continue  # not configured here: nothing of ours can be in it
        for blob in db.session.scalars(select(Blob).where(_in_store(to))).all():
            if other.exists(blob):
                other.drop_copy(blob)
                db.session.commit()
                dropped += 1
    db.session.rollback()
    return dropped


def verify(progress: Callable[[Blob, str], object] | None = None) -> VerifyReport:
    """Read every blob back from the store its row names and check its sha256 and size."""
    report = VerifyReport()
    ids = list(db.session.scalars(select(Blob.id).order_by(Blob.created_at, Blob.id)))
    db.session.rollback()
    for blob_id in ids:
        blob = db.session.get(Blob, blob_id)
        if blob is None:
            continue
        report.checked += 1
        store = store_for(blob)
        found = _digest(store, blob) if store.exists(blob) else None
        if found is None:
            report.missing.append(blob_id)
            verdict = f"missing from the {store.name} store"
        elif found != (blob.sha256, blob.size_bytes):
            report.mismatched.append(blob_id)
            verdict = f"does not match its sha256 in the {store.name} store"
        else:
            verdict = "ok"
        if not is_referenced(blob_id):
            report.unreferenced.append(blob_id)
        if progress is not None:
            progress(blob, verdict)
        db.session.rollback()
    return report
