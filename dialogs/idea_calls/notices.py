"""How the idea notifications read (rendered at send time, bot/registries.py): what became
of a person's idea, an adopted idea, a call's deadline coming up; and how a new call reads
in the new-items notice and digest (`summarise`, bot/registries.py ITEMS)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.kernel.composer import Choice
from bot.kernel.i18n import format_day, shown_text
from bot.notify.renderers import ItemSummary
from dialogs.idea_calls.cards import call_lines, deadline_day
from models import ideas as ide
from models.ideas import IDEA_STATUSES, Idea, IdeaCall
from models.timing import config_of


def render_status(session, user, notification, composer):  # type: ignore[no-untyped-def]
    idea = session.get(Idea, int(notification.ref))
    if idea is None or idea.submitter_id != user.id:
        return None
    lines = [composer._("Your idea {receipt} for “{theme}”: {status}", receipt=idea.receipt,
                        theme=shown_text(idea.call, "theme", composer.locale),
                        status=composer._(IDEA_STATUSES[idea.status]))]
    if idea.staff_message:  # the version in their language, if staff wrote one
        lines += ["", composer._("Message from the ward office:"),
                  shown_text(idea, "staff_message", composer.locale)]
    return [composer.text("\n".join(lines), back=False)]


def render_adopted(session, user, notification, composer):  # type: ignore[no-untyped-def]
    idea = session.get(Idea, int(notification.ref))
    if idea is None or idea.status != ide.ADOPTED:
        return None
    lead = composer._("The ward adopted an idea for “{theme}”:",
                      theme=shown_text(idea.call, "theme", composer.locale))
    body = idea.body or composer._("(an idea sent as a photo)")
    return [composer.text(f"{lead}\n\n{body}", back=False)]


def render_deadline(session, user, notification, composer):  # type: ignore[no-untyped-def]
    call = session.get(IdeaCall, int(notification.ref))
    if call is None or not call.is_open(datetime.now(UTC)):
        return None
    sent = session.scalar(select(Idea.id).where(Idea.call_id == call.id,
                                                Idea.submitter_id == user.id).limit(1))
    if sent is not None:
        return None
    tz = config_of(session)["BOT_TIMEZONE"]
    text = composer._("Ideas for “{theme}” are taken until {day}. There is still time.",
                      theme=shown_text(call, "theme", composer.locale),
                      day=format_day(deadline_day(call, tz), composer.locale))
    return [composer.text(text, [Choice.go(composer._("Submit an idea"), "idea_submit",
                                           c=call.id)])]


def summarise(session, ref, composer):  # type: ignore[no-untyped-def]
    try:
        call = session.get(IdeaCall, int(ref))
    except ValueError:
        return None
    if call is None or call.status != ide.OPEN_CALL:
        return None
    return ItemSummary(composer._("Idea call: {theme}",
                                   theme=shown_text(call, "theme", composer.locale)),
                       tuple(call_lines(composer, call, config_of(session)["BOT_TIMEZONE"])),
                       Choice.go(composer._("Submit an idea"), "idea_submit", c=call.id))
