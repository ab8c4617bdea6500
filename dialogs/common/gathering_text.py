"""A gathering as people read it: its title, where and when, who attends, and RSVP buttons
(shown in the gathering dialog and on initiative and idea call pages)."""

from __future__ import annotations

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context
from bot.kernel.i18n import format_when, shown_text
from models import gatherings as gat
from models.gatherings import ATTEND, DECLINE, Gathering
from models.ideas import IdeaCall
from models.initiatives import Initiative


def place_lines(out: Composer, gathering: Gathering, tz: str) -> list[str]:
    lines = [f"📅 {format_when(gathering.starts_at, out.locale, tz)}"]
    if gathering.place:
        lines.append(f"📍 {shown_text(gathering, 'place', out.locale)}")
    if gathering.online_url:
        lines.append(out._("Online: {link}", link=gathering.online_url))
    return lines


def gathering_lines(ctx: Context, gathering: Gathering) -> list[str]:
    counts = gat.counts(ctx.session, gathering)
    return [*place_lines(ctx.out, gathering, ctx.config["BOT_TIMEZONE"]),
            ctx._("Attending: {count}", count=counts[ATTEND])]


def gathering_title(out: Composer, session, gathering: Gathering) -> str:  # type: ignore[no-untyped-def]
    if gathering.initiative_id is not None:
        initiative = session.get(Initiative, gathering.initiative_id)
        title = shown_text(initiative, "title", out.locale) if initiative else ""
        return out._("Preparation gathering: {title}", title=title)
    call = session.get(IdeaCall, gathering.idea_call_id)
    theme = shown_text(call, "theme", out.locale) if call else ""
    return out._("Idea meeting: {theme}", theme=theme)


def rsvp_choices(out: Composer, gathering: Gathering) -> list[Choice]:
    return [Choice(out._("Attend"), "rsvp", {"g": gathering.id, "v": ATTEND}, style="primary"),
            Choice.go(out._("Not attending"), "rsvp", g=gathering.id, v=DECLINE)]
