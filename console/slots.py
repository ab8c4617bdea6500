"""Slots of an activity in the console: add one, edit one, copy one as a weekly series,
cancel one (its people are told, in their language: models/organising.py). Times are read
and shown in the ward's time zone (BOT_TIMEZONE). Members only (console/access.py)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from werkzeug import Response

from console import people
from console.access import activity_and_role, member_slot, slot_and_role
from console.blueprint import bp
from console.db import db
from console.forms import (
    CAPACITY_OR_NO_LIMIT,
    TOO_LONG,
    ActionForm,
    CopyForm,
    SlotForm,
)
from console.i18n import notice
from console.saving import save
from models.activities import Activity, Slot, as_utc, new_checkin_word
from models.base import TooLong
from models.locales import N_
from models.organising import (
    SLOT_VERSION_FIELDS,
    SlotError,
    SlotValues,
    add_slot,
    cancel_slot,
    copy_weekly,
    update_slot,
)

# the domain's refusals: which field shows them, and how
SLOT_PROBLEMS = {
    "order": ("ends", N_("The end must come after the start.")),
    "deadline": ("deadline_day", N_("The sign-up deadline must be before the start.")),
    "capacity": ("capacity", N_("The capacity cannot be below the number already signed up.")),
}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BOT_TIMEZONE"])


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, _zone())


def _values(form: SlotForm) -> SlotValues:
    deadline = (_at(form.deadline_day.data, form.deadline_time.data)
                if form.deadline_day.data and form.deadline_time.data else None)
    starts = _at(form.day.data, form.starts.data)
    return SlotValues(
        starts_at=starts, ends_at=_at(form.day.data, form.ends.data),
        place=form.place.data, address=form.address.data, access=form.access.data,
        lat=form.lat.data,
        lon=form.lon.data, capacity=None if form.no_limit.data else form.capacity.data,
        signup_deadline=deadline, checkin_word=form.checkin_word.data)


def _fill(form: SlotForm, slot: Slot) -> None:
    """The form as the slot is now, in the ward's time zone (a GET of the edit page)."""
    starts = as_utc(slot.starts_at).astimezone(_zone())
    form.day.data, form.starts.data = starts.date(), starts.time()
    form.ends.data = as_utc(slot.ends_at).astimezone(_zone()).time()
    form.place.data, form.address.data = slot.place, slot.address
    form.access.data = slot.access
    for name, key in SLOT_VERSION_FIELDS.items():
        form[name].data = slot.version(*key)
    form.lat.data, form.lon.data = slot.lat, slot.lon
    form.capacity.data, form.no_limit.data = slot.capacity, slot.capacity is None
    if slot.signup_deadline is not None:
        deadline = as_utc(slot.signup_deadline).astimezone(_zone())
        form.deadline_day.data, form.deadline_time.data = deadline.date(), deadline.time()
    form.checkin_word.data = slot.checkin_word


def _refusal(form: SlotForm, exc: ValueError) -> None:
    if isinstance(exc, TooLong):
        name, message = exc.field, TOO_LONG
    else:
        name, message = SLOT_PROBLEMS.get(str(exc), ("day", CAPACITY_OR_NO_LIMIT))
    field = getattr(form, name, form.day)
    field.errors = [*field.errors, message]


def _page(form: SlotForm, activity: Activity, slot: Slot | None) -> str:
    return render_template("console/slot_form.html", form=form, activity=activity, slot=slot,
                           timezone=current_app.config["BOT_TIMEZONE"])


@bp.route("/activities/<int:activity_id>/slots/new", methods=["GET", "POST"])
def new_slot(activity_id: int) -> str | Response:
    activity, _role = activity_and_role(activity_id, edit=True)
    form = SlotForm()
    if not form.is_submitted():
        form.checkin_word.data = new_checkin_word()  # as every slot gets one
    done = save(form, lambda: add_slot(db(), people.person(), activity, _values(form),
                                       versions=form.versions()),
                _refusal, notice=N_("The slot is added."),
                then=lambda _slot: url_for("console.activity", activity_id=activity.id))
    return done or _page(form, activity, None)


@bp.route("/slots/<int:slot_id>/edit", methods=["GET", "POST"])
def edit_slot(slot_id: int) -> str | Response:
    slot = member_slot(slot_id, live=True)
    form = SlotForm()
    if not form.is_submitted():
        _fill(form, slot)
    offer_minutes = int(current_app.config["WAITLIST_OFFER_MINUTES"])
    done = save(form, lambda: update_slot(db(), people.person(), slot, _values(form),
                                          offer_minutes=offer_minutes,
                                          versions=form.versions(),
                                          reviewed=form.reviewed.data or ()),
                _refusal, notice=N_("Saved."),
                then=lambda _changed: url_for("console.activity", activity_id=slot.activity_id))
    return done or _page(form, slot.activity, slot)


@bp.post("/slots/<int:slot_id>/copy")
def copy_slot(slot_id: int) -> Response:
    slot, _role = slot_and_role(slot_id, edit=True)
    form = CopyForm()
    if not form.validate_on_submit():
        flash(N_("Please enter a number of weeks from 1 to 52."))
    else:
        try:
            made = copy_weekly(db(), people.person(), slot, form.weeks.data)
        except SlotError:
            abort(400)
        db().commit()
        notice(N_("{count} more slots are added, a week apart."), count=len(made))
    return redirect(url_for("console.activity", activity_id=slot.activity_id))


@bp.post("/slots/<int:slot_id>/cancel")
def cancel(slot_id: int) -> Response:
    slot, _role = slot_and_role(slot_id, edit=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    told = cancel_slot(db(), people.person(), slot)
    db().commit()
    notice(N_("The slot is cancelled. People signed up are told: {count}."), count=told)
    return redirect(url_for("console.activity", activity_id=slot.activity_id))
