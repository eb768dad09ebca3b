"""Blob bytes through a real gunicorn (the deployment's server): the filesystem store's files go out with sendfile,
small spans of the Postgres store are read within the request, long ones stream; every byte is the right one."""

from __future__ import annotations

import http.client
import io

import pytest

from tests.support.envelope import assert_ok
from tests.support.gunicorn import Gunicorn
from tests.support.media_files import noise_wav

pytestmark = pytest.mark.slow

MIB = 1024 * 1024


# Longer than what a response reads at once (services.core.blobs.READ_NOW_BYTES), not a multiple of any chunk size.
DATA = noise_wav(5 * MIB + 4321)


@pytest.fixture(scope="module")
def gunicorn(app):
    """One gunicorn for the module's tests (each test's rows are its own: the server reads them per request)."""
    server = Gunicorn(app)
    yield server.port
    server.stop()


def _get(port: int, path: str, key: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"X-API-Key": key, **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


@pytest.fixture
def asset(api):
    body = {"file": (io.BytesIO(DATA), "noise.wav"), "type": "audio", "name": "noise"}
    return assert_ok(api.post("/api/v3/assets", data=body, content_type="multipart/form-data"), 201)


@pytest.mark.parametrize(
    "span",
    [
        None,  # the whole blob
        (0, 0),
        (MIB - 3, 2 * MIB + 2),  # one Range request of about a MiB, unaligned
        (123, 4 * MIB),  # longer than a response reads at once: streamed (postgres) or sent (filesystem)
        (len(DATA) - 10, None),  # an open-ended range at the very end
    ],
)
def test_gunicorn_sends_exactly_the_bytes_asked_for(api, asset, gunicorn, span):
    headers = {}
    if span:
        start, end = span
        headers["Range"] = f"bytes={start}-{'' if end is None else end}"
    response, body = _get(gunicorn, asset["url"], api.key, headers)
    if span is None:
        assert response.status == 200 and body == DATA
        return
    start, end = span[0], len(DATA) - 1 if span[1] is None else span[1]
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes {start}-{end}/{len(DATA)}"
    assert int(response.getheader("Content-Length")) == end - start + 1
    assert body == DATA[start : end + 1]


def test_keep_alive_requests_after_a_sent_file_stay_in_step(api, asset, gunicorn):
    """After a file went out with sendfile, the next request on the same connection reads its own answer."""
    conn = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=60)
    for start in (0, 7, MIB + 1, 3 * MIB):
        conn.request("GET", asset["url"], headers={"X-API-Key": api.key, "Range": f"bytes={start}-{start + MIB}"})
        response = conn.getresponse()
        assert response.status == 206 and response.read() == DATA[start : start + MIB + 1]
    conn.request("GET", "/api/v3/assets/" + asset["id"], headers={"X-API-Key": api.key})
    response = conn.getresponse()
    assert response.status == 200 and asset["id"].encode() in response.read()
    conn.close()


def test_another_users_blob_is_404_through_gunicorn(app, asset, gunicorn, other):
    response, body = _get(gunicorn, asset["url"], other.key, {"Range": "bytes=0-10"})
    assert response.status == 404 and b"Asset not found" in body
