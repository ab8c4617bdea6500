"""An organisation's activities in the console: the list with each activity's upcoming
slots, an activity's page with all its slots, creating and editing an activity. Members
read and change; staff read only (console/access.py)."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from werkzeug import Response

from console import people
from console.access import activity_and_role, organisation_and_role
from console.blueprint import bp
from console.db import db
from console.forms import REQUIRED, TOO_LONG, ActivityForm
from console.saving import save
from models import organisations as orgs
from models.activities import Activity
from models.announcements import area_names
from models.base import TooLong, utcnow
from models.locales import N_
from models.organising import (
    ACTIVITY_FIELDS,
    create_activity,
    organisation_activities,
    update_activity,
)
from models.texts import original_language


def _form(activity: Activity | None = None) -> ActivityForm:
    """The form, its areas the ward's (and an imported activity's own, kept as it is)."""
    form = ActivityForm(obj=activity)
    areas = area_names(current_app.config)
    if activity is not None and activity.area and activity.area not in areas:
        areas.append(activity.area)
    form.area.choices = [("", "—"), *((a, a) for a in areas)]
    if activity is None and not form.is_submitted():  # a new one: in its writer's language
        person = people.person()
        form.original_locale.data = original_language(person.locale if person else None)
    return form


def _values(form: ActivityForm) -> dict:
    return {name: getattr(form, name).data for name in ACTIVITY_FIELDS}


def _refusal(form: ActivityForm, exc: ValueError) -> None:
    """The domain refused what the form let through (a blank title, say)."""
    field = getattr(form, exc.field if isinstance(exc, TooLong) else "title", form.title)
    field.errors = [*field.errors, TOO_LONG if isinstance(exc, TooLong) else REQUIRED]


@bp.get("/organisations/<int:organisation_id>/activities")
def activities(organisation_id: int) -> str:
    found, role = organisation_and_role(organisation_id)
    listing = organisation_activities(db(), found.id, now=utcnow())
    return render_template("console/activities.html", organisation=found, role=role,
                           activities=listing, public=orgs.is_public(found))


@bp.route("/organisations/<int:organisation_id>/activities/new", methods=["GET", "POST"])
def new_activity(organisation_id: int) -> str | Response:
    found, _role = organisation_and_role(organisation_id, edit=True)
    form = _form()
    done = save(form, lambda: create_activity(db(), people.person(), found.id, **_values(form)),
                _refusal, notice=_saved_notice(found),
                then=lambda made: url_for("console.activity", activity_id=made.id))
    return done or render_template("console/activity_form.html", form=form,
                                   organisation=found, activity=None,
                                   public=orgs.is_public(found))


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int) -> str:
    found, role = activity_and_role(activity_id)
    return render_template("console/activity.html", activity=found, role=role,
                           organisation=found.organisation,
                           public=orgs.is_public(found.organisation), now=utcnow())


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def edit_activity(activity_id: int) -> str | Response:
    found, _role = activity_and_role(activity_id, edit=True)
    form = _form(found)
    done = save(form, lambda: update_activity(db(), people.person(), found, **_values(form)),
                _refusal, notice=_saved_notice(found.organisation),
                then=lambda _changed: url_for("console.activity", activity_id=found.id))
    return done or render_template("console/activity_form.html", form=form,
                                   organisation=found.organisation, activity=found,
                                   public=orgs.is_public(found.organisation))


def _saved_notice(organisation: orgs.Organisation | None) -> str:
    return N_("Saved.") if orgs.is_public(organisation) else N_(
        "Saved. Residents will see it once ward staff have verified your organisation.")
