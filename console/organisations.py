"""Organisations in the console: registering one; staff's list with verification; an
organisation's page for its members (profile, members, invitations, joining, leaving,
handing over). Every route checks on the server who may (after the blueprint's own check
that someone is signed in, console/__init__.py): members for their own
organisation (owners for what only owners do), staff for every organisation's page and for
verifying; anyone signed in may register one or join with an invitation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug import Response

from console import people
from console.access import found_or_404, organisation_and_role, owned_organisation
from console.blueprint import bp
from console.db import db
from console.forms import (
    ORGANISATION_VERSIONS,
    REQUIRED,
    TOO_LONG,
    ActionForm,
    HandOverForm,
    LogoForm,
    OrganisationForm,
)
from console.saving import save
from models import organisations as orgs
from models.announcements import area_names
from models.base import TooLong
from models.initiatives import Initiative
from models.locales import N_
from models.organisations import Membership, Organisation
from models.texts import original_language
from models.users import User
from models.verification import verify_and_announce

PAGE_SIZE = 50  # organisations on a page of staff's list
# the domain's refusals, as the form shows them
PROBLEMS = {"taken": N_("An organisation with this name already exists."),
            "empty": REQUIRED}


def _form(organisation: Organisation | None = None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    form.areas.choices = area_names(current_app.config)
    if organisation is None and not form.is_submitted():  # in its writer's language
        person = people.person()
        form.original_locale.data = original_language(person.locale if person else None)
    return form


def _profile(form: OrganisationForm) -> dict:
    return {"name": form.name.data or "", "kind": form.kind.data,
            "description": form.description.data or "", "areas": form.areas.data or [],
            "categories": form.categories.data or [],
            "public_contact": form.public_contact.data or "",
            "website": form.website.data or "",
            "original_locale": form.original_locale.data}


def _refusal(form: OrganisationForm, exc: ValueError) -> None:
    field = exc.field if isinstance(exc, TooLong) else "name"
    target = getattr(form, {"contact": "public_contact"}.get(field, field), form.name)
    target.errors = [*target.errors, PROBLEMS.get(str(exc), TOO_LONG)]


@bp.route("/organisations/new", methods=["GET", "POST"])
def register() -> str | Response:
    form = _form()
    waived = current_app.config["ORGANISATION_VERIFICATION"] == "waived"
    done = save(form, lambda: orgs.register(db(), people.person(), verification_waived=waived,
                                            **_profile(form)),
                _refusal, notice=N_("Your organisation is registered.") if waived else
                N_("Your organisation is registered. Ward staff will verify it."),
                then=lambda found: url_for("console.organisation", organisation_id=found.id))
    return done or render_template("console/organisation_form.html", form=form,
                                   organisation=None, areas=form.areas.choices)


@bp.get("/organisations")
@people.staff_only
def organisations() -> str:
    """Staff's list, a page at a time (its rows, each with a verify form, are what cost);
    the filters (status, part of the name) stay in the page links and the verify forms."""
    filters, page = _list_filters(request.args)

    def listed(page: int) -> tuple[list[Organisation], int]:
        return orgs.listing(db(), status=filters.get("status"), name=filters.get("q", ""),
                            offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)

    found, total = listed(page)
    last = max(1, math.ceil(total / PAGE_SIZE))
    if page > last:  # the list got shorter (the last one there was verified): its end
        page = last
        found, total = listed(page)
    return render_template("console/organisations.html", organisations=found,
                           action=ActionForm(), total=total, page=page,
                           pages=page_numbers(page, last), filters=filters)


def _list_filters(values: Mapping[str, str]) -> tuple[dict[str, str], int]:
    """The list's filters as given (only those set, so that links stay short) and its page;
    what is not a status or a page number is left out."""
    status = values.get("status", "")
    filters = {"status": status if status in orgs.STATUSES else "",
               "q": values.get("q", "")[:orgs.NAME_MAX]}
    page = values.get("page", "")
    return {k: v for k, v in filters.items() if v}, max(int(page) if page.isdigit() else 1, 1)


def page_numbers(current: int, last: int) -> list[int | None]:
    """The pages to link: the first, the last and two either side of the current one; None
    where pages are left out."""
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers: list[int | None] = []
    for before, number in zip([0, *shown], shown, strict=False):
        if before and number - before > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@bp.post("/organisations/<int:organisation_id>/verify")
@people.staff_only
def verify(organisation_id: int) -> Response:
    found = found_or_404(Organisation, organisation_id)
    # what it posted while pending reaches the people who follow its fields and areas
    verify_and_announce(db(), people.person(), found, now=datetime.now(UTC))
    db().commit()
    flash(N_("The organisation is verified."))
    filters, page = _list_filters(request.form)  # back to the page of the list it was on
    return redirect(url_for("console.organisations", **filters,
                            **({"page": page} if page > 1 else {})))


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int) -> str:
    found, role = organisation_and_role(organisation_id)
    return organisation_page(found, role)


def organisation_page(found: Organisation, role: str, *,
                      logo_form: LogoForm | None = None) -> str:
    """The organisation's page (again, with what was wrong with a logo upload)."""
    # the members with their users in one statement (not one more per member)
    members = list(db().scalars(
        select(Membership).join(Membership.user).options(contains_eager(Membership.user))
        .where(Membership.organisation_id == found.id)
        .order_by(Membership.role.desc(), User.id)))
    hand_over = HandOverForm()
    person = people.person()
    others = [m for m in members if person is not None and m.user_id != person.id]
    return render_template("console/organisation.html", organisation=found, role=role,
                           members=members, action=ActionForm(), hand_over=hand_over,
                           others=others, logo_form=logo_form or LogoForm(),
                           logo_megabytes=logo_megabytes(),
                           initiatives=list(db().scalars(
                               select(Initiative).where(Initiative.organisation_id == found.id)
                               .order_by(Initiative.id.desc()))))


def logo_megabytes() -> str:
    """LOGO_MAX_BYTES as people read it ("2")."""
    return f"{int(current_app.config['LOGO_MAX_BYTES']) / 1_000_000:g}"


def _versions(form: OrganisationForm) -> dict:
    """The name's and description's versions as sent, and the locales checked."""
    return {"versions": {key: getattr(form, name).data or ""
                         for name, key in ORGANISATION_VERSIONS.items()},
            "reviewed": form.reviewed.data or []}


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit(organisation_id: int) -> str | Response:
    found, _role = organisation_and_role(organisation_id, edit=True)
    form = _form(found)
    done = save(form, lambda: orgs.update_profile(db(), people.person(), found, **_profile(form),
                                                  **_versions(form)),
                _refusal, notice=N_("Saved."),
                then=lambda _changed: url_for("console.organisation", organisation_id=found.id))
    return done or render_template("console/organisation_form.html", form=form,
                                   organisation=found, areas=form.areas.choices)


@bp.post("/organisations/<int:organisation_id>/invitations")
def invite(organisation_id: int) -> str:
    found = owned_organisation(organisation_id)
    code = orgs.invite(db(), people.person(), found)
    db().commit()
    link = url_for("console.join", code=code, _external=True)
    return render_template("console/invitation.html", organisation=found, code=code,
                           link=link)


@bp.route("/join/<code>", methods=["GET", "POST"])
def join(code: str) -> str | Response:
    form = ActionForm()
    if form.validate_on_submit():
        try:
            found = orgs.accept(db(), people.person(), code)
        except orgs.InvalidInvitation:
            db().rollback()
            return render_template("console/join.html", code=code, form=form, invalid=True)
        db().commit()
        flash(N_("You joined the organisation."))
        return redirect(url_for("console.organisation", organisation_id=found.id))
    return render_template("console/join.html", code=code, form=form, invalid=False)


@bp.post("/organisations/<int:organisation_id>/leave")
def leave(organisation_id: int) -> Response:
    found, _role = organisation_and_role(organisation_id, edit=True)
    try:
        orgs.leave(db(), people.person(), found)
    except orgs.NotAllowed:
        flash(N_("Hand ownership over to another member before you leave."))
        return redirect(url_for("console.organisation", organisation_id=found.id))
    db().commit()
    flash(N_("You left the organisation."))
    return redirect(url_for("console.home"))


@bp.post("/organisations/<int:organisation_id>/hand-over")
def hand_over(organisation_id: int) -> Response:
    found = owned_organisation(organisation_id)
    form = HandOverForm()
    target = db().get(User, form.to.data) if form.validate_on_submit() else None
    try:
        if target is None:
            raise orgs.NotAllowed("no one")
        orgs.hand_over(db(), people.person(), found, target)
    except orgs.NotAllowed:
        abort(400)
    db().commit()
    flash(N_("Ownership is handed over."))
    return redirect(url_for("console.organisation", organisation_id=found.id))
