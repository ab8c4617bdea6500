"""`machibot db upgrade|downgrade|revision`: the Alembic migrations under migrations/
(one head; alembic.ini at the checkout's root says the same for plain `alembic`).

The Alembic work is in bot/cli/migrations.py, imported by each command when it runs: every
process registers these commands, and Alembic would weigh about 12 MB in each, the web's and
the workers' included (the target is at most 150 MB a process, measured by
`python -m bench.webhook`)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    from bot.cli.migrations import upgrade_database

    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("database is up to date")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION (e.g. 0010, -1, or base for an empty database)."""
    from bot.cli.migrations import CommandError, command, current_config

    try:
        command.downgrade(current_config(), revision)
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
    from bot.cli.migrations import CommandError, command, current_config, next_revision_id

    config = current_config()
    try:
        script = command.revision(config, message=message, autogenerate=autogenerate,
                                  rev_id=next_revision_id(config))
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {script.path}")  # type: ignore[union-attr]
