"""Submitting an idea to an open call: the idea (typed, or a photo of a note), whether one
could help carry it out, then send; the receipt number once the row is written."""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply, answers_yes_no
from bot.kernel.i18n import format_day, shown_text
from dialogs.common.answers import is_photo, keep_one_photo, take_photo, too_long
from dialogs.idea_calls.cards import deadline_day, named_call
from dialogs.menu import main_menu
from models import ideas as ide
from models import photos
from models.base import TooLong, bounded
from models.ideas import IdeaCall, IdeaError

ASK_IDEA = "ideas.ask_idea"
ASK_CAN_HELP = "ideas.ask_can_help"
CONFIRM = "ideas.confirm"


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
    call = named_call(ctx, inp)
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
                 "example of a note written on paper.",
                 theme=shown_text(call, "theme", ctx.locale) if call else "")
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


@answers_yes_no
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


@answers_yes_no
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
