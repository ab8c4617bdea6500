"""Staff's idea calls in the console (区からのアイデア募集型): the calls with their number of
ideas; creating and editing one (theme and issue per language, the last day ideas are
taken, a category for a new one), closing one early; its idea meetings (アイデアの会); its
ideas as a table with filters (status, sent between two days, text contains) and their
photos; deciding on an idea with a message that the submitter receives in their language,
and announcing an adopted one; the ideas as CSV.

Calls are published, ideas decided and meetings scheduled with the domain functions the
chat's staff dialogs call (models/ideas.py, models/gatherings.py): the same notification
kinds and renderers (`idea.status` reaches the submitter through the outbox; a meeting's
invitations go to everyone who sent an idea). Staff only, every change audit-logged. Photos
are shown through the photo view (bot/photos.py) at their unguessable address, which only
these staff pages and the submitter's own cards carry.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug import Response

from bot.kernel.i18n import SUPPORTED_LOCALES, language_name
from console import people
from console.access import found_or_404
from console.blueprint import bp
from console.db import db
from console.forms import CALL_VERSION_FIELDS, IdeaCallForm, MeetingForm, ReviewForm
from console.i18n import notice, translate
from console.spreadsheet import cell, csv_response
from models import gatherings as gat
from models import ideas as ide
from models.base import TooLong, utcnow
from models.ideas import IDEA_STATUSES, Idea, IdeaCall, IdeaError
from models.locales import N_
from models.outbox import as_utc
from models.photos import Photo
from models.texts import VERSION_LOCALES, preload
from models.users import User, audit

LISTED = 50  # calls on the list
SHOWN_IDEAS = 500  # rows of the table (the CSV has them all)
PAST_DAY = N_("That day has passed. Please pick a later one.")
NO_PLACE = N_("Give a place or a web address.")
CSV_HEADER = (N_("Receipt number"), N_("Sent at"), N_("Status"), N_("Idea"), N_("Photo"),
              N_("Could help carry it out"), N_("Language"), N_("Message"),
              N_("Decided at"))


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BOT_TIMEZONE"])


def _config() -> dict:
    return dict(current_app.config)


@bp.get("/idea-calls")
@people.staff_only
def idea_calls() -> str:
    """Newest first, each with its number of ideas (one statement)."""
    counted = (select(func.count(Idea.id)).where(Idea.call_id == IdeaCall.id)
               .correlate(IdeaCall).scalar_subquery())
    rows = list(db().execute(select(IdeaCall, counted).order_by(IdeaCall.id.desc())
                             .limit(LISTED)))
    return render_template("console/idea_calls.html", rows=rows, now=utcnow())


def _deadline(form: IdeaCallForm) -> datetime:
    return ide.deadline_from_day(form.deadline.data, current_app.config["BOT_TIMEZONE"])


def _last_day(call: IdeaCall) -> date:
    return (as_utc(call.deadline) - timedelta(seconds=1)).astimezone(_zone()).date()


def _refused(form: IdeaCallForm, exc: ValueError) -> None:
    db().rollback()
    if isinstance(exc, TooLong):
        field = form._fields.get(exc.field, form.theme)
        field.errors = [*field.errors, N_("This is too long.")]
    elif not isinstance(exc, IdeaError):
        raise exc
    else:
        form.deadline.errors = [*form.deadline.errors, PAST_DAY]


@bp.route("/idea-calls/new", methods=["GET", "POST"])
@people.staff_only
def new_idea_call() -> str | Response:
    form = IdeaCallForm()
    if form.validate_on_submit():
        try:
            call = ide.publish_call(db(), theme=form.theme.data, issue=form.issue.data,
                                    deadline=_deadline(form), category=form.category.data,
                                    by=people.person(), config=_config())
            ide.write_versions(db(), call, form.versions(), ide.CALL_LIMITS)
        except ValueError as exc:
            _refused(form, exc)
        else:
            audit(db(), "idea_call.publish", actor=people.person(), call=call.id,
                  via="console")
            db().commit()
            notice(N_("Idea call {number} is published."), number=call.id)
            return redirect(url_for("console.idea_call", call_id=call.id))
    return render_template("console/idea_call_form.html", form=form, call=None,
                           version_fields=CALL_VERSION_FIELDS)


@bp.route("/idea-calls/<int:call_id>/edit", methods=["GET", "POST"])
@people.staff_only
def edit_idea_call(call_id: int) -> str | Response:
    call = found_or_404(IdeaCall, call_id)
    form = IdeaCallForm(data={"theme": call.theme, "issue": call.issue,
                              "deadline": _last_day(call), "category": call.category,
                              **{name: call.version(*key)
                                 for name, key in CALL_VERSION_FIELDS.items()}})
    if form.validate_on_submit():
        try:
            changed = ide.update_call(db(), call, theme=form.theme.data,
                                      issue=form.issue.data, deadline=_deadline(form),
                                      versions=form.versions(), config=_config(),
                                      reviewed=form.reviewed.data or ())
        except ValueError as exc:
            _refused(form, exc)
        else:
            if changed:
                audit(db(), "idea_call.update", actor=people.person(), call=call.id,
                      fields=changed, via="console")
            db().commit()
            notice(N_("Saved."))
            return redirect(url_for("console.idea_call", call_id=call.id))
    return render_template("console/idea_call_form.html", form=form, call=call,
                           version_fields=CALL_VERSION_FIELDS)


@bp.post("/idea-calls/<int:call_id>/close")
@people.staff_only
def close_idea_call(call_id: int) -> Response:
    """Close an open call before its deadline (the ideas sent stay for review)."""
    call = found_or_404(IdeaCall, call_id)
    if call.is_open(utcnow()):
        ide.close_call(db(), call)
        audit(db(), "idea_call.close", actor=people.person(), call=call.id, via="console")
        db().commit()
        notice(N_("“{theme}” is closed. No more ideas are taken."), theme=call.theme)
    return redirect(url_for("console.idea_call", call_id=call.id))


# -- one call: its meetings and its ideas ------------------------------------------------------


def _filters() -> dict:
    """The table's filters from the query string; a value that does not read is ignored."""
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    status = request.args.get("status", "")
    return {"status": status if status in IDEA_STATUSES else "",
            "since": day("since"), "until": day("until"),
            "contains": request.args.get("contains", "")[:100]}


def _ideas(call: IdeaCall, filters: dict, limit: int | None) -> list[tuple[Idea, str | None]]:
    """The call's ideas as filtered; the days are whole days in the ward's time zone."""
    zone = _zone()
    since, until = filters["since"], filters["until"]
    return ide.ideas_table(
        db(), call, status=filters["status"] or None, contains=filters["contains"],
        since=datetime.combine(since, datetime.min.time(), zone) if since else None,
        until=datetime.combine(until + timedelta(days=1), datetime.min.time(), zone)
        if until else None, limit=limit)


def _photo_tokens(ideas: list[Idea]) -> dict[int, str]:
    """idea id -> its photo's address token, in one statement."""
    wanted = {(i.submitter_id, i.photo_message_id): i.id for i in ideas
              if i.submitter_id is not None and i.photo_message_id}
    if not wanted:
        return {}
    owners = {owner for owner, _message in wanted}
    rows = db().execute(select(Photo.owner_id, Photo.message_id, Photo.token)
                        .where(Photo.owner_id.in_(owners),
                               Photo.message_id.in_({m for _o, m in wanted})))
    return {wanted[(owner, message)]: token for owner, message, token in rows
            if (owner, message) in wanted}


@bp.get("/idea-calls/<int:call_id>")
@people.staff_only
def idea_call(call_id: int) -> str:
    call = found_or_404(IdeaCall, call_id)
    filters = _filters()
    rows = _ideas(call, filters, SHOWN_IDEAS)
    meetings = list(db().scalars(select(gat.Gathering).where(
        gat.Gathering.idea_call_id == call.id).order_by(gat.Gathering.starts_at)))
    return render_template(
        "console/idea_call.html", call=call, rows=rows, filters=filters,
        photos=_photo_tokens([idea for idea, _locale in rows]), statuses=IDEA_STATUSES,
        meetings=meetings, meeting_form=MeetingForm(), last_day=_last_day(call),
        total=ide.count_ideas(db(), call), shown=SHOWN_IDEAS,
        language=_language, now=utcnow())


def _language(code: str | None) -> str:
    return language_name(code) if code in SUPPORTED_LOCALES else "—"


@bp.post("/idea-calls/<int:call_id>/meetings")
@people.staff_only
def new_meeting(call_id: int) -> str | Response:
    call = found_or_404(IdeaCall, call_id)
    form = MeetingForm()
    if form.validate():
        starts = datetime.combine(form.day.data, form.clock.data, _zone())
        try:
            meeting = gat.schedule(db(), kind=gat.IDEA_MEETING, starts_at=starts,
                                   place=form.place.data or "",
                                   online_url=form.online_url.data or "",
                                   idea_call_id=call.id, by_user_id=people.person().id)
        except gat.GatheringError as exc:
            db().rollback()
            field = form.day if exc.code == "past" else form.place
            field.errors = [*field.errors, PAST_DAY if exc.code == "past" else
                            NO_PLACE if exc.code == "no_place" else N_("This is too long.")]
        else:  # as from the chat: everyone who sent an idea is invited
            invited = gat.invite(db(), meeting, [u for u in ide.submitters(db(), call)
                                                 if u != people.person().id])
            audit(db(), "gathering.schedule", actor=people.person(), gathering=meeting.id,
                  call=call.id, invited=invited, via="console")
            db().commit()
            notice(N_("The idea meeting is scheduled."))
            return redirect(url_for("console.idea_call", call_id=call.id))
    return render_template("console/idea_call.html", call=call, rows=[], filters=_filters(),
                           photos={}, statuses=IDEA_STATUSES, meetings=[], now=utcnow(),
                           meeting_form=form, last_day=_last_day(call),
                           total=ide.count_ideas(db(), call), shown=0, language=_language)


@bp.get("/idea-calls/<int:call_id>/ideas.csv")
@people.staff_only
def ideas_csv(call_id: int) -> Response:
    """The ideas as filtered on the page, as CSV in UTF-8 with a BOM (so that Excel reads
    it as UTF-8; a cell a spreadsheet would take for a formula is written as text); headers
    in the person's language, times in the ward's. No names: the receipt number is what
    staff and the submitter share."""
    call = found_or_404(IdeaCall, call_id)
    zone, out = _zone(), io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(h) for h in CSV_HEADER])

    def when(value: datetime | None) -> str:
        return as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    rows = _ideas(call, _filters(), None)
    for idea, locale in rows:
        writer.writerow([idea.receipt, when(idea.created_at),
                         translate(IDEA_STATUSES[idea.status]), cell(idea.body),
                         "1" if idea.photo_message_id else "",
                         "" if idea.can_help is None else int(idea.can_help),
                         locale or "", cell(idea.staff_message), when(idea.reviewed_at)])
    audit(db(), "idea_call.export", actor=people.person(), call=call.id, rows=len(rows))
    db().commit()
    return csv_response(out.getvalue(), f"idea-call-{call.id}.csv")


# -- one idea: staff's decision ----------------------------------------------------------------


@bp.route("/ideas/<int:idea_id>", methods=["GET", "POST"])
@people.staff_only
def idea(idea_id: int) -> str | Response:
    found = found_or_404(Idea, idea_id)
    submitter = found.submitter_id and db().get(User, found.submitter_id)
    theirs = submitter.locale if submitter and submitter.locale in VERSION_LOCALES else None
    form = ReviewForm(data={"status": found.status if found.status in ide.REVIEW_STATUSES
                            else None, "message": found.staff_message,
                            "message_theirs": found.version("staff_message", theirs)
                            if theirs else ""})
    if form.validate_on_submit():
        versions = {f"staff_message_{theirs}": form.message_theirs.data} if theirs else {}
        try:
            ide.set_status(db(), found, form.status.data, message=form.message.data or "",
                           versions=versions, now=utcnow())
        except TooLong:
            db().rollback()
            form.message.errors = [*form.message.errors, N_("This is too long.")]
        else:
            audit(db(), "idea.review", actor=people.person(), idea=found.id,
                  status=found.status, via="console")
            db().commit()
            notice(N_("Idea {receipt} is now “{status}”. The person who sent it will be told."),
                   receipt=found.receipt, status=translate(IDEA_STATUSES[found.status]))
            return redirect(url_for("console.idea_call", call_id=found.call_id))
    preload(db(), [found.call])
    return render_template("console/idea.html", idea=found, call=found.call, form=form,
                           statuses=IDEA_STATUSES, theirs=theirs,
                           their_language=language_name(theirs) if theirs else None,
                           photo=_photo_tokens([found]).get(found.id))


@bp.post("/ideas/<int:idea_id>/announce")
@people.staff_only
def announce_idea(idea_id: int) -> Response:
    """Tell everyone who sent an idea to the call, and the call's followers, of an adopted
    idea (once), as the chat's review does."""
    found = found_or_404(Idea, idea_id)
    if found.status != ide.ADOPTED or found.announced:
        notice(N_("This button is no longer valid."))
        return redirect(url_for("console.idea", idea_id=found.id))
    count = ide.announce_adopted(db(), found, now=utcnow())
    audit(db(), "idea.announce", actor=people.person(), idea=found.id, told=count,
          via="console")
    db().commit()
    notice(N_("The adopted idea is on its way to {count} people."), count=count)
    return redirect(url_for("console.idea", idea_id=found.id))
