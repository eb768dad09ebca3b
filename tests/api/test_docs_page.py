"""Swagger UI at /api/v3/docs works offline: the page and everything it loads come from this server."""

from __future__ import annotations

import json
import re

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
