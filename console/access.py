"""Who may open what, checked on the server for every console route (after the blueprint's
own check that someone is signed in): an organisation's members for its pages, staff for
reading every organisation's. Each helper answers 404 for what does not exist and 403 for
what is not the person's."""

from __future__ import annotations

from typing import TypeVar

from flask import abort

from console import people
from console.db import db
from models import organisations as orgs
from models.activities import SLOT_CANCELLED, Activity, Slot
from models.base import Base
from models.organisations import Organisation

STAFF = "staff"  # the role of staff on an organisation they are not a member of
MEMBER = "member"  # an owner or an editor, where the two may do the same (activities, slots)
Row = TypeVar("Row", bound=Base)


def found_or_404(model: type[Row], ident: int) -> Row:
    found = db().get(model, ident)
    if found is None:
        abort(404)
    return found


def organisation_and_role(organisation_id: int, *,
                          edit: bool = False) -> tuple[Organisation, str]:
    """The organisation and the person's role in it ("owner", "editor", or "staff" for
    staff who are not members, when only reading); 403 for anyone else."""
    found = found_or_404(Organisation, organisation_id)
    return found, role_in(organisation_id, edit=edit)


def owned_organisation(organisation_id: int) -> Organisation:
    """The organisation, for what only its owners do (invite, hand over): 403 for editors."""
    found, role = organisation_and_role(organisation_id, edit=True)
    if role != orgs.OWNER:
        abort(403)
    return found


def role_in(organisation_id: int | None, *, edit: bool = False) -> str:
    """`member_or_staff`, with a member's own role ("owner" or "editor") read."""
    role = member_or_staff(organisation_id, edit=edit)
    if role != MEMBER:
        return role
    membership = orgs.membership(db(), people.person(), organisation_id)
    if membership is None:  # left since their rights were read
        abort(403)
    return membership.role


def member_or_staff(organisation_id: int | None, *, edit: bool = False) -> str:
    """MEMBER for the organisation's members, STAFF for staff who are not, when only
    reading; 403 for anyone else. From the rights read with the person (no statement of its
    own: a slot edit stays within its budget of ten)."""
    rights = people.rights()
    if organisation_id is not None and rights.has_role("organiser", str(organisation_id)):
        return MEMBER
    if rights.is_staff and not edit:
        return STAFF
    abort(403)


def activity_and_role(activity_id: int, *, edit: bool = False) -> tuple[Activity, str]:
    """An organisation's activity (staff's own, without one, are not edited here: 403)."""
    found = found_or_404(Activity, activity_id)
    if found.organisation_id is None and edit:
        abort(403)
    return found, member_or_staff(found.organisation_id, edit=edit)


def slot_and_role(slot_id: int, *, edit: bool = False) -> tuple[Slot, str]:
    found = found_or_404(Slot, slot_id)
    if found.activity.organisation_id is None and edit:
        abort(403)
    return found, member_or_staff(found.activity.organisation_id, edit=edit)


def member_slot(slot_id: int, *, live: bool = False) -> Slot:
    """A slot for its organisation's members only, not staff reading along (rosters and
    posters name people or go up at the venue; edits change things); `live`: 404 once it
    is cancelled."""
    slot, role = slot_and_role(slot_id)
    if role == STAFF:
        abort(403)
    if live and slot.status == SLOT_CANCELLED:
        abort(404)
    return slot
