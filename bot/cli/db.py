"""`machibot db upgrade|downgrade|revision`: the Alembic migrations under migrations/
(one head; alembic.ini at the checkout's root says the same for plain `alembic`)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import with_appcontext

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration for the migrations under migrations/ and this database (what
    alembic.ini at the checkout's root says, without needing the file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(app: Flask) -> None:
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), "head")


def next_revision_id(config: Config) -> str:
    """The number after the highest revision's: 0012 follows 0011."""
    numbers = [int(script.revision)
               for script in ScriptDirectory.from_config(config).walk_revisions()
               if script.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def _current_config() -> Config:
    return alembic_config(current_app.config["DATABASE_URL"])


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("database is up to date")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION (e.g. 0010, -1, or base for an empty database)."""
    try:
        command.downgrade(_current_config(), revision)
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database downgraded to {revision}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="what the migration does")
@click.option("--autogenerate", is_flag=True,
              help="write the operations that bring the database to the models")
@with_appcontext
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration under migrations/versions, numbered after the last one."""
    config = _current_config()
    try:
        script = command.revision(config, message=message, autogenerate=autogenerate,
                                  rev_id=next_revision_id(config))
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {script.path}")  # type: ignore[union-attr]
