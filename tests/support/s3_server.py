"""A real S3 server process for the s3 store's tests: moto's standalone server on a free loopback port."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BUCKET = "storyboard-test"
# moto accepts any keys; set them so boto3 never looks for the developer's own credentials.
SETTINGS = {"S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class S3Server:
    """`python -m moto.server -H 127.0.0.1 -p N`, with one bucket made once it answers."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, **overrides) -> dict:
        return {**SETTINGS, "S3_ENDPOINT_URL": self.url, "S3_BUCKET_NAME": BUCKET, **overrides}

    def start(self, timeout: float = 30) -> S3Server:
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        with open(self.folder / "moto.log", "ab") as log:
            self.proc = subprocess.Popen(command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"moto's server did not start on port {self.port}; see {self.folder}/moto.log")
            time.sleep(0.1)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One moto server per test session with the test bucket; skipped, with the reason, when moto can't start."""
    if importlib.util.find_spec("moto") is None:
        pytest.skip("moto[server] is not installed (requirements-dev.txt)")
    server = S3Server(tmp_path_factory.mktemp("moto"))
    try:
        server.start()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    from storyboard.storage.s3 import make_client

    make_client(server.settings()).create_bucket(Bucket=BUCKET)
    yield server
    server.stop()


def app_on_s3(app, server: S3Server, *, write: bool = True, **overrides):
    """Yield `app` able to reach `server` (a key prefix of its own) and, with `write`, storing new blobs there
    (BLOB_STORAGE_TYPE=s3); then its own settings and store again."""
    import uuid

    settings = server.settings(S3_PREFIX=f"app-{uuid.uuid4().hex[:8]}/", **overrides)
    if write:
        settings["BLOB_STORAGE_TYPE"] = "s3"
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    for built in ("storyboard_blob_store", "storyboard_blob_stores"):
        app.extensions.pop(built, None)
    yield app
    app.config.update(saved)
    for built in ("storyboard_blob_store", "storyboard_blob_stores"):
        app.extensions.pop(built, None)
