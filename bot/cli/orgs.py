"""`machibot orgs list|verify|add-member`: organisations from the command line, audit-logged
(organisers register and invite in the chat or the console)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from bot.db import session_scope
from models import organisations as orgs
from models.users import get_by_line_id
from models.verification import verify_and_announce


@click.group()
def orgs_group() -> None:
    """Organisations and their members."""


orgs_group.name = "orgs"


@orgs_group.command("list")
@with_appcontext
def list_orgs() -> None:
    """Every organisation: id, status, kind, name, members."""
    with session_scope() as session:
        for org in session.scalars(select(orgs.Organisation).order_by(orgs.Organisation.id)):
            members = ",".join(f"{m.user.line_user_id}:{m.role}" for m in org.members)
            click.echo(f"{org.id}\t{org.status}\t{org.kind}\t{org.name}\t{members or '-'}")


@orgs_group.command("verify")
@click.argument("org_id", type=int)
@click.argument("staff_id")
@with_appcontext
def verify(org_id: int, staff_id: str) -> None:
    """Verify organisation ORG_ID as the staff member with LINE id STAFF_ID; its upcoming
    activities are announced to the people who follow their fields and areas."""
    with session_scope() as session:
        org, staff = _organisation(session, org_id), get_by_line_id(session, staff_id)
        if staff is None or not staff.has_role("staff"):
            raise click.ClickException("STAFF_ID names no staff member")
        announced = verify_and_announce(session, staff, org, now=datetime.now(UTC))
    click.echo(f"verified {org_id}; {announced} upcoming activities announced")


@orgs_group.command("add-member")
@click.argument("org_id", type=int)
@click.argument("user_id")
@click.option("--role", type=click.Choice(orgs.MEMBER_ROLES), default=orgs.EDITOR)
@with_appcontext
def add_member(org_id: int, user_id: str, role: str) -> None:
    """Make the user with LINE id USER_ID a member (owner or editor) of ORG_ID."""
    with session_scope() as session:
        org, user = _organisation(session, org_id), get_by_line_id(session, user_id)
        if user is None:
            raise click.ClickException("no such user: they must add the bot as a friend first")
        changed = orgs.add_member(session, org, user, role=role)
    click.echo(f"added as {role}" if changed else "already a member")


def _organisation(session, org_id: int) -> orgs.Organisation:  # type: ignore[no-untyped-def]
    org = session.get(orgs.Organisation, org_id)
    if org is None:
        raise click.ClickException(f"no organisation {org_id}")
    return org
