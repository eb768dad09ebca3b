"""Private scratch folders named after the process that owns them (`<prefix><host>.<pid>-<random>`), so that a
process that starts, and every sweep, can remove at once those of processes on this host that died (a kill -9, an
OOM kill) instead of leaving them until an age limit passes."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def owner_tag() -> str:
    """This process, as its folders are named."""
    return f"{_host_tag()}.{os.getpid()}"


def make(prefix: str, parent: str | None = None) -> str:
    """A new folder owned by this process; the caller removes it (see `folder` for a managed one)."""
    return tempfile.mkdtemp(prefix=f"{prefix}{owner_tag()}-", dir=parent)


@contextmanager
def folder(prefix: str, parent: str | None = None) -> Iterator[str]:
    """A private folder for one piece of work, removed whatever happens."""
    path = make(prefix, parent)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_dead(parent: str | None, prefix: str) -> int:
    """Remove the folders under `parent` (the system temp folder when None) whose owner was a process on this host
    that no longer runs; returns how many went. Folders of other hosts (a shared disk) are left to their hosts."""
    root, host, removed = Path(parent or tempfile.gettempdir()), _host_tag(), 0
    if not root.is_dir():
        return 0
    for path in root.glob(f"{prefix}*"):
        tag = path.name[len(prefix) :].split("-", 1)[0]
        owner_host, _, pid = tag.partition(".")
        if owner_host != host or not pid.isdigit() or _alive(int(pid)) or not path.is_dir():
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    if removed:
        log.warning("removed %d scratch folders of dead processes in %s", removed, root)
    return removed
