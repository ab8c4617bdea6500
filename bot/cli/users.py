"""`machibot users grant-role|revoke-role|list`: roles from the command line, audit-logged.

The first staff member is made here; after that staff can also grant roles in the chat."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from bot.db import session_scope
from models.users import ROLES, User, find_users, get_by_line_id
from models.users import grant_role as grant
from models.users import revoke_role as revoke


def _person(session: Session, user_id: str) -> User:
    user = get_by_line_id(session, user_id)
    if user is None:
        raise click.ClickException("no such user: they must add the bot as a friend first")
    return user


@click.group()
def users() -> None:
    """Users and roles."""


@users.command("grant-role")
@click.argument("user_id")
@click.argument("role")
@click.option("--scope", default="", help="a scope, for roles that have one")
@with_appcontext
def grant_role(user_id: str, role: str, scope: str) -> None:
    """Grant ROLE (staff, supporter, resident) to the user with LINE id USER_ID. Organisers
    are members of their organisation: `machibot orgs add-member`."""
    if role not in ROLES:
        raise click.BadParameter(f"choose one of {', '.join(ROLES)}", param_hint="ROLE")
    with session_scope() as session:
        changed = grant(session, _person(session, user_id), role, scope=scope)
    click.echo(f"granted {role}" if changed else f"already had {role}")


@users.command("revoke-role")
@click.argument("user_id")
@click.argument("role")
@click.option("--scope", default="", help="the scope it was granted with, if any")
@with_appcontext
def revoke_role(user_id: str, role: str, scope: str) -> None:
    """Take ROLE (staff, supporter) away from the user with LINE id USER_ID; it
    stops working on their next message."""
    if role not in ROLES or role == "resident":
        choices = ", ".join(r for r in ROLES if r != "resident")
        raise click.BadParameter(f"choose one of {choices}", param_hint="ROLE")
    with session_scope() as session:
        changed = revoke(session, _person(session, user_id), role, scope=scope)
    click.echo(f"revoked {role}" if changed else f"did not have {role}")


@users.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None, help="only people with it")
@click.option("--name", default=None, help="a part of their LINE display name")
@with_appcontext
def list_users(role: str | None, name: str | None) -> None:
    """People with their LINE id, display name and roles, newest first (at most 100): the
    LINE id is what grant-role and revoke-role take."""
    with session_scope() as session:
        found = find_users(session, role=role, name=name)
        for user in found:
            roles = ",".join(sorted(f"{r.role}:{r.scope}" if r.scope else r.role
                                    for r in user.roles))
            click.echo(f"{user.line_user_id}\t{user.display_name or '-'}\t{roles}")
    if not found:
        click.echo("nobody matches", err=True)
