"""Signed media links: asset and job JSON carry `?exp=&sig=` links that open the binary routes without any
credential (GET, HEAD, Range) until they expire; expired or tampered links are 403, a deleted asset's 404."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from storyboard.models import User, db
from storyboard.storage import get_store
from storyboard.wire import links
from tests.support import factories
from tests.support.envelope import assert_error, assert_ok
from tests.support.render_jobs import make_render_job


def upload_png(api, media_files, name: str = "logo") -> dict:
    body = {"file": (io.BytesIO(media_files.read("png")), "logo.png"), "type": "image", "name": name}
    return assert_ok(api.post("/api/v3/assets", data=body, content_type="multipart/form-data"), 201)


def parts(link: str) -> tuple[str, int, str]:
    """(path, exp, sig) of a signed link."""
    url = urlsplit(link)
    query = parse_qs(url.query)
    return url.path, int(query["exp"][0]), query["sig"][0]


def crafted(app, path: str, owner_id: str, exp: int) -> str:
    """A link signed with the server's own function: what a genuine link with this expiry would be."""
    return f"{path}?exp={exp}&sig={links.signature(app.config['SECRET_KEY'], path, owner_id, exp)}"


@pytest.fixture
def anonymous(app):
    """A browser tag's request: no API key, no cookie, no Authorization header."""
    return app.test_client()


@pytest.fixture
def completed(app, api, media_files):
    """A completed job whose video and poster are stored sample files; returns its JSON."""
    with app.app_context():
        owner = db.session.get(User, api.user.id)
        video, _ = get_store().put_bytes(media_files.read("mp4"), "video/mp4")
        poster, _ = get_store().put_bytes(media_files.read("jpeg"), "image/jpeg")
        scene = dict(duration=1.0, description="The bottle glows", script="Drink.", shot_type="wide", assets=[])
        job = make_render_job(
            owner,
            factories.make_client(owner),
            [scene],
            status="completed",
            video_blob_id=video.id,
            poster_blob_id=poster.id,
            video_duration=1.0,
        )
        job_id = job.id
    return assert_ok(api.get(f"/api/v3/jobs/{job_id}"))


def test_asset_links_open_its_bytes_and_thumbnail_without_credentials(api, anonymous, media_files):
    asset = upload_png(api, media_files)
    assert asset["signedUrl"].startswith(asset["url"] + "?exp=")
    assert asset["signedThumbnailUrl"].startswith(asset["thumbnailUrl"] + "?exp=")
    for signed, plain in ((asset["signedUrl"], asset["url"]), (asset["signedThumbnailUrl"], asset["thumbnailUrl"])):
        response = anonymous.get(signed)
        assert response.status_code == 200
        assert response.data == api.get(plain).data
    assert anonymous.get(asset["url"]).status_code == 401


def test_job_video_links_open_the_video_and_poster_without_credentials(api, anonymous, completed):
    assert completed["signedVideoUrl"].startswith(completed["videoUrl"] + "?exp=")
    assert completed["signedThumbnailUrl"].startswith(completed["thumbnailUrl"] + "?exp=")
    video = anonymous.get(completed["signedVideoUrl"])
    assert video.status_code == 200 and video.mimetype == "video/mp4"
    assert video.data == api.get(completed["videoUrl"]).data
    poster = anonymous.get(completed["signedThumbnailUrl"])
    assert poster.status_code == 200 and poster.data == api.get(completed["thumbnailUrl"]).data
    listed = assert_ok(api.get("/api/v3/jobs"))[0]
    assert listed["signedVideoUrl"] == completed["signedVideoUrl"]


def test_a_job_without_a_video_has_no_signed_links(api, job):
    assert job["signedVideoUrl"] is None and job["signedThumbnailUrl"] is None


def test_signed_links_serve_ranges_and_head(api, anonymous, completed):
    whole = api.get(completed["videoUrl"]).data
    part = anonymous.get(completed["signedVideoUrl"], headers={"Range": "bytes=10-109"})
    assert part.status_code == 206 and part.data == whole[10:110]
    assert part.headers["Content-Range"] == f"bytes 10-109/{len(whole)}"
    head = anonymous.head(completed["signedVideoUrl"])
    assert head.status_code == 200 and head.data == b""
    assert int(head.headers["Content-Length"]) == len(whole) and head.headers["Accept-Ranges"] == "bytes"


def test_the_link_stays_the_same_for_a_quarter_of_its_lifetime(app, api, media_files):
    asset = upload_png(api, media_files)
    again = assert_ok(api.get(f"/api/v3/assets/{asset['id']}"))
    assert again["signedUrl"] == asset["signedUrl"]
    _, exp, _ = parts(asset["signedUrl"])
    ttl = app.config["SIGNED_URL_TTL_SECONDS"]
    assert exp % (ttl // 4) == 0
    assert ttl <= exp - time.time() <= ttl * 1.25 + 1


def test_an_expired_link_is_403_with_the_envelope(app, api, anonymous, media_files):
    asset = upload_png(api, media_files)
    expired = crafted(app, asset["url"], asset["userId"], int(time.time()) - 1)
    body = assert_error(anonymous.get(expired), 403, "expired")
    assert body["detail"] == body["error"]


@pytest.mark.parametrize("part", ["sig", "exp", "path", "missing exp"])
def test_a_tampered_link_is_403(app, api, anonymous, media_files, part):
    asset = upload_png(api, media_files)
    path, exp, sig = parts(asset["signedUrl"])
    tampered = {
        "sig": f"{path}?exp={exp}&sig={sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}",
        "exp": f"{path}?exp={exp + app.config['SIGNED_URL_TTL_SECONDS']}&sig={sig}",
        # The data link's signature does not open the thumbnail, though both are the same asset's.
        "path": f"{asset['thumbnailUrl']}?exp={exp}&sig={sig}",
        "missing exp": f"{path}?sig={sig}",
    }[part]
    assert_error(anonymous.get(tampered), 403, "Invalid link signature")


def test_another_users_link_does_not_open_another_path(api, other, anonymous, media_files):
    mine, theirs = upload_png(api, media_files), upload_png(other, media_files)
    _, exp, sig = parts(theirs["signedUrl"])
    assert_error(anonymous.get(f"{mine['url']}?exp={exp}&sig={sig}"), 403, "Invalid link signature")
    # Nor does the owner's own API key make someone else's signature good: the link alone decides.
    assert_error(api.get(f"{mine['url']}?exp={exp}&sig={sig}"), 403, "Invalid link signature")
    assert anonymous.get(theirs["signedUrl"]).status_code == 200


def test_a_deleted_assets_link_is_404(api, anonymous, media_files):
    asset = upload_png(api, media_files)
    assert_ok(api.delete(f"/api/v3/assets/{asset['id']}"))
    assert_error(anonymous.get(asset["signedUrl"]), 404, "Asset not found")
    assert_error(anonymous.get(asset["signedThumbnailUrl"]), 404, "Asset not found")


def test_an_inactive_owners_links_are_403(app, api, anonymous, media_files):
    asset = upload_png(api, media_files)
    with app.app_context():
        db.session.get(User, api.user.id).is_active = False
        db.session.commit()
    assert_error(anonymous.get(asset["signedUrl"]), 403, "Inactive user")


def test_a_signature_on_a_json_route_opens_nothing(api, anonymous, media_files):
    asset = upload_png(api, media_files)
    _, exp, sig = parts(asset["signedUrl"])
    assert_error(anonymous.get(f"/api/v3/assets/{asset['id']}?exp={exp}&sig={sig}"), 401)
