"""`machibot users grant-role`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.db import session_scope
from models.users import ROLES, get_by_line_id
from models.users import grant_role as grant


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

    if role not in ROLES:
        raise click.BadParameter(f"choose one of {', '.join(ROLES)}", param_hint="ROLE")
    with session_scope() as session:
        user = get_by_line_id(session, user_id)
        if user is None:
            raise click.ClickException("no such user: they must add the bot as a friend first")
        changed = grant(session, user, role, scope=scope)
    click.echo(f"granted {role}" if changed else f"already had {role}")
