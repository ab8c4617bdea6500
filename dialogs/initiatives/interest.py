"""A resident and an initiative: expressing interest (what one can bring, a message), the
two sides talking through the bot, sharing contacts when both agree, giving an opinion."""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply
from dialogs.common.answers import ask_text, int_arg, refuse, too_long
from dialogs.common.gathering_text import gathering_lines, gathering_title, rsvp_choices
from dialogs.initiatives.cards import gone, named_initiative
from dialogs.initiatives.kinds import ask_kinds, take_kinds
from dialogs.menu import main_menu
from models import initiatives as ini
from models.base import TooLong
from models.gatherings import upcoming
from models.initiatives import Initiative, Interest

ASK_OFFERS = "initiative.ask_offers"
ASK_MESSAGE = "initiative.ask_message"
ASK_REPLY = "initiative.ask_reply"
ASK_CONTACT = "initiative.ask_contact"
ASK_OPINION = "initiative.ask_opinion"


def on_interest_entry(ctx: Context, inp: Input) -> Reply:
    initiative = named_initiative(ctx, inp)
    if initiative is None or initiative.status not in ini.ACTIVE:
        return gone(ctx, inp)
    if initiative.presenter_id == ctx.user.id:
        return main_menu(ctx, inp, lead=ctx._("This is your own initiative."))
    known = ini.interest_of(ctx.session, initiative, ctx.user)
    return ask_offers(ctx, {"i": initiative.id, "offers": known.offered if known else []})


def ask_offers(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    initiative = ctx.session.get(Initiative, data["i"])
    return ask_kinds(ctx, ASK_OFFERS, "offers", ctx._(
        "“{title}”: what can you bring? Tap to add or remove, then Done.",
        title=initiative.title if initiative else ""), data, lead)


def on_offers(ctx: Context, inp: Input) -> Reply:
    return take_kinds(ctx, inp, "offers", ask_offers, ask_message)


def ask_message(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    text = ctx._("Would you like to add a message for the presenter? Type it, or tap "
                 "No message. Your LINE name and account are not shown to them.")
    choices = [Choice.answer(ASK_MESSAGE, ctx._("No message"), "none")]
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, choices)],
                 next=ASK_MESSAGE, data=data)


def on_message(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    if inp.value == "none":
        message = ""
    elif inp.kind == "text" and inp.text.strip():
        message = inp.text
    else:
        return ask_message(ctx, data)
    initiative = ctx.session.get(Initiative, data.get("i"))
    if initiative is None:
        return gone(ctx, inp)
    try:
        ini.express_interest(ctx.session, initiative, ctx.user, offers=data["offers"],
                             message=message, now=ctx.now, invitation_shown=True)
    except TooLong as exc:
        return ask_message(ctx, data, too_long(ctx, exc))
    except ini.NotOpen:
        return gone(ctx, inp)
    more = [Choice.go(ctx._("Initiatives"), "initiatives")]
    planned = upcoming(ctx.session, initiative_id=initiative.id, now=ctx.now)
    if not planned:
        text = ctx._("Thank you! The presenter of “{title}” has been told and can answer you "
                     "here. You will be invited to the preparation gathering.",
                     title=initiative.title)
        return Reply([ctx.out.text(text, more)])
    # the gathering is already scheduled: the invitation is this reply
    thanks = ctx._("Thank you! The presenter of “{title}” has been told and can answer you "
                   "here.", title=initiative.title)
    cards = [ctx.out.card(gathering_title(ctx.out, ctx.session, gathering),
                          [*gathering_lines(ctx, gathering),
                           ctx._("You are invited. Will you attend?")],
                          rsvp_choices(ctx.out, gathering))
             for gathering in planned[:3]]
    return Reply([ctx.out.text(thanks, back=False), *cards,
                  ctx.out.choices(ctx._("Anything else?"), more)])


# -- talking through the bot, and contacts ---------------------------------------------------


def _interest_for_party(ctx: Context, inp: Input) -> tuple[Interest | None, bool]:
    """The interest named by the postback and whether the user is its presenter; None when
    the user is neither the presenter nor the interested person."""
    ident = int_arg(inp, "n") if "n" in inp.args else ctx.state.data.get("n")
    interest = ctx.session.get(Interest, ident) if isinstance(ident, int) else None
    if interest is None:
        return None, False
    if interest.initiative.presenter_id == ctx.user.id:
        return interest, True
    if interest.user_id == ctx.user.id:
        return interest, False
    return None, False


def on_reply_entry(ctx: Context, inp: Input) -> Reply:
    interest, _ = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.reply")
    return ask_reply(ctx, {"n": interest.id})


def ask_reply(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_REPLY, ctx._(
        "Please type your message. The bot passes it on without your LINE name."), data, lead)


def on_reply(ctx: Context, inp: Input) -> Reply:
    interest, presenter = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.reply")
    if inp.kind != "text" or not inp.text.strip():
        return ask_reply(ctx, dict(ctx.state.data))
    try:
        ini.relay(ctx.session, interest, from_presenter=presenter, body=inp.text, now=ctx.now)
    except TooLong as exc:
        return ask_reply(ctx, dict(ctx.state.data), too_long(ctx, exc))
    return Reply([ctx.out.text(ctx._("Sent."))])


def on_contact_entry(ctx: Context, inp: Input) -> Reply:
    interest, presenter = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.contact")
    if interest.contacts_shared:
        return Reply([ctx.out.text(ctx._("Contact details have already been exchanged."))])
    return ask_contact(ctx, {"n": interest.id})


def ask_contact(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_CONTACT, ctx._(
        "Type the contact details you want to give (a phone number or an e-mail address). "
        "They are passed on only when the other side agrees too."), data, lead)


def on_contact(ctx: Context, inp: Input) -> Reply:
    interest, presenter = _interest_for_party(ctx, inp)
    if interest is None:
        return refuse(ctx, inp, "initiative.contact")
    if inp.kind != "text" or not inp.text.strip():
        return ask_contact(ctx, dict(ctx.state.data))
    try:
        shared = ini.agree_to_share(ctx.session, interest, presenter=presenter,
                                    contact=inp.text, now=ctx.now)
    except TooLong as exc:
        return ask_contact(ctx, dict(ctx.state.data), too_long(ctx, exc))
    if shared:
        text = ctx._("Both sides agreed: the contact details are on their way to both of you.")
    else:
        text = ctx._("Thank you. We asked the other side; the details are exchanged only if "
                     "they agree too.")
    return Reply([ctx.out.text(text)])


# -- opinions ------------------------------------------------------------------------------


def on_opinion_entry(ctx: Context, inp: Input) -> Reply:
    initiative = named_initiative(ctx, inp)
    if initiative is None or not initiative.opinion_question \
            or initiative.status not in ini.PUBLIC:
        return gone(ctx, inp)
    return ask_opinion(ctx, {"i": initiative.id})


def ask_opinion(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    initiative = ctx.session.get(Initiative, data["i"])
    text = ctx._("“{title}”: {question}\nPlease type your opinion.",
                 title=initiative.title if initiative else "",
                 question=initiative.opinion_question if initiative else "")
    return ask_text(ctx, ASK_OPINION, text, data, lead)


def on_opinion(ctx: Context, inp: Input) -> Reply:
    data = dict(ctx.state.data)
    initiative = ctx.session.get(Initiative, data.get("i"))
    if initiative is None:
        return gone(ctx, inp)
    if inp.kind != "text" or not inp.text.strip():
        return ask_opinion(ctx, data)
    try:
        ini.give_opinion(ctx.session, initiative, ctx.user, inp.text)
    except TooLong as exc:
        return ask_opinion(ctx, data, too_long(ctx, exc))
    except ini.NotOpen:
        return gone(ctx, inp)
    return Reply([ctx.out.text(ctx._("Thank you for your opinion. The presenter will read it."),
                               [Choice.go(ctx._("Initiatives"), "initiatives")])])
