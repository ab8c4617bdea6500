"""Alembic for the `machibot db` commands and the tests: its configuration for migrations/,
upgrading, the next revision's number."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app

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


def current_config() -> Config:
    return alembic_config(current_app.config["DATABASE_URL"])


__all__ = ["CommandError", "command", "alembic_config", "current_config",
           "next_revision_id", "upgrade_database"]
