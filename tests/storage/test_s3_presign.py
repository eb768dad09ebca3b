"""S3BlobStore.presigned_get: a URL that a plain HTTP client (requests, no credentials) opens on the real moto
server, whole and by Range, with the type and the RFC 6266 name asked for; signed with SigV4 for the time asked."""

from __future__ import annotations

import io
import os
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from storyboard.api.streaming import content_disposition
from tests.storage.test_s3_store import s3_store

DATA = os.urandom(3 * 1024 * 1024 + 77)


@pytest.fixture
def store(ctx, s3_server):
    return s3_store(s3_server.settings(S3_PREFIX=f"p-{uuid.uuid4().hex[:8]}/"))


def test_a_presigned_url_serves_the_bytes_whole_and_by_range(store):
    blob, _ = store.put_stream(io.BytesIO(DATA), "video/mp4")
    disposition = content_disposition("Spot Été 1.mp4", inline=True)
    url = store.presigned_get(blob, content_type="video/mp4", disposition=disposition, expires=60)
    assert "X-Amz-Signature=" in url
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200 and whole.content == DATA
    assert whole.headers["Content-Type"] == "video/mp4"
    disposition = whole.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=\"Spot Ete 1.mp4\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "Spot Été 1.mp4"
    part = requests.get(url, headers={"Range": "bytes=1048576-2097151"}, timeout=10)
    assert part.status_code == 206 and part.content == DATA[1048576:2097152]
    assert part.headers["Content-Range"] == f"bytes 1048576-2097151/{len(DATA)}"


def test_without_a_disposition_there_is_no_override(store):
    blob, _ = store.put_stream(io.BytesIO(b"plain"), "text/plain")
    url = store.presigned_get(blob, content_type="text/plain", disposition=None, expires=60)
    assert "response-content-disposition" not in url
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200 and answer.content == b"plain" and answer.headers["Content-Type"] == "text/plain"


def test_the_url_is_signed_with_sigv4_for_the_time_asked(store):
    # moto checks neither signatures nor expiry, so what S3 will check is shown on the URL itself.
    blob, _ = store.put_stream(io.BytesIO(b"secret"), "text/plain")
    query = parse_qs(
        urlsplit(store.presigned_get(blob, content_type="text/plain", disposition=None, expires=300)).query
    )
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Credential"][0].startswith("test/") and len(query["X-Amz-Signature"][0]) == 64
    assert query["response-content-type"] == ["text/plain"]
