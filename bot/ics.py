""""Add to calendar": a gathering's .ics file at an unguessable address.

The token in the address is the only key (no LINE login in a phone's calendar app), so it is
32 random bytes, and the file holds only what the invitation already showed.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.gatherings import by_token, ics
from models.ideas import IdeaCall
from models.initiatives import Initiative

bp = Blueprint("ics", __name__)


@bp.get("/ics/<token>.ics")
def gathering_ics(token: str) -> Response:
    with session_scope() as session:
        gathering = by_token(session, token)
        if gathering is None:
            abort(404)
        title, description = calendar_text(session, gathering,
                                           current_app.config["BOT_DEFAULT_LOCALE"])
        body = ics(gathering, title=title, description=description)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": "attachment; filename=gathering.ics",
                             "Cache-Control": "private, no-store"})


def calendar_text(session, gathering, locale: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The event's title (the initiative's title or the call's theme, as written)."""

    if gathering.initiative_id is not None:
        initiative = session.get(Initiative, gathering.initiative_id)
        name = initiative.title if initiative else ""
        # Translators: calendar entry title; {title} is the initiative's own title
        return gettext(locale, "Preparation gathering: {title}", title=name), ""
    call = session.get(IdeaCall, gathering.idea_call_id)
    # Translators: calendar entry title; {theme} is the idea call's theme
    return gettext(locale, "Idea meeting: {theme}", theme=call.theme if call else ""), ""


