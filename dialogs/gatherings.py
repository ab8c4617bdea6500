"""Gatherings: schedule a preparation gathering (presenter or staff) or an idea meeting
(staff), invite, answer attend or not, "add to calendar"; move or cancel one.

```mermaid
stateDiagram-v2
    [*] --> ask_when: Schedule gathering (presenter / staff) / Idea meeting (staff)
    ask_when --> ask_place: date and time picked
    ask_place --> confirm: place or online link typed
    confirm --> [*]: Schedule (row written, everyone interested invited) / Cancel
    [*] --> [*]: Attend / Not attending (from the invitation; reminders follow "attend")
    [*] --> manage: Change or cancel (presenter / staff)
    manage --> ask_when: New date and time
    manage --> ask_place: New place
    ask_when --> confirm_move: (moving) date and time picked
    ask_place --> confirm_move: (moving) place typed
    confirm_move --> [*]: Change it (reminders move, invited people told) / Keep it
    manage --> confirm_cancel --> [*]: Cancel the gathering (invited people told) / Keep it
```

Moving or cancelling is authorised on the server at every step, as scheduling is; a
refused attempt changes nothing and is audit-logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context, Dialog, Input, Reply, answers_yes_no, with_data
from bot.kernel.i18n import format_when, shown_text
from bot.kernel.links import public_url
from dialogs.common.answers import int_arg, refuse, too_long
from dialogs.common.gathering_text import (
    gathering_lines,
    gathering_title,
    place_lines,
    rsvp_choices,
)
from dialogs.menu import main_menu
from models import gatherings as gat
from models import ideas as ide
from models import initiatives as ini
from models.base import TooLong
from models.gatherings import ATTEND, DECLINE, Gathering, GatheringError
from models.ideas import IdeaCall
from models.initiatives import Initiative, Interest
from models.timing import config_of
from models.users import audit

ASK_WHEN = "gathering.ask_when"
ASK_PLACE = "gathering.ask_place"
CONFIRM = "gathering.confirm"
CONFIRM_MOVE = "gathering.confirm_move"
CONFIRM_CANCEL = "gathering.confirm_cancel"
URL = re.compile(r"https?://\S+")


# -- who may do what -----------------------------------------------------------------------


def may_schedule(ctx: Context, initiative: Initiative | None, call: IdeaCall | None) -> bool:
    if initiative is not None:
        return ini.can_manage(ctx.rights, initiative)
    return call is not None and ctx.has_role("staff")


def may_answer(ctx: Context, gathering: Gathering) -> bool:
    """Idea meetings are open to anyone; a preparation gathering to those invited, the
    people interested in the initiative, its presenter and staff."""
    if gathering.kind == gat.IDEA_MEETING:
        return True
    if gat.answer_of(ctx.session, gathering, ctx.user.id) is not None:
        return True
    initiative = ctx.session.get(Initiative, gathering.initiative_id)
    if initiative is None:
        return False
    return ini.can_manage(ctx.rights, initiative) or ini.interest_of(
        ctx.session, initiative, ctx.user) is not None


# -- scheduling ----------------------------------------------------------------------------


def _targets(ctx: Context, data: dict) -> tuple[Initiative | None, IdeaCall | None]:
    initiative = ctx.session.get(Initiative, data["i"]) if data.get("i") else None
    call = ctx.session.get(IdeaCall, data["c"]) if data.get("c") else None
    return initiative, call


def on_new(ctx: Context, inp: Input) -> Reply:
    data = {"i": int_arg(inp, "i"), "c": int_arg(inp, "c")}
    initiative, call = _targets(ctx, data)
    if initiative is None and call is None:
        return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))
    if not may_schedule(ctx, initiative, call):
        return refuse(ctx, inp, "gathering.schedule", staff=initiative is None)
    if initiative is not None and initiative.status not in ini.ACTIVE:
        return main_menu(ctx, inp, lead=ctx._("This initiative is already done."))
    return ask_when(ctx, data)


def ask_when(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    # Translators: opens a date and time picker
    pick = Choice(ctx._("Pick date and time"), "ans", {"s": ASK_WHEN, "v": "pick"},
                  kind="datetime")
    text = ctx._("When is it? Pick the date and time.")
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, [pick])],
                 next=ASK_WHEN, data=data)


def _guard(ctx: Context, inp: Input) -> Reply | None:
    initiative, call = _targets(ctx, ctx.state.data)
    if not may_schedule(ctx, initiative, call):
        return refuse(ctx, inp, "gathering.schedule", staff=initiative is None)
    return None


def on_when(ctx: Context, inp: Input) -> Reply:
    if (refused := _guard(ctx, inp)) is not None:
        return refused
    data = dict(ctx.state.data)
    try:
        when = datetime.fromisoformat(inp.params.get("datetime") or "")
    except ValueError:
        return ask_when(ctx, data)
    when = when.replace(tzinfo=ZoneInfo(ctx.config["BOT_TIMEZONE"]))
    if when <= ctx.now:
        return ask_when(ctx, data, ctx._("That time has passed. Please pick a later one."))
    data["at"] = when.isoformat()
    return confirm_move(ctx, data) if data.get("g") else ask_place(ctx, data)


def ask_place(ctx: Context, data: dict, lead: str | None = None) -> Reply:
    text = ctx._("Where is it? Type the place, or an online meeting link (https://…).")
    return Reply([ctx.out.text(f"{lead}\n{text}" if lead else text)], next=ASK_PLACE, data=data)


def on_place(ctx: Context, inp: Input) -> Reply:
    if (refused := _guard(ctx, inp)) is not None:
        return refused
    data = dict(ctx.state.data)
    text = inp.text.strip() if inp.kind == "text" else ""
    if not text:
        return ask_place(ctx, data)
    limit = gat.URL_MAX if URL.fullmatch(text) else gat.PLACE_MAX
    if len(text) > limit:
        return ask_place(ctx, data, too_long(ctx, TooLong("place", limit, len(text))))
    data["url" if URL.fullmatch(text) else "place"] = text
    return confirm_move(ctx, data) if data.get("g") else confirm(ctx, data)


def _draft_lines(ctx: Context, data: dict) -> list[str]:
    when = datetime.fromisoformat(data["at"])
    lines = [f"📅 {format_when(when, ctx.locale, ctx.config['BOT_TIMEZONE'])}"]
    if data.get("place"):
        lines.append(f"📍 {data['place']}")
    if data.get("url"):
        lines.append(ctx._("Online: {link}", link=data["url"]))
    return lines


def confirm(ctx: Context, data: dict) -> Reply:
    lines = _draft_lines(ctx, data)
    initiative, call = _targets(ctx, data)
    if initiative is not None:
        title = ctx._("Preparation gathering: {title}", title=initiative.title)
        question = ctx._("Schedule it and invite everyone who is interested?")
    else:
        title = ctx._("Idea meeting: {theme}",
                      theme=shown_text(call, "theme", ctx.locale) if call else "")
        question = ctx._("Schedule it? Anyone can join; people who sent ideas are invited.")
    yes = Choice.answer(CONFIRM, ctx._("Schedule"), "yes")
    no = Choice.answer(CONFIRM, ctx._("Cancel"), "no")
    return Reply([ctx.out.card(title, lines), ctx.out.confirm(question, yes, no)],
                 next=CONFIRM, data=data)


@answers_yes_no
def on_confirm(ctx: Context, inp: Input) -> Reply:
    if (refused := _guard(ctx, inp)) is not None:
        return refused
    data = ctx.state.data
    if inp.value == "no":
        return main_menu(ctx, inp, lead=ctx._("Stopped. Nothing was sent."))
    if inp.value != "yes":
        return confirm(ctx, dict(data))
    initiative, call = _targets(ctx, data)
    try:
        gathering = gat.schedule(
            ctx.session, kind=gat.PREPARATION if initiative else gat.IDEA_MEETING,
            starts_at=datetime.fromisoformat(data["at"]), place=data.get("place", ""),
            online_url=data.get("url", ""), initiative_id=initiative.id if initiative else None,
            idea_call_id=call.id if call and not initiative else None,
            by_user_id=ctx.user.id, now=ctx.now)
    except GatheringError as exc:
        if exc.code == "past":
            return ask_when(ctx, dict(data), ctx._("That time has passed. Please pick a "
                                                   "later one."))
        return ask_place(ctx, dict(data))
    invited = invite_everyone(ctx, gathering, initiative, call)
    audit(ctx.session, "gathering.schedule", actor=ctx.user, gathering=gathering.id,
          invited=invited)
    if invited:
        text = ctx._("Scheduled. {count} people were invited; you will see who attends here.",
                     count=invited)
    elif initiative is not None:
        text = ctx._("Scheduled. No one is interested yet: whoever expresses interest will be "
                     "invited.")
    else:
        text = ctx._("Scheduled. No one has sent an idea yet; anyone can join.")
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Details"), "gathering", g=gathering.id)])])


def invite_everyone(ctx: Context, gathering: Gathering, initiative: Initiative | None,
                    call: IdeaCall | None) -> int:
    if initiative is not None:
        people = list(ctx.session.scalars(select(Interest.user_id).where(
            Interest.initiative_id == initiative.id)))
        if initiative.presenter_id == ctx.user.id:
            # the presenter who scheduled it attends, and is reminded like everyone
            gat.answer(ctx.session, gathering, ctx.user.id, ATTEND, config=ctx.config,
                       now=ctx.now)
        else:
            people.append(initiative.presenter_id)
    else:
        people = ide.submitters(ctx.session, call)  # type: ignore[arg-type]
    return gat.invite(ctx.session, gathering, [p for p in people if p != ctx.user.id],
                      now=ctx.now)


# -- answering -----------------------------------------------------------------------------


def _gathering(ctx: Context, inp: Input) -> Gathering | None:
    ident = int_arg(inp, "g")
    return ctx.session.get(Gathering, ident) if ident is not None else None


def on_rsvp(ctx: Context, inp: Input) -> Reply:
    gathering = _gathering(ctx, inp)
    value = inp.args.get("v")
    if gathering is None or gathering.cancelled or value not in (ATTEND, DECLINE):
        return main_menu(ctx, inp, lead=ctx._("This gathering is no longer planned."))
    if not may_answer(ctx, gathering):
        return refuse(ctx, inp, "gathering.rsvp")
    if gathering.starts_at and gat.as_utc(gathering.starts_at) <= ctx.now:
        return main_menu(ctx, inp, lead=ctx._("This gathering has already started."))
    gat.answer(ctx.session, gathering, ctx.user.id, value, config=ctx.config, now=ctx.now)
    count = gat.counts(ctx.session, gathering)[ATTEND]
    if value == ATTEND:
        text = ctx._("You will attend. We will remind you the day before and shortly before "
                     "it starts. Attending so far: {count}.", count=count)
    else:
        text = ctx._("Thank you for letting us know. You can still change your answer.")
    # the other answer stays at hand: plans change
    other = [c for c in rsvp_choices(ctx.out, gathering) if c.args.get("v") != value]
    return Reply([ctx.out.text(text, calendar_choices(ctx, gathering) + other)])


def calendar_choices(ctx: Context, gathering: Gathering) -> list[Choice]:
    return calendar_choice(ctx.out, ctx.config, gathering)


def calendar_choice(out: Composer, config: Mapping[str, Any], gathering: Gathering
                    ) -> list[Choice]:
    """"Add to calendar" (the .ics file), when this server has an address for phones."""
    url = public_url(config, gathering.ics_token, out.locale)  # the file reads in their language
    if not url:
        return []
    # Translators: opens a calendar file to add the gathering to the phone's calendar
    return [Choice(out._("Add to calendar"), kind="uri", uri=url)]


def on_detail(ctx: Context, inp: Input) -> Reply:
    gathering = _gathering(ctx, inp)
    if gathering is None or gathering.cancelled or not may_answer(ctx, gathering):
        return main_menu(ctx, inp, lead=ctx._("This gathering is no longer planned."))
    lines = gathering_lines(ctx, gathering)
    answer = gat.answer_of(ctx.session, gathering, ctx.user.id)
    if answer == ATTEND:
        lines.append(ctx._("Your answer: attending"))
    elif answer == DECLINE:
        lines.append(ctx._("Your answer: not attending"))
    buttons = rsvp_choices(ctx.out, gathering) + calendar_choices(ctx, gathering)
    if may_schedule(ctx, *_targets(ctx, _owner(gathering))):
        # Translators: the presenter or staff move the gathering or call it off
        buttons.append(Choice.go(ctx._("Change or cancel"), "gathering_manage", g=gathering.id))
    return Reply([ctx.out.card(gathering_title(ctx.out, ctx.session, gathering), lines,
                               buttons)])


# -- moving and cancelling (presenter or staff) ----------------------------------------------


def _owner(gathering: Gathering) -> dict:
    """The dialog data naming the gathering and what it belongs to (for `may_schedule`)."""
    return {"g": gathering.id, "i": gathering.initiative_id, "c": gathering.idea_call_id}


def _managed(ctx: Context, inp: Input) -> tuple[Gathering | None, Reply | None]:
    """The gathering named by the postback or the dialog, if this person may change it; a
    refusal (audit-logged) or a "no longer planned" answer otherwise."""
    ident = int_arg(inp, "g") if "g" in inp.args else ctx.state.data.get("g")
    gathering = ctx.session.get(Gathering, ident) if isinstance(ident, int) else None
    if gathering is None or gathering.cancelled:
        return None, main_menu(ctx, inp, lead=ctx._("This gathering is no longer planned."))
    initiative, call = _targets(ctx, _owner(gathering))
    if not may_schedule(ctx, initiative, call):
        return None, refuse(ctx, inp, "gathering.manage", staff=initiative is None)
    return gathering, None


def on_manage(ctx: Context, inp: Input) -> Reply:
    gathering, refused = _managed(ctx, inp)
    if gathering is None:
        return refused  # type: ignore[return-value]
    g = gathering.id
    choices = [Choice.go(ctx._("New date and time"), "gathering_edit", g=g, f="when"),
               Choice.go(ctx._("New place"), "gathering_edit", g=g, f="place"),
               Choice.go(ctx._("Cancel the gathering"), "gathering_cancel", g=g)]
    text = "\n".join([gathering_title(ctx.out, ctx.session, gathering),
                      *gathering_lines(ctx, gathering), "",
                      ctx._("What would you like to change? Everyone invited will be told.")])
    return Reply([ctx.out.choices(text, choices)])


def on_edit(ctx: Context, inp: Input) -> Reply:
    gathering, refused = _managed(ctx, inp)
    if gathering is None:
        return refused  # type: ignore[return-value]
    data = _owner(gathering)
    if inp.args.get("f") == "place":
        return ask_place(ctx, data)
    return ask_when(ctx, data)


def confirm_move(ctx: Context, data: dict) -> Reply:
    gathering = ctx.session.get(Gathering, data["g"])
    if gathering is None:
        return Reply([ctx.out.text(ctx._("This gathering is no longer planned."))])
    draft = {"at": data.get("at") or gat.as_utc(gathering.starts_at).isoformat()}
    if "place" in data or "url" in data:
        draft.update({k: data[k] for k in ("place", "url") if k in data})
    else:
        draft.update(place=gathering.place, url=gathering.online_url)
    title = ctx._("New plan: {title}", title=gathering_title(ctx.out, ctx.session, gathering))
    yes = Choice.answer(CONFIRM_MOVE, ctx._("Change it"), "yes")
    no = Choice.answer(CONFIRM_MOVE, ctx._("Keep it"), "no")
    question = ctx._("Change the gathering and tell everyone invited?")
    return Reply([ctx.out.card(title, _draft_lines(ctx, draft)),
                  ctx.out.confirm(question, yes, no)], next=CONFIRM_MOVE, data=data)


@answers_yes_no
def on_confirm_move(ctx: Context, inp: Input) -> Reply:
    gathering, refused = _managed(ctx, inp)
    if gathering is None:
        return refused  # type: ignore[return-value]
    data = dict(ctx.state.data)
    if inp.value == "no":
        return main_menu(ctx, inp, lead=ctx._("Nothing was changed."))
    if inp.value != "yes":
        return confirm_move(ctx, data)
    new_place = "place" in data or "url" in data
    try:
        told = gat.move(ctx.session, gathering,
                        starts_at=datetime.fromisoformat(data["at"]) if data.get("at") else None,
                        place=data.get("place", "") if new_place else None,
                        online_url=data.get("url", "") if new_place else None,
                        config=ctx.config, by_user_id=ctx.user.id, now=ctx.now)
    except GatheringError as exc:
        if exc.code == "past":
            return ask_when(ctx, _owner(gathering),
                            ctx._("That time has passed. Please pick a later one."))
        return ask_place(ctx, _owner(gathering))
    audit(ctx.session, "gathering.move", actor=ctx.user, gathering=gathering.id, told=told)
    text = ctx._("Changed. {count} people were told.", count=told)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Details"), "gathering", g=gathering.id)])])


def on_cancel_entry(ctx: Context, inp: Input) -> Reply:
    gathering, refused = _managed(ctx, inp)
    if gathering is None:
        return refused  # type: ignore[return-value]
    yes = Choice.answer(CONFIRM_CANCEL, ctx._("Cancel the gathering"), "yes")
    no = Choice.answer(CONFIRM_CANCEL, ctx._("Keep it"), "no")
    question = ctx._("Cancel “{title}”? Everyone invited will be told.",
                     title=gathering_title(ctx.out, ctx.session, gathering))
    return Reply([ctx.out.confirm(question, yes, no)], next=CONFIRM_CANCEL,
                 data=_owner(gathering))


@answers_yes_no
def on_confirm_cancel(ctx: Context, inp: Input) -> Reply:
    gathering, refused = _managed(ctx, inp)
    if gathering is None:
        return refused  # type: ignore[return-value]
    if inp.value != "yes":
        return main_menu(ctx, inp, lead=ctx._("Nothing was changed."))
    told = gat.cancel_gathering(ctx.session, gathering, by_user_id=ctx.user.id, now=ctx.now)
    audit(ctx.session, "gathering.cancel", actor=ctx.user, gathering=gathering.id, told=told)
    return Reply([ctx.out.text(ctx._("The gathering is cancelled. {count} people were told.",
                                     count=told))])


# -- notifications -------------------------------------------------------------------------


# a renderer has no dialog context: it reads the configuration from the session
# (models.timing.config_of)


def live(session, notification):  # type: ignore[no-untyped-def]
    gathering = session.get(Gathering, int(notification.ref))
    if gathering is None or gathering.cancelled:
        return None
    return gathering


def where(session, composer, gathering):  # type: ignore[no-untyped-def]
    return place_lines(composer, gathering, config_of(session)["BOT_TIMEZONE"])


def calendar(session, composer, gathering):  # type: ignore[no-untyped-def]
    return calendar_choice(composer, config_of(session), gathering)


# an invitation is a message to this person, not a reminder they can turn off
def render_invite(session, user, notification, composer):  # type: ignore[no-untyped-def]
    gathering = live(session, notification)
    if gathering is None:
        return None
    lines = [*where(session, composer, gathering),
             composer._("You are invited. Will you attend?")]
    buttons = rsvp_choices(composer, gathering) + calendar(session, composer, gathering)
    return [composer.card(gathering_title(composer, session, gathering), lines, buttons)]


def render_reminder(session, user, notification, composer):  # type: ignore[no-untyped-def]
    gathering = live(session, notification)
    if gathering is None or gat.answer_of(session, gathering, user.id) != ATTEND:
        return None
    title = composer._("Reminder: {title}",
                       title=gathering_title(composer, session, gathering))
    buttons = [Choice.go(composer._("Details"), "gathering", g=gathering.id),
               *calendar(session, composer, gathering)]
    return [composer.card(title, where(session, composer, gathering), buttons)]


# news of a change is about a gathering this person was invited to: not switched off
def render_changed(session, user, notification, composer):  # type: ignore[no-untyped-def]
    gathering = live(session, notification)
    if gathering is None:
        return None
    # Translators: the first line of a message about a gathering whose time or place changed
    lead = composer._("The gathering has changed. Will you attend?")
    title = gathering_title(composer, session, gathering)
    buttons = rsvp_choices(composer, gathering) + calendar(session, composer, gathering)
    return [composer.card(title, [lead, *where(session, composer, gathering)], buttons,
                          alt_text=f"{lead} {title}")]


def render_cancelled(session, user, notification, composer):  # type: ignore[no-untyped-def]
    gathering = session.get(Gathering, int(notification.ref))
    if gathering is None or not gathering.cancelled:
        return None
    text = composer._("{title} is cancelled.",
                      title=gathering_title(composer, session, gathering))
    return [composer.text(f"{text}\n{where(session, composer, gathering)[0]}", back=False)]



dialog = Dialog(
    name="gathering",
    entries={"gathering_new": on_new, "rsvp": on_rsvp, "gathering": on_detail,
             "gathering_manage": on_manage, "gathering_edit": on_edit,
             "gathering_cancel": on_cancel_entry},
    steps={ASK_WHEN: on_when, ASK_PLACE: on_place, CONFIRM: on_confirm,
           CONFIRM_MOVE: on_confirm_move, CONFIRM_CANCEL: on_confirm_cancel},
    prompts={
        ASK_WHEN: with_data(ask_when),
        ASK_PLACE: with_data(ask_place),
        CONFIRM: with_data(confirm),
        CONFIRM_MOVE: with_data(confirm_move),
    },
)
