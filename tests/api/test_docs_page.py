"""Swagger UI at /api/v3/docs works offline: the page and everything it loads come from this server (and, where
Chromium is installed, a headless browser with no other host to reach renders every operation)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from storyboard.api import docs


def _page(app) -> str:
    response = app.test_client().get("/api/v3/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def _config(html: str) -> dict:
    match = re.search(r"var config = (\{.*?\});", html)
    assert match, html
    return json.loads(match.group(1))


def test_the_page_and_every_file_it_loads_are_served_here(app):
    html = _page(app)
    assert not re.search(r"https?:|//[a-z]", html), "the page names another server"
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + [_config(html)["url"]]
    assert len(urls) >= 5
    client = app.test_client()
    for url in urls:
        assert url.startswith("/api/v3/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content_length or response.get_data(), url


def test_the_page_loads_the_real_swagger_ui_and_no_validator(app):
    html = _page(app)
    client = app.test_client()
    bundle = next(u for u in re.findall(r'src="([^"]+)"', html) if "swagger-ui-bundle.js" in u)
    response = client.get(bundle)
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert len(response.get_data()) > 500_000
    assert f"v={docs.version()}" in bundle
    css = client.get(next(u for u in re.findall(r'href="([^"]+)"', html) if u.split("?")[0].endswith(".css")))
    assert css.mimetype == "text/css"
    assert _config(html)["validatorUrl"] is None


def test_only_swagger_ui_files_are_served(app):
    client = app.test_client()
    assert client.get("/api/v3/docs/assets/LICENSE").status_code == 200
    assert client.get("/api/v3/docs/assets/index.css").status_code == 404
    assert client.get("/api/v3/docs/assets/..%2F__init__.py").status_code == 404


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As the machine's notes start it: no sandbox as root, and none of the browser's own background traffic.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any other host does not resolve: the page must work with what this server sends.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=20000",
)


def _page_requests(netlog: Path, origin: str) -> set[str]:
    """The URLs the page itself asked for (its initiator is the page's origin), from Chromium's net log."""
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return {
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start and event.get("params", {}).get("initiator") == origin
    }


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_swagger_ui_renders_every_operation_in_headless_chromium(app, live_server, tmp_path):
    netlog = tmp_path / "netlog.json"
    done = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--log-net-log={netlog}"]
        + ["--dump-dom", f"{live_server}/api/v3/docs"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = done.stdout
    operations = app.test_client().get("/api/v3/openapi.json").get_json()["paths"]
    count = sum(1 for item in operations.values() for method in item if method in {"get", "post", "put", "delete"})
    assert len(re.findall(r'class="opblock opblock-(?:get|post|put|delete)', dom)) == count, done.stderr[-2000:]
    assert 'opblock-summary-operation-id">createJob<' in dom and "Authorize" in dom
    asked = _page_requests(netlog, live_server)
    assert f"{live_server}/api/v3/openapi.json" in asked
    assert all(url.startswith(live_server + "/") for url in asked), asked
