"""`machibot db upgrade`: the Alembic migrations under migrations/."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import with_appcontext

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(app: Flask):  # type: ignore[no-untyped-def]

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["app"] = app
    return config


def upgrade_database(app: Flask) -> None:
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
