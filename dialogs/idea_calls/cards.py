"""How an idea call reads (its lines, its last day) and how a step finds the call that a
button or the dialog data names."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.kernel.composer import Composer, clip
from bot.kernel.engine import Context, Input
from bot.kernel.i18n import format_day, shown_text
from dialogs.common.answers import int_arg
from models.ideas import IdeaCall
from models.locales import area_label
from models.outbox import as_utc


def deadline_day(call: IdeaCall, tz: str) -> date:
    """The last day ideas are taken (the deadline is midnight at its end)."""
    return (as_utc(call.deadline) - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).date()


def call_lines(out: Composer, call: IdeaCall, tz: str, *, full: bool = False) -> list[str]:
    issue = shown_text(call, "issue", out.locale)
    lines = [issue if full else clip(issue, 120),
             out._("Ideas until {day}", day=format_day(deadline_day(call, tz), out.locale))]
    if call.area:
        lines.append(out._("Area: {area}", area=area_label(out._, call.area)))
    return lines


def named_call(ctx: Context, inp: Input) -> IdeaCall | None:
    """The call named by the postback's argument, else by the dialog data."""
    ident = int_arg(inp, "c") if "c" in inp.args else ctx.state.data.get("c")
    return ctx.session.get(IdeaCall, ident) if isinstance(ident, int) else None
