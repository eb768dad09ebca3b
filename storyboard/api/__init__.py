"""HTTP layer: every resource blueprint, registered under /api/v3 (auth under /api/auth)."""

from __future__ import annotations


def register(api) -> None:
    from storyboard.api import health
    from storyboard.api.assets.routes import blp as assets_blp
    from storyboard.api.auth.routes import blp as auth_blp
    from storyboard.api.campaigns.routes import blp as campaigns_blp
    from storyboard.api.clients.routes import blp as clients_blp
    from storyboard.api.jobs.routes import blp as jobs_blp
    from storyboard.api.scenes.routes import blp as scenes_blp
    from storyboard.api.videos.routes import blp as videos_blp
    from storyboard.api.webhooks.routes import blp as webhooks_blp

    for blp in (auth_blp, clients_blp, campaigns_blp, assets_blp, jobs_blp, scenes_blp, videos_blp, webhooks_blp):
        api.register_blueprint(blp)
    api._app.register_blueprint(health.bp)
    health.document(api.spec, api._app)
