"""Who signed up for a slot, for its organisation's members: display names only (what the
person shows on LINE; nothing else they told us), the waitlist, and once the slot has
started each person marked attended or did not come, with the same domain function the
chat's organiser dialog uses (models/attendance.py), so points move the same way. And the
organisation's participants as a CSV. Members only; every mark and download is
audit-logged."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, redirect, render_template, url_for
from werkzeug import Response

from console import people
from console.access import member_slot, organisation_and_role
from console.blueprint import bp
from console.db import db
from console.forms import MarkForm
from console.i18n import notice, translate
from console.spreadsheet import cell, csv_response
from models.activities import as_utc
from models.attendance import attendance_list, came_by_themselves, mark_attendance
from models.base import utcnow
from models.locales import N_
from models.organising import participants
from models.signups import ATTENDED, CONFIRMED, NO_SHOW, OFFERED, WAITLISTED, Signup, slot_roster
from models.users import audit

STATUS_LABELS = {CONFIRMED: N_("Signed up"), WAITLISTED: N_("On the waitlist"),
                 OFFERED: N_("Seat offered"), ATTENDED: N_("Attended"),
                 NO_SHOW: N_("Did not come")}
OUTCOMES = {
    "marked": N_("{name} is marked: {status}."),
    "unchanged": N_("{name} is marked: {status}."),
    "not_started": N_("Attendance can be marked once the slot has started."),
    "not_participant": N_("{name} is not signed up for this slot any more."),
    "came": N_("{name} checked in, so they stay marked as attended."),
}


@bp.get("/slots/<int:slot_id>/roster")
def roster(slot_id: int) -> str:
    slot = member_slot(slot_id)
    started = as_utc(slot.starts_at) <= utcnow()
    people_on = slot_roster(db(), slot)
    waiting = [(name, status) for name, status in people_on
               if status in (WAITLISTED, OFFERED)]
    marks = [(signup, name, came_by_themselves(db(), signup))
             for signup, name in attendance_list(db(), slot)]
    return render_template("console/roster.html", slot=slot, started=started, marks=marks,
                           waiting=waiting, labels=STATUS_LABELS, form=MarkForm())


@bp.post("/slots/<int:slot_id>/attendance/<int:signup_id>")
def mark(slot_id: int, signup_id: int) -> Response:
    slot = member_slot(slot_id)
    signup = db().get(Signup, signup_id)
    if signup is None or signup.slot_id != slot.id:
        abort(404)
    form = MarkForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = mark_attendance(db(), signup, form.status.data, now=utcnow())
    if outcome == "marked":
        audit(db(), "attendance.mark", actor=people.person(), subject=signup.user,
              signup=signup.id, status=form.status.data)
    db().commit()
    notice(OUTCOMES[outcome], name=signup.user.display_name or "—",
           status=translate(STATUS_LABELS[form.status.data]))
    return redirect(url_for("console.roster", slot_id=slot.id))


@bp.get("/organisations/<int:organisation_id>/participants.csv")
def participants_csv(organisation_id: int) -> Response:
    found, _role = organisation_and_role(organisation_id, edit=True)
    rows = participants(db(), found.id)
    audit(db(), "participants.export", actor=people.person(), organisation=found.id,
          rows=len(rows))
    db().commit()
    zone = ZoneInfo(current_app.config["BOT_TIMEZONE"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(N_("Display name")), translate(N_("Activity")),
                     translate(N_("Date and time")), translate(N_("Status")),
                     translate(N_("Attended"))])
    for row in rows:
        writer.writerow([cell(row.display_name), cell(row.activity),
                         _local(row.starts_at, zone), row.status,
                         "yes" if row.attended else "no"])
    return csv_response(out.getvalue(), f"participants-{found.id}.csv")


def _local(value: datetime, zone: ZoneInfo) -> str:
    return as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")
