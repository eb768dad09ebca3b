"""Swagger UI at /api/v3/docs, served from the files of the installed flask-swagger-ui package.

flask-swagger-ui (MIT) ships swagger-ui-dist (Apache-2.0, its licence beside the files); only those files
are used, under /api/v3/docs/assets/, so the page works without internet and asks nothing of anyone else:
no CDN, and no validator badge (`validatorUrl: null`, which would send the document to a public validator).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

from flask import render_template_string, send_from_directory, url_for

# Swagger UI's options (the page's JSON); https://swagger.io/docs/open-source-tools/swagger-ui/usage/configuration/
CONFIG = {
    "dom_id": "#swagger-ui",
    "deepLinking": True,
    "displayOperationId": True,
    "persistAuthorization": True,
    "validatorUrl": None,
}
# What the page loads: swagger-ui-dist's own files, nothing else.
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png")
SERVED = frozenset({*ASSETS, "favicon-16x16.png", "LICENSE", "VERSION"})

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{ title }}</title>
  <link rel="icon" type="image/png" href="{{ asset('favicon-32x32.png') }}">
  <link rel="stylesheet" href="{{ asset('swagger-ui.css') }}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{{ asset('swagger-ui-bundle.js') }}"></script>
  <script src="{{ asset('swagger-ui-standalone-preset.js') }}"></script>
  <script>
    window.onload = function () {
      var config = {{ config | tojson }};
      config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
      config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
      config.layout = "StandaloneLayout";
      window.ui = SwaggerUIBundle(config);
    };
  </script>
</body>
</html>
"""


@cache
def dist() -> Path:
    """The folder of swagger-ui-dist's files inside the installed package."""
    return Path(str(resources.files("flask_swagger_ui") / "dist"))


@cache
def version() -> str:
    return (dist() / "VERSION").read_text().strip().removeprefix("v")


def register(blueprint, path: str, title: str, spec_endpoint: str) -> None:
    """The page at `path` of the docs blueprint, and each of its files at `path`/assets/<file> (a rule per file,
    so no URL names anything else)."""

    def asset_url(name: str) -> str:
        # The version in the URL lets a browser keep the files until the package changes.
        return f"{url_for(f'{blueprint.name}.openapi_swagger_ui')}/assets/{name}?v={version()}"

    def page():
        """Swagger UI for this API."""
        config = {**CONFIG, "url": url_for(spec_endpoint)}
        return render_template_string(PAGE, title=title, asset=asset_url, config=config)

    blueprint.add_url_rule(path, endpoint="openapi_swagger_ui", view_func=page)
    for name in sorted(SERVED):
        endpoint = "swagger_ui_" + re.sub(r"\W", "_", name)
        blueprint.add_url_rule(f"{path}/assets/{name}", endpoint=endpoint, view_func=_file_view(name, endpoint))


def _file_view(name: str, view_name: str):
    def serve():
        """One of swagger-ui-dist's files (a week in caches: its URL carries the version)."""
        return send_from_directory(dist(), name, max_age=7 * 24 * 3600)

    serve.__name__ = serve.__qualname__ = view_name  # flask-limiter names a view by these
    return serve
