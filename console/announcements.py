"""Staff announcements in the console: the recent and scheduled ones with their results,
cancelling one not yet due, and composing one: a text per language, who receives it (the
segments of models.announcements, shared with the chat's dialog), a count of recipients, a
preview of each language's message as LINE shows it, then send now or at a time in the
ward's time zone. Sending, counting and cancelling are the domain's functions that the
chat's dialog calls (dialogs/announce.py), so the recipient rule, pacing, quiet hours and
dedupe stay one implementation. Staff only, every change audit-logged."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug import Response

from bot.kernel.i18n import SUPPORTED_LOCALES, gettext, language_name
from bot.keys import key
from bot.redis_store import get_redis
from console import people
from console.access import found_or_404
from console.blueprint import bp
from console.db import db
from console.forms import LATER, ActionForm, AnnouncementForm
from console.i18n import html_lang, notice, translate
from console.saving import save
from models.announcements import (
    CANCELLED_ANN,
    SEGMENTS,
    Announcement,
    cancel_announcement,
    cancellable,
    count_recipients,
    create,
    message_for,
    recent,
    refresh_counts,
    schedule,
    text_for,
)
from models.locales import N_
from models.outbox import CANCELLED, FAILED, PENDING, SENDING, SENT, SKIPPED
from models.users import audit

LISTED = 20  # announcements on the list
ONCE_SECONDS = 24 * 3_600  # how long a preview's send button is remembered as pressed
PAST = N_("Please choose a time in the future.")
CANNOT_CANCEL = N_("Announcement {number} can no longer be cancelled: it is being sent, was "
                   "sent or was cancelled.")


def _now() -> datetime:
    return datetime.now(UTC)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BOT_TIMEZONE"])


@bp.get("/announcements")
@people.staff_only
def announcements() -> str:
    """The recent and scheduled ones, each with its outbox rows by state (read, not kept:
    a page that is only read writes nothing)."""
    now = _now()
    rows = []
    for announcement in recent(db(), limit=LISTED):
        by_state = refresh_counts(db(), announcement)
        rows.append({"announcement": announcement, "counts": by_state,
                     "waiting": by_state.get(PENDING, 0) + by_state.get(SENDING, 0),
                     "cancellable": cancellable(db(), announcement.id, now) is not None,
                     "segment": _segment_label(announcement.segment)})
    return render_template("console/announcements.html", rows=rows, action=ActionForm(),
                           states={"sent": SENT, "failed": FAILED, "skipped": SKIPPED,
                                   "cancelled": CANCELLED}, cancelled=CANCELLED_ANN)


def _segment_label(segment: dict) -> str:
    """The segment as the list names it: its kind and how many values were chosen."""
    found = SEGMENTS.get(segment.get("kind", ""))
    if found is None:
        return segment.get("kind", "")
    values = segment.get("values") or []
    label = translate(found.label)
    return f"{label} ({len(values)})" if values else label


@bp.post("/announcements/<int:announcement_id>/cancel")
@people.staff_only
def cancel_scheduled(announcement_id: int) -> Response:
    """Cancel one still scheduled; one that went out (or is going out) is left as it is and
    the person told so, as the chat does."""
    found_or_404(Announcement, announcement_id)
    announcement = cancellable(db(), announcement_id, _now())
    if announcement is None:
        notice(CANNOT_CANCEL, number=announcement_id)
        return redirect(url_for("console.announcements"))
    stopped = cancel_announcement(db(), announcement)
    audit(db(), "announce.cancel", actor=people.person(), announcement=announcement_id,
          cancelled=stopped, via="console")
    db().commit()
    notice(N_("Announcement {number} is cancelled: {count} messages will not be sent."),
           number=announcement_id, count=stopped)
    return redirect(url_for("console.announcements"))


# -- composing -------------------------------------------------------------------------------


def _form() -> AnnouncementForm:
    """The form, each segment's values its current choices (labels in the person's
    language)."""
    form = AnnouncementForm()
    for kind, segment in SEGMENTS.items():
        if segment.values is not None:
            form[f"values_{kind}"].choices = [
                (value, translate(label) if segment.translate_values else label)
                for value, label in segment.values(db())]
    return form


def _count(form: AnnouncementForm) -> int | None:
    """The recipients of the segment as chosen so far (None before one is chosen well)."""
    if form.segment.data not in SEGMENTS:
        return None
    segment = form.chosen()
    field = form.values_of(segment["kind"])
    known = {value for value, _label in (field.choices or [])} if field is not None else set()
    if field is not None and (not segment["values"] or not set(segment["values"]) <= known):
        return None
    return count_recipients(db(), segment)


def _send_at(form: AnnouncementForm) -> datetime | None:
    """When to send it (None: now); a time already past is refused on the form."""
    if form.send.data != LATER:
        return None
    at = datetime.combine(form.day.data, form.clock.data, _zone())
    if at <= _now():
        raise ValueError("past")
    return at


def _send(form: AnnouncementForm) -> Announcement:
    """Create and schedule it with the chat's domain functions; audit-logged alike."""
    at = _send_at(form)
    announcement = create(db(), texts=form.texts(), segment=form.chosen(),
                          author=people.person())
    targeted = schedule(db(), announcement, at=at or _now())
    audit(db(), "announce.send", actor=people.person(), announcement=announcement.id,
          targeted=targeted, segment=announcement.segment["kind"], via="console")
    return announcement


def _past(form: AnnouncementForm, _exc: ValueError) -> None:
    form.clock.errors = [*form.clock.errors, PAST]


@bp.route("/announcements/new", methods=["GET", "POST"])
@people.staff_only
def new_announcement() -> str | Response:
    """One form, four steps by the button pressed: count, preview, back to edit, send."""
    form = _form()
    step = request.form.get("step", "edit")
    if request.method == "POST" and step == "send" and not _first_press(
            request.form.get("once", "")):
        notice(N_("This announcement was sent already: nothing more was sent."))
        return redirect(url_for("console.announcements"))
    if request.method == "POST" and step == "send":
        done = save(form, lambda: _send(form), _past,
                    notice=N_("The announcement is on its way. Its results are below."),
                    then=lambda _sent: url_for("console.announcements"))
        if done is not None:
            return done
    elif request.method == "POST" and step == "preview" and form.validate():
        try:
            at = _send_at(form)
        except ValueError as exc:
            _past(form, exc)
        else:
            return _preview(form, at)
    count = _count(form) if request.method == "POST" else None
    return render_template("console/announcement_form.html", form=form, count=count,
                           locales=_locales(), segments=SEGMENTS,
                           timezone=current_app.config["BOT_TIMEZONE"])


def _first_press(once: str) -> bool:
    """Whether this is the first press of a preview's send button (its token, made with the
    preview): a second one (a double click, the browser's back button) sends nothing more.
    The form shown again after a refusal has no token: it goes through the preview again."""
    return bool(once) and bool(get_redis().set(key("console", "announce_once", once[:64]), 1,
                                               nx=True, ex=ONCE_SECONDS))


def _locales() -> list[tuple[str, str, str]]:
    """(code, the language's own name, its lang attribute) of every language."""
    return [(code, language_name(code), html_lang(code)) for code in SUPPORTED_LOCALES]


def _preview(form: AnnouncementForm, at: datetime | None) -> str:
    """Each language's message as its readers will get it, which languages get the
    Japanese text instead, the count and when; the form's values carried on, hidden."""
    texts = form.texts()
    bubbles = [{"name": name, "lang": lang, "own": (text_for(texts, code) or ("", False))[1],
                "text": message_for(texts, code, functools.partial(gettext, code))}
               for code, name, lang in _locales()]
    # with a translator, the languages staff did not write get the machine's translation
    # when the job has made it before the send time (none is made yet at the preview)
    return render_template("console/announcement_preview.html", form=form, bubbles=bubbles,
                           untranslated=[b["name"] for b in bubbles if not b["own"]],
                           translator=bool(current_app.config.get("TRANSLATOR_URL")),
                           count=count_recipients(db(), form.chosen()), at=at,
                           once=secrets.token_urlsafe(24),
                           segment=_segment_label(form.chosen()))


@bp.get("/announcements/count")
@people.staff_only
def recipients_count() -> Response:
    """The live count for the compose page's script: {"count": n, "text": "..."}."""
    kind = request.args.get("segment", "")
    if kind not in SEGMENTS:
        abort(400)
    values = request.args.getlist(f"values_{kind}")
    if SEGMENTS[kind].values is not None and not values:
        return jsonify(count=None, text="")
    count = count_recipients(db(), {"kind": kind, "values": values})
    return jsonify(count=count, text=translate(N_("Recipients: {count}"), count=count))
