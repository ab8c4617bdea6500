"""Who may open what, checked on the server for every console route (after the blueprint's
own check that someone is signed in): an organisation's members for its pages, staff for
reading every organisation's. Each helper answers 404 for what does not exist and 403 for
what is not the person's."""

from __future__ import annotations

from flask import abort

from console import people
from console.db import db
from models import organisations as orgs
from models.activities import Activity, Slot
from models.organisations import Organisation

STAFF = "staff"  # the role of staff on an organisation they are not a member of


def organisation_and_role(organisation_id: int, *,
                          edit: bool = False) -> tuple[Organisation, str]:
    """The organisation and the person's role in it ("owner", "editor", or "staff" for
    staff who are not members, when only reading); 403 for anyone else."""
    found = db().get(Organisation, organisation_id)
    if found is None:
        abort(404)
    return found, role_in(organisation_id, edit=edit)


def role_in(organisation_id: int | None, *, edit: bool = False) -> str:
    person = people.person()
    assert person is not None
    membership = (orgs.membership(db(), person, organisation_id)
                  if organisation_id is not None else None)
    if membership is not None:
        return membership.role
    if people.rights().is_staff and not edit:
        return STAFF
    abort(403)


def activity_and_role(activity_id: int, *, edit: bool = False) -> tuple[Activity, str]:
    """An organisation's activity (staff's own, without one, are not edited here: 403)."""
    found = db().get(Activity, activity_id)
    if found is None:
        abort(404)
    if found.organisation_id is None and edit:
        abort(403)
    return found, role_in(found.organisation_id, edit=edit)


def slot_and_role(slot_id: int, *, edit: bool = False) -> tuple[Slot, str]:
    found = db().get(Slot, slot_id)
    if found is None:
        abort(404)
    if found.activity.organisation_id is None and edit:
        abort(403)
    return found, role_in(found.activity.organisation_id, edit=edit)
