"""People and roles in the console (staff only): people found by a part of their display
name (any case, a page at a time) with their roles; a person's page where staff grant and
take away the staff and supporter roles and make them a member of an organisation or take
them out of one. Each change is the domain's operation that the command line and the chat
use (models.users `grant_role`, `revoke_role`; models.organisations `add_member`,
`remove_member`), so the same rules hold and each is audit-logged with who did it: the
last staff member's role is not taken away (LastStaff), nor an organisation's last owner."""

from __future__ import annotations

import math

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug import Response

from console import people
from console.access import found_or_404
from console.blueprint import bp
from console.db import db
from console.forms import ActionForm, MembershipForm
from console.i18n import notice, translate
from console.organisations import page_numbers
from models import organisations as orgs
from models.locales import N_
from models.organisations import Membership, Organisation
from models.users import LastStaff, User, grant_role, revoke_role, search_people

PAGE_SIZE = 50  # people on a page of the list
GRANTED = ("staff", "supporter")  # the roles staff grant here (organising: memberships)
ROLE_NAMES = {"staff": N_("Ward staff"), "supporter": N_("Digital supporter")}


def _memberships(user_ids: list[int]) -> dict[int, list[tuple[Organisation, str]]]:
    """Each person's organisations and their role in each, in one statement."""
    found: dict[int, list[tuple[Organisation, str]]] = {user_id: [] for user_id in user_ids}
    for membership, organisation in db().execute(
            select(Membership, Organisation).join(Organisation)
            .where(Membership.user_id.in_(user_ids)).order_by(Organisation.name)):
        found[membership.user_id].append((organisation, membership.role))
    return found


def _granted(user: User) -> list[str]:
    return [role for role in GRANTED if user.has_role(role)]


@bp.get("/people")
@people.staff_only
def people_list() -> str:
    name = request.args.get("q", "")[:100]
    page = request.args.get("page", "")
    page = max(int(page) if page.isdigit() else 1, 1)
    found, total = search_people(db(), name, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    last = max(1, math.ceil(total / PAGE_SIZE))
    memberships = _memberships([user.id for user in found])
    rows = [{"user": user, "roles": _granted(user), "memberships": memberships[user.id]}
            for user in found]
    filters = {"q": name} if name else {}
    return render_template("console/people.html", rows=rows, total=total, page=page,
                           pages=page_numbers(min(page, last), last), filters=filters,
                           role_names=ROLE_NAMES)


def _person_page(user: User, form: MembershipForm | None = None) -> str:
    form = form or MembershipForm()
    form.organisation.choices = [(o.id, o.name) for o in db().scalars(
        select(Organisation).order_by(Organisation.name))]
    return render_template("console/person.html", user=user, roles=_granted(user),
                           memberships=_memberships([user.id])[user.id], grantable=GRANTED,
                           role_names=ROLE_NAMES, form=form, action=ActionForm())


@bp.get("/people/<int:user_id>")
@people.staff_only
def person_roles(user_id: int) -> str:
    return _person_page(found_or_404(User, user_id))


def _back(user: User) -> Response:
    """To the person's page, or home when the staff member took their own staff role."""
    if not people.rights().is_staff:
        return redirect(url_for("console.home"))
    return redirect(url_for("console.person_roles", user_id=user.id))


@bp.post("/people/<int:user_id>/roles/<role>/<change>")
@people.staff_only
def change_role(user_id: int, role: str, change: str) -> Response:
    """Grant or take away the staff or supporter role."""
    if role not in GRANTED or change not in ("grant", "revoke"):
        abort(404)
    user = found_or_404(User, user_id)
    name = user.display_name or ""
    if change == "grant":
        done = grant_role(db(), user, role, actor=people.person())
        message = (N_("{name} now has the role {role}.") if done
                   else N_("{name} already had the role {role}."))
    else:
        try:
            done = revoke_role(db(), user, role, actor=people.person())
        except LastStaff:
            db().rollback()
            notice(N_("You are the last ward staff member: grant the role to someone else "
                      "before giving it up."))
            return _back(user)
        message = (N_("{name} no longer has the role {role}.") if done
                   else N_("{name} did not have the role {role}."))
    db().commit()
    notice(message, name=name, role=translate(ROLE_NAMES[role]))
    return _back(user)


@bp.post("/people/<int:user_id>/memberships")
@people.staff_only
def add_membership(user_id: int) -> str | Response:
    """Make them a member (owner or editor) of an organisation."""
    user = found_or_404(User, user_id)
    form = MembershipForm()
    form.organisation.choices = [(o.id, o.name) for o in db().scalars(select(Organisation))]
    if not form.validate_on_submit():
        return _person_page(user, form)
    organisation = found_or_404(Organisation, form.organisation.data)
    added = orgs.add_member(db(), organisation, user, role=form.role.data,
                            actor=people.person())
    db().commit()
    notice(N_("{name} is now a member of {organisation}.") if added
           else N_("{name} was already a member of {organisation}."),
           name=user.display_name or "", organisation=organisation.name)
    return _back(user)


@bp.post("/people/<int:user_id>/memberships/<int:organisation_id>/remove")
@people.staff_only
def remove_membership(user_id: int, organisation_id: int) -> Response:
    user = found_or_404(User, user_id)
    organisation = found_or_404(Organisation, organisation_id)
    try:
        orgs.remove_member(db(), organisation, user, actor=people.person())
    except orgs.NotAllowed:
        db().rollback()
        notice(N_("{name} is the last owner of {organisation}: make another member the "
                  "owner first."), name=user.display_name or "", organisation=organisation.name)
        return _back(user)
    db().commit()
    notice(N_("{name} is no longer a member of {organisation}."),
           name=user.display_name or "", organisation=organisation.name)
    return _back(user)
