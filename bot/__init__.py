"""machibot: the LINE front end of a ward's community collaboration platform."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, redirect, url_for


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web app. `config` overrides the environment (tests pass their own)."""
    from bot import db, redis_store, webhook
    from bot.config import load_config
    from bot.postback import PostbackCodec
    from handlers import build_router

    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_config(overrides=config))
    _configure_logging()

    db.init_app(app)
    redis_store.init_app(app)
    app.extensions["machibot.codec"] = PostbackCodec(app.config["LINE_CHANNEL_SECRET"])
    app.extensions["machibot.router"] = build_router()
    import bot.notify  # noqa: F401  (registers the notification dispatch job and renderers)
    app.register_blueprint(webhook.bp)  # POST /callback and GET /healthz
    from bot import ics, photos
    from models import ideas, initiatives
    from models import photos as photo_rows

    app.register_blueprint(ics.bp)  # "add to calendar" files for gatherings (issue 4)
    app.register_blueprint(photos.bp)  # initiatives' photos for Flex hero images
    # the photo rows go last: the other hooks find the photo's owners through them
    app.extensions.setdefault("machibot.unsend_hooks", []).extend(
        [initiatives.forget_photo, ideas.forget_photo, photo_rows.forget])

    if app.config["SIMULATOR"]:
        from bot import simulator

        app.register_blueprint(simulator.bp)

        @app.get("/")
        def index():  # type: ignore[no-untyped-def]
            return redirect(url_for("simulator.chat_page"))

    from bot.cli import register_commands

    register_commands(app)
    return app


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
