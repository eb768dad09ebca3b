"""S3 going down in the middle of a download, on a live HTTP server with the s3 store
on a private moto server process: the response that had begun ends short (the connection closes; no hang, no
bytes made up), and the next request answers the 503 envelope. On werkzeug's server in a thread and on gunicorn."""

from __future__ import annotations

import io
import os
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from storyboard.models import Asset, db
from storyboard.storage import get_store
from tests.support import factories
from tests.support.gunicorn import Gunicorn
from tests.support.s3_server import BUCKET, S3Server, app_on_s3

SIZE = 64 * 1024 * 1024  # far more than the sockets between moto, the store and the client buffer


@pytest.fixture
def private_s3(tmp_path):
    """A moto server of this test's own, so stopping it touches no other test."""
    server = S3Server(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(params=["werkzeug", "gunicorn"])
def live_on_s3(request, app, private_s3):
    """The app on s3 (the private server) on a live port: werkzeug's server in a thread, or gunicorn (the
    deployment's server: its own processes, the same database and bucket)."""
    for on_s3 in app_on_s3(app, private_s3, S3_MAX_ATTEMPTS=1):
        with on_s3.app_context():
            get_store().client.create_bucket(Bucket=BUCKET)
        if request.param == "gunicorn":
            s3 = {k: v for k, v in on_s3.config.items() if k.startswith("S3_")}
            server = Gunicorn(on_s3, **s3)
            yield on_s3, f"http://127.0.0.1:{server.port}"
            server.stop()
            continue
        server = make_server("127.0.0.1", 0, on_s3, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield on_s3, f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.slow
def test_s3_dying_mid_download_cuts_the_response_short_then_503(live_on_s3, private_s3):
    on_s3, base = live_on_s3
    with on_s3.app_context():
        owner, key = factories.make_user()
        data = os.urandom(SIZE)
        blob, _ = get_store().put_stream(io.BytesIO(data), "video/mp4")
        asset = Asset(user_id=owner.id, name="long", type="video", format="mp4", content_type="video/mp4")
        asset.blob_id, asset.size = blob.id, SIZE
        db.session.add(asset)
        db.session.commit()
        url = f"{base}/api/v3/assets/{asset.id}/data"
    headers = {"X-API-Key": key}

    began = time.monotonic()
    with requests.get(url, headers=headers, stream=True, timeout=10) as answer:
        assert answer.status_code == 200 and answer.headers["Content-Length"] == str(SIZE)
        chunks = answer.iter_content(1024 * 1024)
        received = [next(chunks)]
        private_s3.stop()  # S3 goes away with most of the body still to send
        with pytest.raises(requests.exceptions.ChunkedEncodingError):  # requests' word for "ended short"
            for chunk in chunks:
                received.append(chunk)
    took, got = time.monotonic() - began, sum(map(len, received))
    print(f"ended short after {got} of {SIZE} bytes in {took:.2f} s")
    assert 0 < got < SIZE and b"".join(received) == data[:got], f"{got} of {SIZE} bytes"
    assert took < 10, f"the short response took {took:.1f} s to end"

    after = requests.get(url, headers=headers, timeout=10)
    assert after.status_code == 503, after.text[:300]
    body = after.json()
    assert body["success"] is False and "cannot be reached" in body["error"] and "Traceback" not in after.text
