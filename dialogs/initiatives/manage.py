"""The presenter's tools (staff may use them too): the people interested, asking for and
reading opinions, moving the status on, closing; and staff review of new initiatives
(INITIATIVE_MODERATION)."""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply, answers_yes_no
from dialogs.common.answers import ask_text, int_arg, refuse, too_long
from dialogs.initiatives.cards import gone, initiative_lines, named_initiative
from dialogs.initiatives.kinds import help_labels
from dialogs.menu import main_menu
from models import initiatives as ini
from models.base import TooLong
from models.gatherings import upcoming
from models.initiatives import STATUSES, Initiative
from models.users import audit

ASK_QUESTION = "initiative.ask_question"
CONFIRM_CLOSE = "initiative.confirm_close"

PEOPLE_PAGE = 10
OPINIONS_PAGE = 10


def presenter_only(step: Callable[[Context, Input, Initiative], Reply]):  # type: ignore[no-untyped-def]
    def guarded(ctx: Context, inp: Input) -> Reply:
        initiative = named_initiative(ctx, inp)
        if initiative is None:
            return gone(ctx, inp)
        if not ini.can_manage(ctx.rights, initiative):
            return refuse(ctx, inp, "initiative.manage")
        return step(ctx, inp, initiative)

    guarded.__name__ = step.__name__
    return guarded


@presenter_only
def on_manage(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    _ = ctx._
    i = initiative.id
    count = ini.count_interest(ctx.session, initiative)
    choices = [Choice.go(_("Interested ({count})", count=count), "ini_people", i=i)]
    if initiative.status in ini.ACTIVE:
        choices.append(Choice.go(_("Schedule gathering"), "gathering_new", i=i))

    for gathering in upcoming(ctx.session, initiative_id=i, now=ctx.now)[:1]:
        # Translators: opens the next preparation gathering (to see it, move it or cancel it)
        choices.append(Choice.go(_("Next gathering"), "gathering", g=gathering.id))
    if initiative.opinion_question:
        choices.append(Choice.go(_("Stop opinions"), "ini_stop_op", i=i))
    else:
        choices.append(Choice.go(_("Ask for opinions"), "ini_ask_op", i=i))
    choices.append(Choice.go(_("Read opinions"), "ini_opinions", i=i))
    following = ini.NEXT_STATUS.get(initiative.status)
    if following and following != ini.DONE:
        # Translators: button that moves the initiative on to the named state
        choices.append(Choice.go(_("Now: {status}", status=_(STATUSES[following])),
                                 "ini_status", i=i))
    if initiative.status in ini.ACTIVE:
        # Translators: the presenter ends the initiative (it is marked done)
        choices.append(Choice.go(_("Close it"), "ini_close", i=i))
    text = _("“{title}” ({status}). What would you like to do?", title=initiative.title,
             status=_(STATUSES[initiative.status]))
    return Reply([ctx.out.choices(text, choices[:3] if ctx.out.simple else choices)])


@presenter_only
def on_people(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    people = ini.interests(ctx.session, initiative)
    if not people:
        return Reply([ctx.out.text(ctx._("Nobody has expressed interest yet."))])
    mine = initiative.presenter_id == ctx.user.id
    bubbles = []
    for number, interest in enumerate(people[:PEOPLE_PAGE], start=1):
        lines = [ctx._("Can bring: {kinds}", kinds=help_labels(ctx.out, interest.offered))]
        if interest.message:
            lines.append(interest.message)
        if interest.contacts_shared and mine:
            lines.append(ctx._("Contact: {contact}", contact=interest.member_contact))
        buttons = []
        if mine:
            buttons = [Choice.go(ctx._("Reply"), "ini_reply", n=interest.id),
                       Choice.go(ctx._("Share contact"), "ini_contact", n=interest.id)]
        bubbles.append(ctx.out.bubble(ctx._("Interested person {number}", number=number),
                                      lines, buttons))
    alt = ctx._("Interested people: {count}", count=len(people))
    return Reply([ctx.out.carousel(bubbles, alt)])


@presenter_only
def on_ask_opinions(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    return ask_question(ctx, {"i": initiative.id})


def ask_question(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    return ask_text(ctx, ASK_QUESTION, ctx._(
        "What would you like opinions on? Type your question; anyone can answer it."), data,
        lead)


@presenter_only
def on_question(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    data = dict(ctx.state.data)
    if inp.kind != "text" or not inp.text.strip():
        return ask_question(ctx, data)
    try:
        ini.ask_opinions(ctx.session, initiative, inp.text)
    except TooLong as exc:
        return ask_question(ctx, data, too_long(ctx, exc))
    return Reply([ctx.out.text(ctx._("Your question is on the initiative's page. Read the "
                                     "answers with Read opinions."),
                               [Choice.go(ctx._("Read opinions"), "ini_opinions",
                                          i=initiative.id)])])


@presenter_only
def on_stop_opinions(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    ini.stop_opinions(ctx.session, initiative)
    return Reply([ctx.out.text(ctx._("You are no longer asking for opinions."))])


@presenter_only
def on_read_opinions(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    offset = max(0, int_arg(inp, "o") or 0)
    found, total = ini.opinions(ctx.session, initiative, offset=offset, limit=OPINIONS_PAGE)
    if not found:
        return Reply([ctx.out.text(ctx._("No opinions yet."))])
    header = ctx._("Opinions on “{title}”: {count}", title=initiative.title, count=total)
    # people's words as written, one block each; the 5,000-character limit is the Composer's
    body = "\n\n".join(f"{offset + n}. {o.body}" for n, o in enumerate(found, start=1))
    choices = []
    if offset + len(found) < total:
        choices.append(Choice.go(ctx._("More"), "ini_opinions", i=initiative.id,
                                 o=offset + len(found)))
    return Reply([ctx.out.text(f"{header}\n\n{body}", choices)])


@presenter_only
def on_status(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    following = ini.advance(ctx.session, initiative)
    audit(ctx.session, "initiative.status", actor=ctx.user, initiative=initiative.id,
          status=initiative.status)
    if following is None:
        return Reply([ctx.out.text(ctx._("This initiative is already done."))])
    return Reply([ctx.out.text(ctx._("“{title}” is now: {status}.", title=initiative.title,
                                     status=ctx._(STATUSES[following])))])


@presenter_only
def on_close_entry(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    yes = Choice.answer(CONFIRM_CLOSE, ctx._("Close it"), "yes")
    no = Choice.answer(CONFIRM_CLOSE, ctx._("Keep it open"), "no")
    question = ctx._("Close “{title}”? It will be marked done and take no more interest.",
                     title=initiative.title)
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_CLOSE,
                 data={"i": initiative.id})


@answers_yes_no
@presenter_only
def on_close(ctx: Context, inp: Input, initiative: Initiative) -> Reply:
    if inp.value != "yes":
        return main_menu(ctx, inp, lead=ctx._("Nothing was changed."))
    ini.close(ctx.session, initiative)
    audit(ctx.session, "initiative.close", actor=ctx.user, initiative=initiative.id)
    return Reply([ctx.out.text(ctx._("“{title}” is now: {status}.", title=initiative.title,
                                     status=ctx._(STATUSES[ini.DONE])))])


# -- staff review (INITIATIVE_MODERATION) --------------------------------------------------------


def on_review(ctx: Context, inp: Input) -> Reply:
    if not ctx.has_role("staff"):
        return refuse(ctx, inp, "initiative.review", staff=True)
    ident, verdict = int_arg(inp, "i"), inp.args.get("v")
    if ident is not None and verdict in ("yes", "no"):
        initiative = ctx.session.get(Initiative, ident)
        if initiative is not None and initiative.status == ini.REVIEW:
            ini.review(ctx.session, initiative, approve=verdict == "yes")
            audit(ctx.session, "initiative.review", actor=ctx.user, initiative=ident,
                  approved=verdict == "yes")
    waiting = ini.awaiting_review(ctx.session, 10)
    if not waiting:
        return Reply([ctx.out.text(ctx._("Nothing is waiting for review."))])
    bubbles = [ctx.out.bubble(i.title, initiative_lines(ctx.out, i, full=True), [
        Choice(ctx._("Publish"), "ini_review", {"i": i.id, "v": "yes"}, style="primary"),
        Choice.go(ctx._("Do not publish"), "ini_review", i=i.id, v="no")]) for i in waiting]
    return Reply([ctx.out.carousel(bubbles, ctx._("Initiatives to review"))])
