"""The `machibot` command (a Flask CLI group, so `flask --app bot ...` works too)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _create_app() -> Flask:
    from bot import create_app
    from bot.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        click.echo(f"machibot: configuration error: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main() -> None:
    """machibot: the ward's community LINE bot."""


def register_commands(app: Flask) -> None:
    from bot.activities_cli import activities, data
    from bot.ideas_cli import ideas
    from bot.notify_cli import announce, notify
    from bot.simulator.terminal import simulate

    for command in (serve, worker, scheduler, db, users, simulate, richmenu, notify, announce,
                    data, activities, ideas):
        if command.name not in app.cli.commands:
            app.cli.add_command(command)


def alembic_config(app: Flask):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["app"] = app
    return config


def upgrade_database(app: Flask) -> None:
    from alembic import command

    command.upgrade(alembic_config(app), "heads")


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("database is up to date")


@click.group()
def users() -> None:
    """Users and roles."""


@users.command("grant-role")
@click.argument("user_id")
@click.argument("role")
@click.option("--scope", default="", help="e.g. the organisation id for the organiser role")
@with_appcontext
def grant_role(user_id: str, role: str, scope: str) -> None:
    """Grant ROLE (staff, supporter, organiser, resident) to the user with LINE id USER_ID."""
    from bot.db import session_scope
    from models.users import ROLES, get_by_line_id
    from models.users import grant_role as grant

    if role not in ROLES:
        raise click.BadParameter(f"choose one of {', '.join(ROLES)}", param_hint="ROLE")
    with session_scope() as session:
        user = get_by_line_id(session, user_id)
        if user is None:
            raise click.ClickException("no such user: they must add the bot as a friend first")
        changed = grant(session, user, role, scope=scope)
    click.echo(f"granted {role}" if changed else f"already had {role}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: PORT from the environment")
@click.option("--workers", "worker_threads", default=1, show_default=True)
@with_appcontext
def serve(host: str, port: int | None, worker_threads: int) -> None:
    """All in one process: the web app, worker thread(s) and the scheduler."""
    from werkzeug.serving import make_server

    from bot.scheduler import start_in_thread as start_scheduler
    from bot.worker import start_in_thread as start_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    port = port or app.config["PORT"]
    if app.config["SIMULATOR"] and port != app.config["PORT"]:
        app.config["LINE_API_BASE_URL"] = f"http://127.0.0.1:{port}/simulator"
    stop = threading.Event()
    server = make_server(host, port, app, threaded=True)
    for n in range(worker_threads):
        start_worker(app, stop, name=f"worker-{n}")
    start_scheduler(app, stop)

    def _stop(*_args: object) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if app.config["SIMULATOR"]:
        threading.Thread(target=_deploy_rich_menu, args=(app,), daemon=True).start()
    address = f"http://{host}:{port}/"
    if app.config["SIMULATOR"]:
        click.echo(f"machibot is running with the LINE simulator: open {address}")
    else:
        click.echo(f"machibot is serving the LINE webhook at {address}callback")
    server.serve_forever()
    stop.set()


@click.command()
@click.option("--threads", default=1, show_default=True)
@with_appcontext
def worker(threads: int) -> None:
    """Handle events from the stream (run as many as you like)."""
    from bot.worker import Worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    others = [threading.Thread(target=Worker(app).run, args=(stop,), daemon=True)
              for _ in range(threads - 1)]
    for thread in others:
        thread.start()
    Worker(app).run(stop)
    for thread in others:
        thread.join(5)


@click.command()
@with_appcontext
def scheduler() -> None:
    """Push due notifications (one leader at a time; extra copies wait)."""
    from bot.scheduler import Scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    Scheduler(app).run(stop)


@click.group()
def richmenu() -> None:
    """Rich menus under the chat."""


@richmenu.command("deploy")
@with_appcontext
def richmenu_deploy() -> None:
    """Create the rich menus (every mode and locale), set the default, link every user.

    A rerun keeps unchanged menus and replaces changed ones: menus never pile up.
    """
    from bot.richmenu import FontMissing, deploy

    try:
        links = deploy(current_app._get_current_object())  # type: ignore[attr-defined]
    except FontMissing as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(links)} rich menus linked by mode and locale; default set")


@richmenu.command("render")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--locale", "locales", multiple=True, help="only these locales (repeatable)")
@with_appcontext
def richmenu_render(directory: str, locales: tuple[str, ...]) -> None:
    """Write every rich menu image (PAGE-LOCALE.png) and its definition to DIRECTORY."""
    from bot.richmenu import FontMissing, write_images

    try:
        written = write_images(current_app._get_current_object(),  # type: ignore[attr-defined]
                               Path(directory), locales or None)
    except FontMissing as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")


def _deploy_rich_menu(app: Flask) -> None:
    """In the simulator, put the default rich menu in place once the server answers."""
    from bot.line import LineError
    from bot.richmenu import FontMissing, deploy

    try:
        with app.app_context():
            deploy(app)
    except (LineError, FontMissing) as exc:
        log.warning("rich menu not deployed: %s", exc)
