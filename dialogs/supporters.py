"""Digital supporters: a resident asks for help; a supporter pairs and acts for them.

```mermaid
stateDiagram-v2
    [*] --> code_shown: resident taps "Ask a supporter" (a code, and on-duty helpers told)
    [*] --> support: supporter / staff taps "Supporter tools"
    support --> ask_code: Enter a code
    ask_code --> paired: the resident's 6-digit code
    support --> [*]: On duty / Off duty, My residents
    [*] --> paired: supporter taps "Accept" on a help request (the first one wins)
    paired --> [*]: either side taps "End help", or 60 minutes pass
    support --> grant_code: staff: Make a supporter
    grant_code --> grant_confirm: the person's code
    grant_confirm --> [*]: yes (role granted) / no
```

Live state is in Redis with TTLs (keys below): a code lives 10 minutes, a pairing at most
60. Steps never touch Redis: what they need is read in the turn's first pipeline
(`prefetch_keys`) and what they write goes out in its last (`ctx.effects`). While paired,
the supporter's turns run with `ctx.user` = the resident (handlers/events.py); each turn
that changed something is audit-logged and announced in the resident's own chat
(`after_proxy_turn`). Every supporter action checks the role on the server: a forged
postback changes nothing and is audit-logged.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context, Dialog, Input, Reply
from bot.kernel.i18n import gettext
from bot.keys import key
from dialogs.menu import main_menu
from models.supporters import (
    can_support,
    claim_help_request,
    end_session,
    is_on_duty,
    my_residents,
    on_duty,
    open_help_request,
    set_on_duty,
    start_session,
)
from models.users import AuditLog, User, audit, get_by_line_id, grant_role

CODE_SECONDS = 10 * 60
PAIR_SECONDS = 60 * 60
CODE_DIGITS = 6

ASK_CODE = "supporters.ask_code"
GRANT_CODE = "supporters.grant_code"
GRANT_CONFIRM = "supporters.grant_confirm"

# actions a paired supporter takes as themselves (everything else acts for the resident)
OWN_ACTIONS = frozenset({"support", "support_code", "support_end", "support_duty",
                         "my_residents", "help_accept", "grant_supporter", "tab"})


# -- Redis keys -------------------------------------------------------------------------------


def code_key(code: str) -> str:
    return key("support", "code", code)


def code_of_key(resident_line_id: str) -> str:
    return key("support", "code_of", resident_line_id)


def acting_key(supporter_line_id: str) -> str:
    """The supporter's side of a pairing: whom they act for."""
    return key("support", "acting", supporter_line_id)


def helped_key(resident_line_id: str) -> str:
    """The resident's side of a pairing: who helps them."""
    return key("support", "helped", resident_line_id)


def typed_code(inp: Input) -> str | None:
    if inp.kind != "text":
        return None
    text = unicodedata.normalize("NFKC", inp.text).replace(" ", "").replace("-", "")
    return text if len(text) == CODE_DIGITS and text.isascii() and text.isdigit() else None


def prefetch_keys(line_user_id: str, inp: Input) -> list[str]:
    """The Redis keys a turn of this user may need, read in the turn's first pipeline."""
    found = [acting_key(line_user_id), helped_key(line_user_id)]
    if inp.action == "ask_supporter":
        found.append(code_of_key(line_user_id))
    code = typed_code(inp)
    if code:
        found.append(code_key(code))
    return found


def _json(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- acting for a resident (used by handlers/events.py) ---------------------------------------


def acting_target(session: Session, supporter: User, inp: Input, step: str | None,
                  fetched: dict[str, str | None]) -> User | None:
    """The resident this supporter's turn acts for, or None when it is their own turn."""
    pair = _json(fetched.get(acting_key(supporter.line_user_id)))
    if pair is None or inp.kind == "follow" or not can_support(supporter):
        return None
    if inp.action in OWN_ACTIONS or (step or "").startswith("supporters."):
        return None
    resident = session.get(User, int(pair.get("n", 0) or 0))
    if resident is None or resident.line_user_id != pair.get("r") or not resident.active:
        return None
    return resident


def track_changes(session: Session) -> set[str]:
    """The tables a turn writes to (audit rows left out), filled as the session works."""
    tables: set[str] = set()

    def on_flush(sess: Session, _context: Any, _instances: Any) -> None:
        dirty = [o for o in sess.dirty if sess.is_modified(o)]
        for obj in (*sess.new, *sess.deleted, *dirty):
            if not isinstance(obj, AuditLog):
                tables.add(getattr(obj, "__tablename__", type(obj).__name__))

    def on_execute(state: Any) -> None:  # bulk UPDATE / DELETE statements
        if state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            name = getattr(table, "name", None)
            if name and name != AuditLog.__tablename__:
                tables.add(name)

    event.listen(session, "before_flush", on_flush)
    event.listen(session, "do_orm_execute", on_execute)
    return tables


def after_proxy_turn(ctx: Context, inp: Input, step_before: str | None, messages: list[dict],
                     changed: set[str]) -> list[dict]:
    """Audit and announce a supporter's turn for a resident; the supporter's messages.

    A turn that changed something is audit-logged (who, for whom, what, when) and its
    confirmation is pushed to the resident, who reads it in their own language: the turn
    ran as the resident, so the replies are already in the resident's language and look.
    """
    supporter, resident = ctx.supporter, ctx.user
    assert supporter is not None
    what = inp.action if inp.action and inp.action != "ans" else (step_before or inp.kind)
    if changed:
        audit(ctx.session, "proxy." + what[:50], actor=supporter, subject=resident,
              step=step_before or "", tables=sorted(changed))
        body = "\n".join(t for t in (_plain(m) for m in messages) if t)
        lead = gettext(resident.locale, "{name}, your supporter, did this for you:",
                       name=_name(supporter, resident.locale))
        out = Composer(resident.locale, resident.mode, ctx.codec)
        ctx.effects.pushes.append((resident.line_user_id, [out.text(
            f"{lead}\n{body}"[:4000], [_end_choice(resident.locale)], back=False)]))
    helper = Composer(supporter.locale, "standard", ctx.codec)
    banner = helper.card(
        gettext(supporter.locale, "Helping {name}", name=_name(resident, supporter.locale)),
        [gettext(supporter.locale, "What you do now is done for them, and they see it.")],
        [_end_choice(supporter.locale)])
    return [banner, *messages]


def _end_choice(locale: str) -> Choice:
    # Translators: ends a digital supporter's session with a resident
    return Choice.go(gettext(locale, "End help"), "support_end")


def _plain(message: dict) -> str:
    if message.get("type") == "text":
        return str(message.get("text", ""))
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text" and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for part in ("contents", "header", "hero", "body"):
                if part in node:
                    walk(node[part])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("contents"))
    return "\n".join(texts)


def _name(user: User, locale: str) -> str:
    """A display name, never a LINE id."""
    return user.display_name or gettext(locale, "(no name)")


# -- authorisation ----------------------------------------------------------------------------


def _refuse(ctx: Context, inp: Input) -> Reply:
    """A support action by someone without the role: nothing changes; it is logged."""
    audit(ctx.session, "support.forbidden", actor=ctx.user, tried=inp.action[:50])
    return main_menu(ctx, inp, lead=ctx._("This button is no longer valid."))


def _supporter_only(step):  # type: ignore[no-untyped-def]
    def guarded(ctx: Context, inp: Input) -> Reply:
        if not can_support(ctx.user):
            return _refuse(ctx, inp)
        return step(ctx, inp)

    guarded.__name__ = step.__name__
    guarded.__doc__ = step.__doc__
    return guarded


# -- the resident's side ----------------------------------------------------------------------


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
    for helper in on_duty(ctx.session):
        if helper.id != resident.id:
            ctx.effects.pushes.append((helper.line_user_id, [_request_card(ctx, helper, resident,
                                                                           request.id, step)]))
    text = "\n".join([
        ctx._("Your code is {code}.", code=" ".join(code)),
        ctx._("If a supporter is with you, show them this code. It works for 10 minutes."),
        ctx._("We have also asked the supporters on duty. We will tell you who will help."),
    ])
    choices = []
    if ctx.state.step:
        choices.append(Choice.go(ctx._("Continue"), "resume"))
    choices.append(Choice.go(ctx._("Menu"), "menu"))
    return Reply([ctx.out.text(text, choices, back=False)], keep=True)


def _request_card(ctx: Context, helper: User, resident: User, request_id: int,
                  step: str) -> dict:
    """The help request as an on-duty helper reads it: who, and where they are stuck."""
    locale = helper.locale
    out = Composer(locale, "standard", ctx.codec)
    where = step or gettext(locale, "the menu")
    return out.card(
        gettext(locale, "{name} asks for help", name=_name(resident, locale)),
        [gettext(locale, "Where: {where}", where=where)],
        # Translators: a supporter accepts a resident's help request
        [Choice.go(gettext(locale, "Accept"), "help_accept", id=request_id, style="primary")])


def on_call_help_desk(ctx: Context, inp: Input) -> Reply:
    phone, hours = ctx.config["HELP_DESK_PHONE"], ctx.config["HELP_DESK_HOURS"]
    text = ctx._("Help desk: {phone} ({hours})", phone=phone, hours=hours)
    call = Choice(ctx._("Call"), kind="uri",
                  uri="tel:" + "".join(c for c in phone if c.isdigit() or c == "+"))
    return Reply([ctx.out.text(text, [call, Choice.go(ctx._("Menu"), "menu")], back=False)])


# -- the supporter's side ---------------------------------------------------------------------


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
    if ctx.user.is_staff and not ctx.out.simple:
        choices.append(Choice.go(ctx._("Make a supporter"), "grant_supporter"))
    if ctx.effects.fetched.get(acting_key(ctx.user.line_user_id)):
        choices.insert(0, _end_choice(ctx.locale))
    status = ctx._("You are on duty.") if on else ctx._("You are off duty.")
    text = f"{lead}\n{status}" if lead else status
    return Reply([ctx.out.choices(text, choices)])


@_supporter_only
def on_support(ctx: Context, inp: Input) -> Reply:
    return support_menu(ctx)


@_supporter_only
def on_duty_toggle(ctx: Context, inp: Input) -> Reply:
    on = inp.args.get("on") == "1"
    set_on_duty(ctx.session, ctx.user, on, ctx.now)
    audit(ctx.session, "support.duty", actor=ctx.user, on=on)
    return support_menu(ctx)


@_supporter_only
def on_my_residents(ctx: Context, inp: Input) -> Reply:
    residents = my_residents(ctx.session, ctx.user, ctx.now)
    if not residents:
        text = ctx._("You have not helped anyone in the last 30 days.")
    else:
        names = "\n".join("・" + _name(r, ctx.locale) for r in residents[:50])
        text = ctx._("Residents you helped in the last 30 days:") + "\n" + names
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Supporter tools"), "support")])])


def ask_code(ctx: Context) -> Reply:
    text = ctx._("Please type the resident's 6-digit code.")
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Supporter tools"), "support")])],
                 next=ASK_CODE, data={})


@_supporter_only
def on_code_entry(ctx: Context, inp: Input) -> Reply:
    return ask_code(ctx)


def _code_owner(ctx: Context, inp: Input) -> tuple[User | None, str | None]:
    code = typed_code(inp)
    found = _json(ctx.effects.fetched.get(code_key(code))) if code else None
    if found is None:
        return None, None
    return get_by_line_id(ctx.session, str(found.get("r", ""))), str(found.get("t", ""))


def on_code(ctx: Context, inp: Input) -> Reply:
    if not can_support(ctx.user):
        return _refuse(ctx, inp)
    if typed_code(inp) is None:
        return ask_code(ctx)
    resident, ticket = _code_owner(ctx, inp)
    if resident is None or not ticket:
        reply = ask_code(ctx)
        lead = ctx.out.text(ctx._("That code is not valid. It may have expired."), back=False)
        return Reply([lead, *reply.messages], next=ASK_CODE, data={})
    ctx.effects.redis_delete.append(code_key(typed_code(inp) or ""))
    return pair(ctx, resident, ticket=ticket, via="code")


@_supporter_only
def on_accept(ctx: Context, inp: Input) -> Reply:
    try:
        request_id = int(inp.args.get("id", ""))
    except ValueError:
        return _refuse(ctx, inp)
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
                name=_name(supporter, resident.locale)),
        gettext(resident.locale, "For up to 60 minutes they can use the bot for you. You "
                                 "will see here what they do."),
    ]), [_end_choice(resident.locale)], back=False)]))
    text = "\n".join([
        ctx._("You are now helping {name}, for up to 60 minutes.",
              name=_name(resident, ctx.locale)),
        ctx._("Use the menu as usual: what you do is done for them."),
    ])
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Menu"), "menu"),
                                      _end_choice(ctx.locale)], back=False)])


def on_end(ctx: Context, inp: Input) -> Reply:
    """Either side ends the session; the other side is told."""
    me = ctx.user
    as_supporter = _json(ctx.effects.fetched.get(acting_key(me.line_user_id)))
    as_resident = _json(ctx.effects.fetched.get(helped_key(me.line_user_id)))
    if as_supporter and can_support(me):
        other_line, session_id, by = str(as_supporter.get("r")), as_supporter.get("s"), \
            "supporter"
        keys_ = [acting_key(me.line_user_id), helped_key(other_line)]
    elif as_resident:
        other_line, session_id, by = str(as_resident.get("h")), as_resident.get("s"), "resident"
        keys_ = [helped_key(me.line_user_id), acting_key(other_line)]
    else:
        if inp.action == "support_end" and not can_support(me):
            audit(ctx.session, "support.end_without_session", actor=me)
        return main_menu(ctx, inp, lead=ctx._("No one is helping right now."))
    end_session(ctx.session, int(session_id or 0), by=by, now=ctx.now)
    ctx.effects.redis_delete += keys_
    other = get_by_line_id(ctx.session, other_line)
    audit(ctx.session, "support.end", actor=me, subject=other, by=by)
    if other is not None:
        told = Composer(other.locale, other.mode, ctx.codec)
        ctx.effects.pushes.append((other.line_user_id, [told.text(gettext(
            other.locale, "The help session with {name} has ended.",
            name=_name(me, other.locale)), back=False)]))
    return main_menu(ctx, inp, lead=ctx._("The help session has ended. Thank you!"))


# -- staff: making someone a supporter --------------------------------------------------------


def ask_grant_code(ctx: Context) -> Reply:
    text = ctx._("To make someone a supporter, ask them to tap \"Ask a supporter\" and type "
                 "the 6-digit code they see.")
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Supporter tools"), "support")])],
                 next=GRANT_CODE, data={})


def on_grant_entry(ctx: Context, inp: Input) -> Reply:
    if not ctx.user.is_staff:
        return _refuse(ctx, inp)
    return ask_grant_code(ctx)


def on_grant_code(ctx: Context, inp: Input) -> Reply:
    if not ctx.user.is_staff:
        return _refuse(ctx, inp)
    person, _ticket = _code_owner(ctx, inp)
    if person is None:
        lead = ctx.out.text(ctx._("That code is not valid. It may have expired."), back=False)
        return Reply([lead, *ask_grant_code(ctx).messages], next=GRANT_CODE, data={})
    ctx.effects.redis_delete.append(code_key(typed_code(inp) or ""))
    return ask_grant_confirm(ctx, person.id, _name(person, ctx.locale))


def ask_grant_confirm(ctx: Context, person_id: int, name: str) -> Reply:
    question = ctx._("Make {name} a digital supporter?", name=name)
    yes = Choice.answer(GRANT_CONFIRM, ctx._("Yes"), "yes")
    no = Choice.answer(GRANT_CONFIRM, ctx._("No"), "no")
    return Reply([ctx.out.confirm(question, yes, no)], next=GRANT_CONFIRM,
                 data={"person": person_id, "name": name})


def on_grant_confirm(ctx: Context, inp: Input) -> Reply:
    if not ctx.user.is_staff:
        return _refuse(ctx, inp)
    person = ctx.session.get(User, int(ctx.state.data.get("person", 0) or 0))
    if inp.value != "yes" or person is None:
        return support_menu(ctx, ctx._("Nothing was changed."))
    grant_role(ctx.session, person, "supporter", actor=ctx.user)
    return support_menu(ctx, ctx._("{name} is now a digital supporter.",
                                   name=_name(person, ctx.locale)))


dialog = Dialog(
    name="supporters",
    entries={
        "ask_supporter": on_ask_supporter,
        "call_help_desk": on_call_help_desk,
        "support": on_support,
        "support_duty": on_duty_toggle,
        "my_residents": on_my_residents,
        "support_code": on_code_entry,
        "help_accept": on_accept,
        "support_end": on_end,
        "grant_supporter": on_grant_entry,
    },
    steps={ASK_CODE: on_code, GRANT_CODE: on_grant_code, GRANT_CONFIRM: on_grant_confirm},
    prompts={
        ASK_CODE: ask_code,
        GRANT_CODE: ask_grant_code,
        GRANT_CONFIRM: lambda ctx: ask_grant_confirm(ctx, int(ctx.state.data.get("person", 0)),
                                                     str(ctx.state.data.get("name", ""))),
    },
)
