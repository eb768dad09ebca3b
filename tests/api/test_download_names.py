"""GET /jobs/{id}/video names its file <client>-<campaign or product>-<first 8 of the job id>.mp4, safely."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from storyboard.models import User, db
from storyboard.storage import get_store
from tests.support import factories
from tests.support.render_jobs import make_render_job

CARD = dict(duration=1.0, description="Notes", script="Hi.", shot_type="wide", transition="cut", assets=[])


@pytest.fixture
def completed(app, api, media_files):
    """completed(client name, campaign name or None, product): a completed job with a stored video; its id."""

    def make(client_name: str, campaign_name: str | None = None, product: str = "Aurora Smart Bottle") -> str:
        with app.app_context():
            owner = db.session.get(User, api.user.id)
            client = factories.make_client(owner, name=client_name)
            campaign = factories.make_campaign(owner, client, name=campaign_name) if campaign_name else None
            video, _ = get_store().put_bytes(media_files.read("mp4"), "video/mp4")
            poster, _ = get_store().put_bytes(media_files.read("jpeg"), "image/jpeg")
            job = make_render_job(owner, client, [CARD], status="completed", video_blob_id=video.id,
                                  poster_blob_id=poster.id, campaign=campaign)  # fmt: skip
            job.request = {**job.request, "adBasics": {**job.request["adBasics"], "product": product}}
            db.session.commit()
            return job.id

    return make


def _names(api, job_id: str, path: str = "video") -> tuple[str, str]:
    """(the ASCII filename, the decoded filename*) of the response's Content-Disposition."""
    response = api.get(f"/api/v3/jobs/{job_id}/{path}")
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    ascii_name = re.fullmatch(r'inline; filename="([^"\\]*)"; filename\*=UTF-8\'\'(\S+)', header)
    assert ascii_name, header
    assert ascii_name.group(1).isascii() and re.fullmatch(r"[A-Za-z0-9%._~!$&'()*+,;=:@-]+", ascii_name.group(2))
    return ascii_name.group(1), unquote(ascii_name.group(2))


def test_the_video_is_named_after_client_campaign_and_job(api, completed):
    job_id = completed("Acme Drinks", "Spring Launch 2026")
    assert _names(api, job_id) == (f"acme-drinks-spring-launch-2026-{job_id[:8]}.mp4",) * 2
    assert _names(api, job_id, "video/thumbnail")[0] == f"acme-drinks-spring-launch-2026-{job_id[:8]}-poster.jpg"


def test_without_a_campaign_the_product_names_it(api, completed):
    job_id = completed("Acme", None, "Aurora Smart Bottle")
    assert _names(api, job_id)[0] == f"acme-aurora-smart-bottle-{job_id[:8]}.mp4"


def test_quotes_line_breaks_and_slashes_never_reach_the_header(api, completed):
    job_id = completed('Évil "Client"\r\nSet-Cookie: x=1', "../../etc/passwd; \\ rm", 'x" y')
    ascii_name, full = _names(api, job_id)
    assert ascii_name == f"evil-client-set-cookie-x-1-etc-passwd-rm-{job_id[:8]}.mp4"
    assert full == f"évil-client-set-cookie-x-1-etc-passwd-rm-{job_id[:8]}.mp4"


def test_non_latin_names_keep_their_letters_in_filename_star(api, completed):
    job_id = completed("抹茶堂", "春のキャンペーン")
    ascii_name, full = _names(api, job_id)
    assert full == f"抹茶堂-春のキャンペーン-{job_id[:8]}.mp4"
    assert ascii_name == f"{job_id[:8]}.mp4"
    assert _names(api, completed("Café Zoë", "Été"))[0].startswith("cafe-zoe-ete-")


def test_very_long_names_are_cut_at_a_word(api, completed):
    job_id = completed(("Northwind " * 20).strip(), "Campaign-" + "x" * 190)
    ascii_name, _ = _names(api, job_id)
    client, rest = ascii_name.split("-campaign", 1)
    assert client == "-".join(["northwind"] * 4) and len(ascii_name) <= 100
    assert ascii_name.endswith(f"-{job_id[:8]}.mp4")


def test_a_name_of_symbols_only_falls_back_to_the_job_id(api, completed):
    job_id = completed("!!!", None, "★★★")
    assert _names(api, job_id)[0] == f"{job_id[:8]}.mp4"
