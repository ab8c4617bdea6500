"""Idea calls from the ward (区からのアイデア募集型): see open calls, submit an idea, join an
idea meeting; staff post calls and review ideas.

```mermaid
stateDiagram-v2
    [*] --> calls: menu "Idea calls"
    calls --> ask_idea: Submit an idea (checked: open, daily limit)
    ask_idea --> ask_can_help: idea typed / photo sent
    ask_can_help --> confirm: Yes / No / Not sure
    confirm --> [*]: Send (row written, then the receipt number) / Cancel
    [*] --> ask_theme: New idea call (staff)
    ask_theme --> ask_issue --> ask_deadline --> ask_category --> confirm_call
    confirm_call --> [*]: Publish (followers told; deadline reminders written)
    [*] --> ask_staff_message: Adopt / Not adopt / Under review (staff)
    ask_staff_message --> [*]: message typed / No message (submitter told)
```

Simple mode: at most four choices a message and "back to menu" on every step. Writing the
idea is the one typed step; a photo of a note written on paper works as well, and "Ask a
supporter" brings a digital supporter in for people who find typing hard. The draft lives
in the dialog data, so help or a stray message does not lose it; the idea is an SQL row
before the receipt number is shown.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.kernel.composer import Choice, Composer, clip
from bot.kernel.engine import Context, Dialog, Input, Reply, Step, with_data
from bot.kernel.i18n import format_day
from bot.kernel.links import public_photo_url
from bot.notify.renderers import ItemSummary
from dialogs.common.answers import (
    ask_text,
    category_label,
    int_arg,
    is_photo,
    keep_one_photo,
    refuse,
    take_photo,
    take_text,
    too_long,
)
from dialogs.common.gathering_text import gathering_lines
from dialogs.menu import main_menu
from models import ideas as ide
from models import photos
from models.base import TooLong, bounded
from models.categories import CATEGORIES
from models.gatherings import upcoming
from models.ideas import IDEA_STATUSES, Idea, IdeaCall, IdeaError
from models.outbox import as_utc
from models.users import audit

ASK_IDEA = "ideas.ask_idea"
ASK_CAN_HELP = "ideas.ask_can_help"
CONFIRM = "ideas.confirm"
ASK_THEME = "ideas.ask_theme"
ASK_ISSUE = "ideas.ask_issue"
ASK_DEADLINE = "ideas.ask_deadline"
ASK_CATEGORY = "ideas.ask_category"
CONFIRM_CALL = "ideas.confirm_call"
ASK_STAFF_MESSAGE = "ideas.ask_staff_message"
CONFIRM_CLOSE = "ideas.confirm_close"

PAGE = 10
SIMPLE_PAGE = 2  # two calls, "More" and "back to menu"
REVIEW_PAGE = 10


def _tz_of() -> str:
    from flask import current_app, has_app_context

    return current_app.config["BOT_TIMEZONE"] if has_app_context() else "Asia/Tokyo"


def deadline_day(call: IdeaCall, tz: str) -> date:
    """The last day ideas are taken (the deadline is midnight at its end)."""

    return (as_utc(call.deadline) - timedelta(seconds=1)).astimezone(ZoneInfo(tz)).date()


def call_lines(out: Composer, call: IdeaCall, tz: str, *, full: bool = False) -> list[str]:
    lines = [call.issue if full else clip(call.issue, 120),
             out._("Ideas until {day}", day=format_day(deadline_day(call, tz), out.locale))]
    if call.area:
        lines.append(out._("Area: {area}", area=call.area))
    return lines


def _call(ctx: Context, inp: Input) -> IdeaCall | None:
    ident = int_arg(inp, "c") if "c" in inp.args else ctx.state.data.get("c")
    return ctx.session.get(IdeaCall, ident) if isinstance(ident, int) else None


def staff_only(step: Step) -> Step:
    @functools.wraps(step)
    def guarded(ctx: Context, inp: Input) -> Reply:
        if not ctx.user.has_role("staff"):
            return refuse(ctx, inp, "ideas.staff", staff=True)
        return step(ctx, inp)

    return guarded


# -- open calls ----------------------------------------------------------------------------


def on_calls(ctx: Context, inp: Input) -> Reply:
    offset = max(0, int_arg(inp, "o") or 0)
    staff = ctx.user.has_role("staff")
    if ctx.out.simple:
        found, more = ide.open_calls(ctx.session, now=ctx.now, offset=offset,
                                     limit=SIMPLE_PAGE + (0 if offset else 1))
        if more and len(found) > SIMPLE_PAGE:
            found = found[:SIMPLE_PAGE]
        if not found:
            return Reply([ctx.out.text(ctx._("There are no open idea calls right now."))])
        choices = [Choice.go(call.theme, "idea_call", c=call.id) for call in found]
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
    bubbles = []
    for call in found:
        buttons = [Choice(ctx._("Submit an idea"), "idea_submit", {"c": call.id},
                          style="primary"),
                   Choice.go(ctx._("Details"), "idea_call", c=call.id)]
        badges = [category_label(ctx.out, call.category)] if call.category in CATEGORIES else []
        bubbles.append(ctx.out.bubble(call.theme, call_lines(ctx.out, call, tz), buttons,
                                      badges=badges))
    alt = ctx._("Idea calls ({start}–{end})", start=offset + 1, end=offset + len(found))
    return Reply([ctx.out.carousel(bubbles, alt, choices)])


def on_call(ctx: Context, inp: Input) -> Reply:
    call = _call(ctx, inp)
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
    if ctx.user.has_role("staff") and not ctx.out.simple:
        buttons += [Choice.go(ctx._("Review ideas"), "idea_list", c=call.id),
                    Choice.go(ctx._("Idea meeting"), "gathering_new", c=call.id)]
        if call.is_open(ctx.now):
            # Translators: staff end an idea call before its deadline
            buttons.append(Choice.go(ctx._("Close the call"), "idea_call_close", c=call.id))
    if ctx.out.simple:
        buttons = buttons[:3]
    text = "\n".join([call.theme, "", *lines])
    return Reply([ctx.out.text(text, buttons)])


# -- submitting an idea ----------------------------------------------------------------------


def _cannot_submit(ctx: Context, inp: Input, call: IdeaCall, exc: IdeaError) -> Reply:
    if exc.code == "limit":
        lead = ctx._("You have sent {limit} ideas to this call today, the most for one day. "
                     "Please send more tomorrow.", limit=exc.params.get("limit", 0))
    else:
        lead = ctx._("Sorry, this idea call closed on {day}; no more ideas can be sent.",
                     day=format_day(deadline_day(call, ctx.config["BOT_TIMEZONE"]),
                                    ctx.locale))
    return main_menu(ctx, inp, lead=lead)


def on_submit_entry(ctx: Context, inp: Input) -> Reply:
    call = _call(ctx, inp)
    if call is None:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    try:
        ide.check_can_submit(ctx.session, call, ctx.user, now=ctx.now, config=ctx.config)
    except IdeaError as exc:
        return _cannot_submit(ctx, inp, call, exc)
    data = dict(ctx.state.data) if ctx.state.data.get("c") == call.id else {}
    data["c"] = call.id
    return ask_idea(ctx, data)


def ask_idea(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    call = ctx.session.get(IdeaCall, data["c"])
    text = ctx._("“{theme}”: please write your idea. You can also send a photo instead, for "
                 "example of a note written on paper.", theme=call.theme if call else "")
    choices = [Choice.go(ctx._("Ask a supporter"), "ask_supporter")]
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, choices)],
                 next=ASK_IDEA, data=data)


def on_idea(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if is_photo(inp):
        photo, problem = take_photo(ctx, inp)
        if photo is None:
            return ask_idea(ctx, data, problem)
        data = keep_one_photo(ctx, data, photo)
        data.setdefault("text", "")
    elif inp.kind == "text" and inp.text.strip():
        try:
            data["text"] = bounded("idea", inp.text, ide.IDEA_MAX)
        except TooLong as exc:
            return ask_idea(ctx, data, too_long(ctx, exc))
    else:
        return ask_idea(ctx, data)
    return ask_can_help(ctx, data)


def ask_can_help(ctx: Context, data: dict) -> Reply:
    choices = [Choice.answer(ASK_CAN_HELP, ctx._("Yes"), "yes"),
               Choice.answer(ASK_CAN_HELP, ctx._("No"), "no"),
               Choice.answer(ASK_CAN_HELP, ctx._("Not sure"), "unsure")]
    return Reply([ctx.out.choices(ctx._("Could you help carry out the idea?"), choices)],
                 next=ASK_CAN_HELP, data=data)


def on_can_help(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value not in ("yes", "no", "unsure"):
        return ask_can_help(ctx, data)
    data["help"] = inp.value
    return confirm(ctx, data)


def confirm(ctx: Context, data: dict) -> Reply:
    lines = []
    if data.get("text"):
        lines.append(data["text"])
    if data.get("photo"):
        lines.append(ctx._("With a photo"))
    question = ctx._("Send this idea?")
    yes = Choice.answer(CONFIRM, ctx._("Send"), "yes")
    no = Choice.answer(CONFIRM, ctx._("Cancel"), "no")
    return Reply([ctx.out.text("\n".join(lines), back=False),
                  ctx.out.confirm(question, yes, no)], next=CONFIRM, data=data)


def on_confirm(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "no":
        photos.discard(ctx.session, ctx.user.id, data.get("photo"))
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    if inp.value != "yes":
        return confirm(ctx, data)
    call = ctx.session.get(IdeaCall, data.get("c"))
    if call is None:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    can_help = {"yes": True, "no": False}.get(data.get("help", ""))
    try:
        idea = ide.submit(ctx.session, call, ctx.user, body=data.get("text", ""),
                          photo_message_id=data.get("photo"), can_help=can_help, now=ctx.now,
                          config=ctx.config)
    except IdeaError as exc:
        return _cannot_submit(ctx, inp, call, exc)
    except ValueError:
        return ask_idea(ctx, data)
    lines = [ctx._("Thank you! Your idea has been received."),
             ctx._("Receipt number: {receipt}", receipt=idea.receipt),
             ctx._("We will tell you what happens to it.")]
    if data.get("photo"):
        lines.append(ctx._("If you unsend the photo in the chat, it is removed from the idea."))
    return Reply([ctx.out.text("\n".join(lines), [Choice.go(ctx._("Idea calls"), "idea_calls")])])


def on_my_ideas(ctx: Context, inp: Input) -> Reply:
    found = ide.my_ideas(ctx.session, ctx.user)
    if not found:
        return Reply([ctx.out.text(ctx._("You have not sent an idea yet."))])
    lines = []
    for idea in found:
        status = ctx._(IDEA_STATUSES[idea.status])
        lines.append(f"{idea.receipt} {clip(idea.call.theme, 30)}: {status}")
    return Reply([ctx.out.text("\n".join(lines), [Choice.go(ctx._("Idea calls"), "idea_calls")])])


# -- staff: a new call ---------------------------------------------------------------------


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
    call = _call(ctx, inp)
    if call is None or not call.is_open(ctx.now):
        return main_menu(ctx, inp, lead=ctx._("This call is closed."))
    yes = Choice.answer(CONFIRM_CLOSE, ctx._("Close the call"), "yes")
    no = Choice.answer(CONFIRM_CLOSE, ctx._("Keep it open"), "no")
    question = ctx._("Close “{theme}” now? No more ideas will be taken; the ideas sent so far "
                     "stay for review.", theme=call.theme)
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_CLOSE, data={"c": call.id})


@staff_only
def on_close(ctx: Context, inp: Input) -> Reply:
    call = _call(ctx, inp)
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
    call = _call(ctx, inp)
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


# -- notifications -------------------------------------------------------------------------


def render_status(session, user, notification, composer):  # type: ignore[no-untyped-def]
    idea = session.get(Idea, int(notification.ref))
    if idea is None or idea.submitter_id != user.id:
        return None
    lines = [composer._("Your idea {receipt} for “{theme}”: {status}", receipt=idea.receipt,
                        theme=idea.call.theme,
                        status=composer._(IDEA_STATUSES[idea.status]))]
    if idea.staff_message:
        lines += ["", composer._("Message from the ward office:"), idea.staff_message]
    return [composer.text("\n".join(lines), back=False)]

def render_adopted(session, user, notification, composer):  # type: ignore[no-untyped-def]
    idea = session.get(Idea, int(notification.ref))
    if idea is None or idea.status != ide.ADOPTED:
        return None
    lead = composer._("The ward adopted an idea for “{theme}”:", theme=idea.call.theme)
    body = idea.body or composer._("(an idea sent as a photo)")
    return [composer.text(f"{lead}\n\n{body}", back=False)]

def render_deadline(session, user, notification, composer):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    call = session.get(IdeaCall, int(notification.ref))
    if call is None or not call.is_open(datetime.now(UTC)):
        return None
    sent = session.scalar(select(Idea.id).where(Idea.call_id == call.id,
                                                Idea.submitter_id == user.id).limit(1))
    if sent is not None:
        return None
    text = composer._("Ideas for “{theme}” are taken until {day}. There is still time.",
                      theme=call.theme,
                      day=format_day(deadline_day(call, _tz_of()), composer.locale))
    return [composer.text(text, [Choice.go(composer._("Submit an idea"), "idea_submit",
                                           c=call.id)])]

def summarise(session, ref, composer):  # type: ignore[no-untyped-def]
    try:
        call = session.get(IdeaCall, int(ref))
    except ValueError:
        return None
    if call is None or call.status != ide.OPEN_CALL:
        return None
    return ItemSummary(composer._("Idea call: {theme}", theme=call.theme),
                       tuple(call_lines(composer, call, _tz_of())),
                       Choice.go(composer._("Submit an idea"), "idea_submit", c=call.id))



dialog = Dialog(
    name="ideas",
    entries={
        "idea_calls": on_calls,
        "idea_call": on_call,
        "idea_submit": on_submit_entry,
        "my_ideas": on_my_ideas,
        "idea_call_new": on_new_call,
        "idea_review": on_review,
        "idea_list": on_list,
        "idea_mark": on_mark,
        "idea_announce": on_announce,
        "idea_call_close": on_close_entry,
    },
    steps={
        ASK_IDEA: on_idea,
        ASK_CAN_HELP: on_can_help,
        CONFIRM: on_confirm,
        ASK_THEME: on_theme,
        ASK_ISSUE: on_issue,
        ASK_DEADLINE: on_deadline,
        ASK_CATEGORY: on_category,
        CONFIRM_CALL: on_confirm_call,
        ASK_STAFF_MESSAGE: on_staff_message,
        CONFIRM_CLOSE: on_close,
    },
    prompts={
        ASK_IDEA: with_data(ask_idea),
        ASK_CAN_HELP: with_data(ask_can_help),
        CONFIRM: with_data(confirm),
        ASK_THEME: with_data(ask_theme),
        ASK_ISSUE: with_data(ask_issue),
        ASK_DEADLINE: with_data(ask_deadline),
        ASK_CATEGORY: with_data(ask_category),
        CONFIRM_CALL: with_data(confirm_call),
        ASK_STAFF_MESSAGE: with_data(ask_staff_message),
    },
)
