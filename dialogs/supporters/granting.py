"""Staff making someone a digital supporter: the person's code, then a confirmation."""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply, answers_yes_no
from dialogs.supporters.live import (
    code_key,
    code_owner,
    code_wait_minutes,
    count_wrong_code,
    display_name,
    typed_code,
)
from dialogs.supporters.tools import refuse_support, support_menu, too_many_codes
from models.users import User, grant_role

GRANT_CODE = "supporters.grant_code"
GRANT_CONFIRM = "supporters.grant_confirm"


def ask_grant_code(ctx: Context) -> Reply:
    text = ctx._("To make someone a supporter, ask them to tap \"Ask a supporter\" and type "
                 "the 6-digit code they see.")
    return Reply([ctx.out.text(text, [Choice.go(ctx._("Supporter tools"), "support")])],
                 next=GRANT_CODE, data={})


def on_grant_entry(ctx: Context, inp: Input) -> Reply:
    if not ctx.has_role("staff"):
        return refuse_support(ctx, inp)
    return ask_grant_code(ctx)


def on_grant_code(ctx: Context, inp: Input) -> Reply:
    if not ctx.has_role("staff"):
        return refuse_support(ctx, inp)
    if typed_code(inp) is not None and code_wait_minutes(ctx):
        return too_many_codes(ctx, inp)
    person, _ticket = code_owner(ctx, inp)
    if person is None:
        if typed_code(inp) is not None:
            count_wrong_code(ctx, "grant")
        lead = ctx.out.text(ctx._("That code is not valid. It may have expired."), back=False)
        return Reply([lead, *ask_grant_code(ctx).messages], next=GRANT_CODE, data={})
    ctx.effects.redis_delete.append(code_key(typed_code(inp) or ""))
    return ask_grant_confirm(ctx, person.id, display_name(person, ctx.locale))


def ask_grant_confirm(ctx: Context, person_id: int, name: str) -> Reply:
    question = ctx._("Make {name} a digital supporter?", name=name)
    yes = Choice.answer(GRANT_CONFIRM, ctx._("Yes"), "yes")
    no = Choice.answer(GRANT_CONFIRM, ctx._("No"), "no")
    return Reply([ctx.out.confirm(question, yes, no)], next=GRANT_CONFIRM,
                 data={"person": person_id, "name": name})


@answers_yes_no
def on_grant_confirm(ctx: Context, inp: Input) -> Reply:
    if not ctx.has_role("staff"):
        return refuse_support(ctx, inp)
    person = ctx.session.get(User, int(ctx.state.data.get("person", 0) or 0))
    if inp.value != "yes" or person is None:
        return support_menu(ctx, ctx._("Nothing was changed."))
    grant_role(ctx.session, person, "supporter", actor=ctx.user)
    return support_menu(ctx, ctx._("{name} is now a digital supporter.",
                                   name=display_name(person, ctx.locale)))
