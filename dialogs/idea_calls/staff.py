"""Staff tools for idea calls: posting a call (theme, issue, deadline, category), closing
one before its deadline, and reviewing the ideas sent (mark, message, announce)."""

from __future__ import annotations

import functools
from datetime import date

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context, Input, Reply, Step, answers_yes_no
from bot.kernel.i18n import format_day
from bot.kernel.links import public_photo_url
from dialogs.common.answers import (
    ask_text,
    category_label,
    int_arg,
    refuse,
    take_text,
    too_long,
)
from dialogs.idea_calls.cards import named_call
from dialogs.menu import main_menu
from models import ideas as ide
from models.base import TooLong
from models.categories import CATEGORIES
from models.ideas import IDEA_STATUSES, Idea, IdeaError
from models.users import audit

ASK_THEME = "ideas.ask_theme"
ASK_ISSUE = "ideas.ask_issue"
ASK_DEADLINE = "ideas.ask_deadline"
ASK_CATEGORY = "ideas.ask_category"
CONFIRM_CALL = "ideas.confirm_call"
ASK_STAFF_MESSAGE = "ideas.ask_staff_message"
CONFIRM_CLOSE = "ideas.confirm_close"

REVIEW_PAGE = 10


def staff_only(step: Step) -> Step:
    @functools.wraps(step)
    def guarded(ctx: Context, inp: Input) -> Reply:
        if not ctx.has_role("staff"):
            return refuse(ctx, inp, "ideas.staff", staff=True)
        return step(ctx, inp)

    return guarded


@staff_only
def on_new_call(ctx: Context, inp: Input) -> Reply:
    return ask_theme(ctx, {})


def ask_theme(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_THEME, ctx._("The theme of the call, in one line?"), data, lead)


@staff_only
def on_theme(ctx: Context, inp: Input) -> Reply:
    return take_text(ctx, inp, "theme", ide.THEME_MAX, ask_theme, ask_issue)


def ask_issue(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_ISSUE, ctx._("Which ward issue is behind it? Describe it for "
                                          "residents."), data, lead)


@staff_only
def on_issue(ctx: Context, inp: Input) -> Reply:
    return take_text(ctx, inp, "issue", ide.ISSUE_MAX, ask_issue, ask_deadline)


def ask_deadline(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    # Translators: opens a date picker
    pick = Choice(ctx._("Pick a date"), "ans", {"s": ASK_DEADLINE, "v": "pick"}, kind="date")
    text = ctx._("Until which day are ideas taken?")
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, [pick])],
                 next=ASK_DEADLINE, data=data)


@staff_only
def on_deadline(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    try:
        day = date.fromisoformat(inp.params.get("date") or "")
    except ValueError:
        return ask_deadline(ctx, data)
    deadline = ide.deadline_from_day(day, ctx.config["BOT_TIMEZONE"])
    if deadline <= ctx.now:
        return ask_deadline(ctx, data, ctx._("That day has passed. Please pick a later one."))
    data["deadline"] = day.isoformat()
    return ask_category(ctx, data)


def ask_category(ctx: Context, data: dict) -> Reply:
    choices = [Choice.answer(ASK_CATEGORY, ctx._(label), code)
               for code, label in CATEGORIES.items()]
    choices.append(Choice.answer(ASK_CATEGORY, ctx._("None"), "__none"))
    return Reply([ctx.out.choices(ctx._("Which category? People who follow it are told."),
                                  choices)], next=ASK_CATEGORY, data=data)


@staff_only
def on_category(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "__none":
        data["category"] = ""
    elif inp.value in CATEGORIES:
        data["category"] = inp.value
    else:
        return ask_category(ctx, data)
    return confirm_call(ctx, data)


def confirm_call(ctx: Context, data: dict) -> Reply:
    day = date.fromisoformat(data["deadline"])
    lines = [data["issue"], ctx._("Ideas until {day}", day=format_day(day, ctx.locale))]
    badges = [category_label(ctx.out, data["category"])] if data.get("category") else []
    yes = Choice.answer(CONFIRM_CALL, ctx._("Publish"), "yes")
    no = Choice.answer(CONFIRM_CALL, ctx._("Cancel"), "no")
    return Reply([ctx.out.card(data["theme"], lines, badges=badges),
                  ctx.out.confirm(ctx._("Publish this idea call?"), yes, no)],
                 next=CONFIRM_CALL, data=data)


@answers_yes_no
@staff_only
def on_confirm_call(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "no":
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    if inp.value != "yes":
        return confirm_call(ctx, data)
    deadline = ide.deadline_from_day(date.fromisoformat(data["deadline"]),
                                     ctx.config["BOT_TIMEZONE"])
    try:
        call = ide.publish_call(ctx.session, theme=data["theme"], issue=data["issue"],
                                deadline=deadline, category=data.get("category", ""),
                                by=ctx.user, config=ctx.config, now=ctx.now)
    except IdeaError:
        return ask_deadline(ctx, data, ctx._("That day has passed. Please pick a later one."))
    audit(ctx.session, "idea_call.publish", actor=ctx.user, call=call.id)
    text = ctx._("Idea call {number} is published.", number=call.id)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Idea meeting"), "gathering_new",
                                                c=call.id)])])


# -- staff: close a call before its deadline ---------------------------------------------------


@staff_only
def on_close_entry(ctx: Context, inp: Input) -> Reply:
    call = named_call(ctx, inp)
    if call is None or not call.is_open(ctx.now):
        return main_menu(ctx, inp, lead=ctx._("This call is closed."))
    yes = Choice.answer(CONFIRM_CLOSE, ctx._("Close the call"), "yes")
    no = Choice.answer(CONFIRM_CLOSE, ctx._("Keep it open"), "no")
    question = ctx._("Close “{theme}” now? No more ideas will be taken; the ideas sent so far "
                     "stay for review.", theme=call.theme)
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_CLOSE, data={"c": call.id})


@answers_yes_no
@staff_only
def on_close(ctx: Context, inp: Input) -> Reply:
    call = named_call(ctx, inp)
    if inp.value != "yes" or call is None:
        return main_menu(ctx, inp, lead=ctx._("Nothing was changed."))
    if call.is_open(ctx.now):
        ide.close_call(ctx.session, call)
        audit(ctx.session, "idea_call.close", actor=ctx.user, call=call.id)
    text = ctx._("“{theme}” is closed. No more ideas are taken.", theme=call.theme)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Review ideas"), "idea_list",
                                                c=call.id)])])


# -- staff: review -------------------------------------------------------------------------


@staff_only
def on_review(ctx: Context, inp: Input) -> Reply:
    calls = ide.all_calls(ctx.session, limit=12)
    if not calls:
        return Reply([ctx.out.text(ctx._("There are no idea calls yet."))])
    choices = [Choice.go(f"{c.id} {c.theme}", "idea_list", c=c.id) for c in calls]
    return Reply([ctx.out.choices(ctx._("Ideas for which call?"), choices[:3]
                                  if ctx.out.simple else choices)])


def idea_bubble(out: Composer, idea: Idea, image_url: str | None = None) -> dict:
    lines = [idea.body] if idea.body else []
    if idea.photo_message_id:
        lines.append(out._("With a photo"))
    if idea.can_help is not None:
        lines.append(out._("Could help carry it out") if idea.can_help
                     else out._("Cannot help carry it out"))
    if idea.staff_message:
        lines.append(out._("Message: {text}", text=idea.staff_message))
    buttons = [Choice.go(out._("Under review"), "idea_mark", d=idea.id, v=ide.UNDER_REVIEW),
               Choice.go(out._("Adopt"), "idea_mark", d=idea.id, v=ide.ADOPTED),
               Choice.go(out._("Not adopt"), "idea_mark", d=idea.id, v=ide.NOT_ADOPTED)]
    if idea.status == ide.ADOPTED and not idea.announced:
        buttons.append(Choice.go(out._("Announce"), "idea_announce", d=idea.id))
    return out.bubble(out._("Idea {receipt}", receipt=idea.receipt), lines, buttons,
                      badges=[out._(IDEA_STATUSES[idea.status])], image_url=image_url)


@staff_only
def on_list(ctx: Context, inp: Input) -> Reply:
    call = named_call(ctx, inp)
    if call is None:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    offset = max(0, int_arg(inp, "o") or 0)
    found, more = ide.ideas_for(ctx.session, call, offset=offset, limit=REVIEW_PAGE)
    if not found:
        return Reply([ctx.out.text(ctx._("No ideas for this call yet."))])
    choices = [Choice.go(ctx._("More"), "idea_list", c=call.id, o=offset + len(found))] \
        if more else []
    alt = ctx._("Ideas for “{theme}”: {count}", theme=call.theme,
                count=ide.count_ideas(ctx.session, call))
    return Reply([ctx.out.text(alt, back=False),
                  ctx.out.carousel([idea_bubble(ctx.out, i, _photo_url(ctx, i)) for i in found],
                                   alt, choices)])


def _photo_url(ctx: Context, idea: Idea) -> str | None:
    if not idea.photo_message_id or idea.submitter_id is None:
        return None
    return public_photo_url(ctx.config, ctx.session, idea.submitter_id, idea.photo_message_id)


@staff_only
def on_mark(ctx: Context, inp: Input) -> Reply:
    idea = ctx.session.get(Idea, int_arg(inp, "d") or 0)
    status = inp.args.get("v")
    if idea is None or status not in ide.REVIEW_STATUSES:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    return ask_staff_message(ctx, {"d": idea.id, "v": status})


def ask_staff_message(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    idea = ctx.session.get(Idea, data["d"])
    text = ctx._("Marking idea {receipt} as “{status}”. Add a short message for the person "
                 "who sent it? Type it, or tap No message.",
                 receipt=idea.receipt if idea else "", status=ctx._(IDEA_STATUSES[data["v"]]))
    choices = [Choice.answer(ASK_STAFF_MESSAGE, ctx._("No message"), "none")]
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, choices)],
                 next=ASK_STAFF_MESSAGE, data=data)


@staff_only
def on_staff_message(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    idea = ctx.session.get(Idea, data.get("d"))
    if idea is None:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    if inp.value == "none":
        message = ""
    elif inp.kind == "text" and inp.text.strip():
        message = inp.text
    else:
        return ask_staff_message(ctx, data)
    try:
        ide.set_status(ctx.session, idea, data["v"], message=message, now=ctx.now)
    except TooLong as exc:
        return ask_staff_message(ctx, data, too_long(ctx, exc))
    audit(ctx.session, "idea.review", actor=ctx.user, idea=idea.id, status=data["v"])
    text = ctx._("Idea {receipt} is now “{status}”. The person who sent it will be told.",
                 receipt=idea.receipt, status=ctx._(IDEA_STATUSES[idea.status]))
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Review ideas"), "idea_list",
                                                c=idea.call_id)])])


@staff_only
def on_announce(ctx: Context, inp: Input) -> Reply:
    idea = ctx.session.get(Idea, int_arg(inp, "d") or 0)
    if idea is None or idea.status != ide.ADOPTED or idea.announced:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    count = ide.announce_adopted(ctx.session, idea, now=ctx.now)
    audit(ctx.session, "idea.announce", actor=ctx.user, idea=idea.id, told=count)
    return Reply([ctx.out.text(ctx._("The adopted idea is on its way to {count} people.",
                                     count=count))])
