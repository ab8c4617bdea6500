"""The resident's side: asking for a supporter (a code to show, and a request to the
helpers on duty) or calling the help desk.

With no one on duty the resident is told so and given the help desk at once; the request
stays open for a helper who comes on duty (tools.on_duty_toggle shows it). If no one has
accepted it after `HELP_REQUEST_MINUTES`, the resident is told (`render_unanswered`)."""

from __future__ import annotations

import json
import secrets

from sqlalchemy.orm import Session

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import N_, gettext
from dialogs.supporters.live import (
    CODE_DIGITS,
    CODE_SECONDS,
    code_key,
    code_of_key,
    display_name,
)
from models.outbox import Notification
from models.supporters import HELP_REQUEST_MINUTES, on_duty, open_help_request, unanswered
from models.timing import config_of
from models.users import User, audit

# where a resident is stuck, as the helper reads it: the part of the bot the step belongs to
# (the step names themselves are internal keys)
FLOW_NAMES = {
    "announce": N_("Announcements"),
    "checkin": N_("Check in"),
    "find": N_("Find activities"),
    "gathering": N_("Initiatives"),
    "ideas": N_("Idea calls"),
    "initiative": N_("Initiatives"),
    # Translators: where a resident asking for help is: the first questions after adding the bot
    "onboarding": N_("Getting started"),
    "org": N_("Organisations"),
    "recommend": N_("Recommended"),
    "settings": N_("Settings"),
    "signup": N_("Sign up"),
    "subscriptions": N_("Notifications"),
    "supporters": N_("Supporter tools"),
}
THE_MENU = N_("the menu")  # no dialog: the resident was at the menu


def on_ask_supporter(ctx: Context, inp: Input) -> Reply:
    """Show a 6-digit code (10 minutes) and tell the supporters and staff on duty."""
    resident = ctx.user
    old = ctx.effects.fetched.get(code_of_key(resident.line_user_id))
    if old:
        ctx.effects.redis_delete.append(code_key(old))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    ticket = "code:" + secrets.token_hex(12)
    ctx.effects.redis_set.append((code_key(code), json.dumps(
        {"r": resident.line_user_id, "t": ticket}), CODE_SECONDS))
    ctx.effects.redis_set.append((code_of_key(resident.line_user_id), code, CODE_SECONDS))
    step = ctx.state.step or ""
    request = open_help_request(ctx.session, resident, flow=step.split(".")[0] or "menu",
                                step=step, now=ctx.now)
    audit(ctx.session, "support.ask", actor=resident, subject=resident, request=request.id)
    helpers = [helper for helper in on_duty(ctx.session) if helper.id != resident.id]
    for helper in helpers:
        ctx.effects.pushes.append((helper.line_user_id, [request_card(ctx, helper, resident,
                                                                      request.id, step)]))
    lines = [
        ctx._("Your code is {code}.", code=" ".join(code)),
        ctx._("If a supporter is with you, show them this code. It works for 10 minutes."),
    ]
    choices = []
    if helpers:
        lines.append(ctx._("We have also asked the supporters on duty. We will tell you who "
                           "will help."))
    else:
        lines += [
            ctx._("No supporter is on duty right now."),
            ctx._("Your request stays open: if a supporter comes on duty and accepts it, we "
                  "will tell you who will help. If no one has accepted it in {minutes} "
                  "minutes, we will tell you that too.", minutes=HELP_REQUEST_MINUTES),
            help_desk_line(ctx.locale, ctx.config),
        ]
        choices.append(_call_choice(ctx))
    if ctx.state.step:
        choices.append(Choice.go(ctx._("Continue"), "resume"))
    choices.append(Choice.go(ctx._("Menu"), "menu"))
    return Reply([ctx.out.text("\n".join(lines), choices, back=False)], keep=True)


def help_desk_line(locale: str, config) -> str:  # type: ignore[no-untyped-def]
    return gettext(locale, "Help desk: {phone} ({hours})", phone=config["HELP_DESK_PHONE"],
                   hours=config["HELP_DESK_HOURS"])


def _call_choice(ctx: Context) -> Choice:
    phone = ctx.config["HELP_DESK_PHONE"]
    return Choice(ctx._("Call"), kind="uri",
                  uri="tel:" + "".join(c for c in phone if c.isdigit() or c == "+"))


def render_unanswered(session: Session, user: User, notification: Notification,
                      composer: Composer) -> list[dict] | None:
    """The request's time is up and no one accepted it: say so, with the help desk."""
    if unanswered(session, int(notification.ref)) is None:
        return None
    config = config_of(session)
    return [composer.text(composer._(
        "No supporter could accept your request. Please call the help desk: "
        "{phone} ({hours})", phone=config["HELP_DESK_PHONE"], hours=config["HELP_DESK_HOURS"]),
        back=False)]


def request_card(ctx: Context, helper: User, resident: User, request_id: int,
                 step: str) -> dict:
    """The help request as an on-duty helper reads it: who, and where they are stuck."""
    locale = helper.locale
    out = Composer(locale, "standard", ctx.codec)
    where = gettext(locale, FLOW_NAMES.get(step.split(".")[0], THE_MENU))
    return out.card(
        gettext(locale, "{name} asks for help", name=display_name(resident, locale)),
        [gettext(locale, "Where: {where}", where=where)],
        # Translators: a supporter accepts a resident's help request
        [Choice.go(gettext(locale, "Accept"), "help_accept", id=request_id, style="primary")])


def on_call_help_desk(ctx: Context, inp: Input) -> Reply:
    text = help_desk_line(ctx.locale, ctx.config)
    return Reply([ctx.out.text(text, [_call_choice(ctx), Choice.go(ctx._("Menu"), "menu")],
                               back=False)])
