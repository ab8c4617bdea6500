""""Add to calendar": a gathering's .ics file at an unguessable address.

The token in the address is the only key (no LINE login in a phone's calendar app), so it is
32 random bytes, and the file holds only what the invitation already showed. The address
carries the reader's language (`?lang=en`), as the link in their chat was written in it; an
unknown or missing one reads in BOT_DEFAULT_LOCALE.

One VEVENT under a UID that stays the gathering's, with the gathering's SEQUENCE: when it
moves or is called off, the file downloaded again replaces the entry already in a phone's
calendar instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, current_app, request
from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from models.base import utcnow
from models.gatherings import Gathering, by_token
from models.ideas import IdeaCall
from models.initiatives import Initiative
from models.outbox import as_utc

bp = Blueprint("ics", __name__)

PRODID = "-//machibot//gatherings//EN"
UID_DOMAIN = "machibot"  # UIDs already in people's calendars read gathering-N@machibot
GATHERING_HOURS = 2  # how long the calendar entry lasts


@bp.get("/ics/<token>.ics")
def gathering_ics(token: str) -> Response:
    locale = request.args.get("lang", "")
    if locale not in SUPPORTED_LOCALES:
        locale = current_app.config["BOT_DEFAULT_LOCALE"]
    with session_scope() as session:
        gathering = by_token(session, token)
        if gathering is None:
            abort(404)
        title, description = calendar_text(session, gathering, locale)
        body = calendar_file(gathering, title=title, description=description,
                             place=gathering.shown("place", locale).text)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": "attachment; filename=gathering.ics",
                             "Cache-Control": "private, no-store"})


def calendar_text(session: Session, gathering: Gathering, locale: str) -> tuple[str, str]:
    """The event's title (the initiative's title or the call's theme, in the reader's
    version: models/texts.py, without the chat's marks) and its description (the online
    link, as the invitation shows it), in `locale`."""
    description = (gettext(locale, "Online: {link}", link=gathering.online_url)
                   if gathering.online_url else "")
    if gathering.initiative_id is not None:
        initiative = session.get(Initiative, gathering.initiative_id)
        name = initiative.shown("title", locale).text if initiative else ""
        # Translators: calendar entry title; {title} is the initiative's own title
        return gettext(locale, "Preparation gathering: {title}", title=name), description
    call = session.get(IdeaCall, gathering.idea_call_id)
    # Translators: calendar entry title; {theme} is the idea call's theme
    theme = call.shown("theme", locale).text if call else ""
    return (gettext(locale, "Idea meeting: {theme}", theme=theme),
            description)


def calendar_file(gathering: Gathering, *, title: str, description: str = "",
                  place: str | None = None, now: datetime | None = None) -> bytes:
    """The gathering as an iCalendar (RFC 5545) file; `title`, `description` and `place`
    (else the place as written) in the reader's words. Times are in UTC: an absolute time,
    which every calendar shows in its own zone."""
    start = as_utc(gathering.starts_at)
    event = Event()
    event.add("uid", f"gathering-{gathering.id}@{UID_DOMAIN}")
    event.add("sequence", gathering.sequence or 0)
    event.add("dtstamp", as_utc(now or utcnow()))
    event.add("created", as_utc(gathering.created_at or utcnow()))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=GATHERING_HOURS))
    event.add("summary", title)
    location = place or gathering.place or gathering.online_url
    if location:
        event.add("location", location)
    if gathering.online_url:
        event.add("url", gathering.online_url)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if gathering.cancelled else "CONFIRMED")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()
