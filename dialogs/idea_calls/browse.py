"""A resident's view of idea calls: the open calls, one call in full (with its idea
meeting), and the ideas they have sent."""

from __future__ import annotations

from bot.kernel.composer import Choice, clip
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import shown_text
from dialogs.common.answers import category_label, int_arg
from dialogs.common.gathering_text import gathering_lines
from dialogs.idea_calls.cards import call_lines, named_call
from dialogs.menu import main_menu
from models import ideas as ide
from models.categories import CATEGORIES
from models.gatherings import upcoming
from models.ideas import IDEA_STATUSES
from models.texts import preload

PAGE = 10
SIMPLE_PAGE = 2  # two calls, "More" and "back to menu"


def on_calls(ctx: Context, inp: Input) -> Reply:
    offset = max(0, int_arg(inp, "o") or 0)
    staff = ctx.has_role("staff")
    if ctx.out.simple:
        found, more = ide.open_calls(ctx.session, now=ctx.now, offset=offset,
                                     limit=SIMPLE_PAGE + (0 if offset else 1))
        if more and len(found) > SIMPLE_PAGE:
            found = found[:SIMPLE_PAGE]
        if not found:
            return Reply([ctx.out.text(ctx._("There are no open idea calls right now."))])
        preload(ctx.session, found)
        choices = [Choice.go(call.shown("theme", ctx.locale).text, "idea_call", c=call.id)
                   for call in found]
        if more:
            choices.append(Choice.go(ctx._("More"), "idea_calls", o=offset + len(found)))
        return Reply([ctx.out.choices(ctx._("The ward is asking for ideas. Which one?"),
                                      choices)])
    found, more = ide.open_calls(ctx.session, now=ctx.now, offset=offset, limit=PAGE)
    choices = []
    if more:
        choices.append(Choice.go(ctx._("More"), "idea_calls", o=offset + len(found)))
    choices.append(Choice.go(ctx._("My ideas"), "my_ideas"))
    if staff:
        choices += [Choice.go(ctx._("New idea call"), "idea_call_new"),
                    Choice.go(ctx._("Review ideas"), "idea_review")]
    if not found:
        return Reply([ctx.out.choices(ctx._("There are no open idea calls right now."),
                                      choices)])
    tz = ctx.config["BOT_TIMEZONE"]
    preload(ctx.session, found)  # the themes' and issues' versions, one statement
    bubbles = []
    for call in found:
        buttons = [Choice(ctx._("Submit an idea"), "idea_submit", {"c": call.id},
                          style="primary"),
                   Choice.go(ctx._("Details"), "idea_call", c=call.id)]
        badges = [category_label(ctx.out, call.category)] if call.category in CATEGORIES else []
        bubbles.append(ctx.out.bubble(shown_text(call, "theme", ctx.locale),
                                      call_lines(ctx.out, call, tz), buttons, badges=badges))
    alt = ctx._("Idea calls ({start}–{end})", start=offset + 1, end=offset + len(found))
    return Reply([ctx.out.carousel(bubbles, alt, choices)])


def on_call(ctx: Context, inp: Input) -> Reply:
    call = named_call(ctx, inp)
    if call is None:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    tz = ctx.config["BOT_TIMEZONE"]
    lines = call_lines(ctx.out, call, tz, full=True)
    buttons = []
    if call.is_open(ctx.now):
        buttons.append(Choice(ctx._("Submit an idea"), "idea_submit", {"c": call.id},
                              style="primary"))
    else:
        lines.append(ctx._("This call is closed."))
    for meeting in upcoming(ctx.session, idea_call_id=call.id, now=ctx.now)[:1]:
        lines.append(ctx._("Idea meeting:"))
        lines += gathering_lines(ctx, meeting)
        buttons.append(Choice.go(ctx._("Join idea meeting"), "gathering", g=meeting.id))
    if ctx.has_role("staff") and not ctx.out.simple:
        buttons += [Choice.go(ctx._("Review ideas"), "idea_list", c=call.id),
                    Choice.go(ctx._("Idea meeting"), "gathering_new", c=call.id)]
        if call.is_open(ctx.now):
            # Translators: staff end an idea call before its deadline
            buttons.append(Choice.go(ctx._("Close the call"), "idea_call_close", c=call.id))
    if ctx.out.simple:
        buttons = buttons[:3]
    text = "\n".join([shown_text(call, "theme", ctx.locale), "", *lines])
    return Reply([ctx.out.text(text, buttons)])


def on_my_ideas(ctx: Context, inp: Input) -> Reply:
    found = ide.my_ideas(ctx.session, ctx.user)
    if not found:
        return Reply([ctx.out.text(ctx._("You have not sent an idea yet."))])
    lines = []
    preload(ctx.session, list({idea.call for idea in found}))
    for idea in found:
        status = ctx._(IDEA_STATUSES[idea.status])
        theme = clip(shown_text(idea.call, "theme", ctx.locale), 30)
        lines.append(f"{idea.receipt} {theme}: {status}")
    return Reply([ctx.out.text("\n".join(lines), [Choice.go(ctx._("Idea calls"), "idea_calls")])])
