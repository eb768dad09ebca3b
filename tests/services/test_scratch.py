"""Scratch folders carry their owner: those of dead processes on this host go at once, the rest stay."""

from __future__ import annotations

import os
import subprocess
import sys

from storyboard.services import maintenance
from storyboard.services.assets import library
from storyboard.services.core import scratch
from storyboard.services.rendering import run as renders


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_folders_of_dead_processes_on_this_host_are_removed(tmp_path):
    host = scratch.owner_tag().split(".")[0]
    dead = tmp_path / f"ingest-{host}.{_dead_pid()}-abc"
    mine = tmp_path / f"ingest-{scratch.owner_tag()}-def"
    elsewhere = tmp_path / f"ingest-00000000.{_dead_pid()}-ghi"  # another host's, on a shared disk
    unrelated = tmp_path / f"other-{host}.{_dead_pid()}-jkl"
    for folder in (dead, mine, elsewhere, unrelated):
        folder.mkdir()
        (folder / "download").write_bytes(b"partial")
    assert scratch.remove_dead(str(tmp_path), "ingest-") == 1
    assert not dead.exists()
    assert mine.exists() and elsewhere.exists() and unrelated.exists()


def test_a_managed_folder_is_named_after_this_process_and_removed_after_use(tmp_path):
    with scratch.folder("ingest-", str(tmp_path)) as path:
        assert os.path.basename(path).startswith(f"ingest-{scratch.owner_tag()}-")
        assert scratch.remove_dead(str(tmp_path), "ingest-") == 0  # alive: kept
    assert not os.path.exists(path)


def test_the_sweep_removes_dead_downloads_and_renders(app, ctx, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "RENDER_WORK_DIR", str(tmp_path / "renders"))
    host, pid = scratch.owner_tag().split(".")[0], _dead_pid()
    download = os.path.join(library.scratch_parent() or "/tmp", f"{library.SCRATCH_PREFIX}{host}.{pid}-x")
    render = os.path.join(renders.work_root(), f"{renders.WORKDIR_PREFIX}{host}.{pid}-y")
    for folder in (download, render):
        os.makedirs(folder)
    # At least these two: with the Postgres store, downloads use the system temp folder, which other runs share.
    assert maintenance.sweep()["scratch"] >= 2
    assert not os.path.exists(download) and not os.path.exists(render)
