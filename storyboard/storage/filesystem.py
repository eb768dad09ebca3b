"""Blobs as files in a content-addressed directory: <root>/<sha[:2]>/<sha[2:4]>/<sha>."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from storyboard.models import Blob
from storyboard.storage.base import CHUNK, BlobStore, hashing_chunks


class FilesystemStore(BlobStore):
    name = "filesystem"

    def __init__(self, root: str):
        self.root = Path(root)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def _write(self, stream: BinaryIO, blob_id: str) -> tuple[str, int]:
        # Write to a temp name and rename, so a crash never leaves a half blob under a real name.
        fd, tmp = tempfile.mkstemp(dir=self.root / "tmp", prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                sha, size = hashing_chunks(stream, out.write)
                out.flush()
                os.fsync(out.fileno())
            final = self.path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return sha, size

    def open_range(self, blob: Blob, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        last = blob.size_bytes - 1 if end is None else end
        with open(self.path(blob.sha256), "rb") as f:
            f.seek(start)
            remaining = last - start + 1
            while remaining > 0 and (chunk := f.read(min(CHUNK, remaining))):
                remaining -= len(chunk)
                yield chunk

    def delete_content(self, sha: str) -> None:
        try:
            self.path(sha).unlink()
        except FileNotFoundError:
            pass

    def exists(self, blob: Blob) -> bool:
        return self.path(blob.sha256).is_file()

    def check(self, min_free_bytes: int) -> str:
        try:
            fd, probe = tempfile.mkstemp(dir=self.root / "tmp", prefix="ready-")
            try:
                os.write(fd, b"ok")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe)
            stats = os.statvfs(self.root)
        except OSError:
            return "unavailable"
        return "nearly full" if stats.f_bavail * stats.f_frsize < min_free_bytes else "ok"

    def scratch_parent(self) -> str | None:
        return str(self.root / "tmp")

    def _write_file(self, path: str, blob_id: str, sha256: str | None) -> tuple[str, int]:
        """With the digest known, the file becomes the blob by a hard link (same disk): no copy, no second hash.
        The file is flushed to disk first, as a copied one would be."""
        if sha256 is None:
            return super()._write_file(path, blob_id, None)
        with open(path, "rb") as f:
            os.fsync(f.fileno())
            size = os.fstat(f.fileno()).st_size
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, final)
        except FileExistsError:
            pass  # the same content is stored already
        except OSError:  # another disk (EXDEV) or no hard links here: copy
            return super()._write_file(path, blob_id, None)
        return sha256, size

    def open_file(self, blob: Blob, start: int) -> BinaryIO | None:
        try:
            f = open(self.path(blob.sha256), "rb")  # noqa: SIM115 (the response closes it)
        except FileNotFoundError:
            return None
        if os.fstat(f.fileno()).st_size < blob.size_bytes:  # a truncated file would send less than promised
            f.close()
            return None
        f.seek(start)
        return f

    def read_now(self, blob: Blob, start: int, end: int) -> bytes | None:
        f = self.open_file(blob, start)
        if f is None:
            return None
        with f:
            data = f.read(end - start + 1)
        return data if len(data) == end - start + 1 else None
