"""The supporter's side: the tools menu, going on and off duty, the residents helped,
pairing with a resident (their code, or accepting a help request), and ending a session
(either side may)."""

from __future__ import annotations

import json

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import gettext
from dialogs.common.refusals import log_refusal, why_refused
from dialogs.menu import main_menu
from dialogs.supporters.asking import request_card
from dialogs.supporters.live import (
    PAIR_SECONDS,
    acting_key,
    code_key,
    code_owner,
    code_wait_minutes,
    count_wrong_code,
    display_name,
    end_choice,
    helped_key,
    read_json,
    typed_code,
)
from models.supporters import (
    can_support,
    claim_help_request,
    end_session,
    is_on_duty,
    my_residents,
    open_help_requests,
    set_on_duty,
    start_session,
)
from models.users import User, audit, get_by_line_id

ASK_CODE = "supporters.ask_code"


def refuse_support(ctx: Context, inp: Input) -> Reply:
    """A support action by someone without the role: nothing changes; it is logged."""
    log_refusal(ctx, inp, "support.forbidden")
    return main_menu(ctx, inp, lead=why_refused(ctx, ctx._("This button is no longer valid.")))


def supporter_only(step):  # type: ignore[no-untyped-def]
    def guarded(ctx: Context, inp: Input) -> Reply:
        if not can_support(ctx.rights):
            return refuse_support(ctx, inp)
        return step(ctx, inp)

    guarded.__name__ = step.__name__
    guarded.__doc__ = step.__doc__
    return guarded


def support_menu(ctx: Context, lead: str | None = None) -> Reply:
    on = is_on_duty(ctx.session, ctx.user)
    choices = [
        # Translators: a supporter types the resident's 6-digit code
        Choice.go(ctx._("Enter a code"), "support_code"),
        # Translators: a supporter stops / starts receiving help requests
        Choice.go(ctx._("Go off duty") if on else ctx._("Go on duty"), "support_duty",
                  on="0" if on else "1"),
        Choice.go(ctx._("My residents"), "my_residents"),
    ]
    if ctx.has_role("staff") and not ctx.out.simple:
        choices.append(Choice.go(ctx._("Make a supporter"), "grant_supporter"))
    if ctx.effects.fetched.get(acting_key(ctx.user.line_user_id)):
        choices.insert(0, end_choice(ctx.locale))
    status = ctx._("You are on duty.") if on else ctx._("You are off duty.")
    text = f"{lead}\n{status}" if lead else status
    return Reply([ctx.out.choices(text, choices)])


@supporter_only
def on_support(ctx: Context, inp: Input) -> Reply:
    return support_menu(ctx)


@supporter_only
def on_duty_toggle(ctx: Context, inp: Input) -> Reply:
    on = inp.args.get("on") == "1"
    set_on_duty(ctx.session, ctx.user, on, ctx.now)
    audit(ctx.session, "support.duty", actor=ctx.user, on=on)
    menu = support_menu(ctx)
    if not on:
        return menu
    # requests made while no one was on duty are still open: show them to accept
    cards = []
    for request in open_help_requests(ctx.session, ctx.now):
        resident = ctx.session.get(User, request.resident_id)
        if resident is not None and resident.id != ctx.user.id:
            cards.append(request_card(ctx, ctx.user, resident, request.id, request.step))
    return Reply([*cards, *menu.messages])


@supporter_only
def on_my_residents(ctx: Context, inp: Input) -> Reply:
    residents = my_residents(ctx.session, ctx.user, ctx.now)
    if not residents:
        text = ctx._("You have not helped anyone in the last 30 days.")
    else:
        names = "\n".join("・" + display_name(r, ctx.locale) for r in residents[:50])
        text = ctx._("Residents you helped in the last 30 days:") + "\n" + names
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Supporter tools"), "support")])])


def ask_code(ctx: Context) -> Reply:
    text = ctx._("Please type the resident's 6-digit code.")
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Supporter tools"), "support")])],
                 next=ASK_CODE, data={})


@supporter_only
def on_code_entry(ctx: Context, inp: Input) -> Reply:
    return ask_code(ctx)


def on_code(ctx: Context, inp: Input) -> Reply:
    if not can_support(ctx.rights):
        return refuse_support(ctx, inp)
    if typed_code(inp) is None:
        return ask_code(ctx)
    if code_wait_minutes(ctx):
        return too_many_codes(ctx, inp)
    resident, ticket = code_owner(ctx, inp)
    if resident is None or not ticket:
        count_wrong_code(ctx, "pair")
        reply = ask_code(ctx)
        lead = ctx.out.text(ctx._("That code is not valid. It may have expired."), back=False)
        return Reply([lead, *reply.messages], next=ASK_CODE, data={})
    ctx.effects.redis_delete.append(code_key(typed_code(inp) or ""))
    return pair(ctx, resident, ticket=ticket, via="code")


def too_many_codes(ctx: Context, inp: Input) -> Reply:
    """Codes are refused for a while after too many wrong ones, even a right one (nothing
    about the code is revealed); the attempt is audit-logged."""
    minutes = code_wait_minutes(ctx)
    audit(ctx.session, "support.code_locked", actor=ctx.user, step=ctx.state.step or "",
          minutes=minutes)
    # Translators: after too many wrong 6-digit codes; any code is refused for a while
    text = ctx._("Too many wrong codes. For safety, please try again in {minutes} minutes.",
                 minutes=minutes)
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Supporter tools"), "support")])])


@supporter_only
def on_accept(ctx: Context, inp: Input) -> Reply:
    try:
        request_id = int(inp.args.get("id", ""))
    except ValueError:
        return refuse_support(ctx, inp)
    request = claim_help_request(ctx.session, request_id, ctx.user, ctx.now)
    resident = ctx.session.get(User, request.resident_id) if request else None
    if request is None or resident is None:
        return support_menu(ctx, ctx._("Someone else is already helping, or the request "
                                       "is too old."))
    return pair(ctx, resident, ticket=f"request:{request.id}", via="request")


def pair(ctx: Context, resident: User, *, ticket: str, via: str) -> Reply:
    """Start a session: SQL history first (the ticket is used once), then the Redis pairing."""
    supporter = ctx.user
    if resident.id == supporter.id:
        return support_menu(ctx, ctx._("You cannot help yourself with your own code."))
    if ctx.effects.fetched.get(acting_key(supporter.line_user_id)):
        return support_menu(ctx, ctx._("Please end your current help first."))
    row = start_session(ctx.session, ticket=ticket, supporter=supporter, resident=resident,
                        via=via, now=ctx.now)
    if row is None:
        return support_menu(ctx, ctx._("Someone else is already helping, or the request "
                                       "is too old."))
    audit(ctx.session, "support.pair", actor=supporter, subject=resident, via=via,
          session_id=row.id)
    ctx.effects.redis_set += [
        (acting_key(supporter.line_user_id), json.dumps(
            {"r": resident.line_user_id, "n": resident.id, "s": row.id}), PAIR_SECONDS),
        (helped_key(resident.line_user_id), json.dumps(
            {"h": supporter.line_user_id, "n": supporter.id, "s": row.id}), PAIR_SECONDS),
    ]
    told = Composer(resident.locale, resident.mode, ctx.codec)
    ctx.effects.pushes.append((resident.line_user_id, [told.text("\n".join([
        gettext(resident.locale, "{name} will help you now.",
                name=display_name(supporter, resident.locale)),
        gettext(resident.locale, "For up to 60 minutes they can use the bot for you. You "
                                 "will see here what they do."),
    ]), [end_choice(resident.locale)], back=False)]))
    text = "\n".join([
        ctx._("You are now helping {name}, for up to 60 minutes.",
              name=display_name(resident, ctx.locale)),
        ctx._("Use the menu as usual: what you do is done for them."),
    ])
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Menu"), "menu"),
                                      end_choice(ctx.locale)], back=False)])


def on_end(ctx: Context, inp: Input) -> Reply:
    """Either side ends the session; the other side is told."""
    if not end_help(ctx):
        if inp.action == "support_end" and not can_support(ctx.rights):
            audit(ctx.session, "support.end_without_session", actor=ctx.user)
        return main_menu(ctx, inp, lead=ctx._("No one is helping right now."))
    return main_menu(ctx, inp, lead=ctx._("The help session has ended. Thank you!"))


def in_help(ctx: Context) -> bool:
    """Whether the person is paired now, on either side."""
    line_id = ctx.user.line_user_id
    return bool(ctx.effects.fetched.get(acting_key(line_id))
                or ctx.effects.fetched.get(helped_key(line_id)))


def end_help(ctx: Context) -> bool:
    """End the person's pairing, on either side, and tell the other side; False when there
    was none. (Also before a person's data is deleted: the pairing names them.)"""
    me = ctx.user
    as_supporter = read_json(ctx.effects.fetched.get(acting_key(me.line_user_id)))
    as_resident = read_json(ctx.effects.fetched.get(helped_key(me.line_user_id)))
    if as_supporter and can_support(ctx.rights):
        other_line, session_id, by = str(as_supporter.get("r")), as_supporter.get("s"), \
            "supporter"
        keys_ = [acting_key(me.line_user_id), helped_key(other_line)]
    elif as_resident:
        other_line, session_id, by = str(as_resident.get("h")), as_resident.get("s"), "resident"
        keys_ = [helped_key(me.line_user_id), acting_key(other_line)]
    else:
        return False
    end_session(ctx.session, int(session_id or 0), by=by, now=ctx.now)
    ctx.effects.redis_delete += keys_
    other = get_by_line_id(ctx.session, other_line)
    audit(ctx.session, "support.end", actor=me, subject=other, by=by)
    if other is not None:
        told = Composer(other.locale, other.mode, ctx.codec)
        ctx.effects.pushes.append((other.line_user_id, [told.text(gettext(
            other.locale, "The help session with {name} has ended.",
            name=display_name(me, other.locale)), back=False)]))
    return True
