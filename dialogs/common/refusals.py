"""Refusing an action the person may not take: one way to audit-log it and one way to say
why, for every dialog.

A postback is user input, so every privileged action is authorised again on the server
(`ctx.has_role`, `ctx.rights`) and a refusal is recorded: who tried (the supporter, in a
turn they take for someone), for whom, which button or step, with which arguments. A
digital supporter acting for a staff member, an organiser or another supporter is told that
acting for someone lends none of their roles (issue 13), rather than that the button is
wrong.
"""

from __future__ import annotations

from typing import Any

from bot.kernel.engine import Context, Input
from bot.kernel.i18n import N_
from models.users import audit

# Translators: a digital supporter acting for {name} tried something
# only staff, an organiser or a supporter may do; acting for someone
# gives only what any resident can do
ACTING = N_("Sorry, while you help {name} you can only do what any resident can do. Staff, "
            "organiser and supporter tools cannot be used for someone else.")


def log_refusal(ctx: Context, inp: Input, action: str, **detail: Any) -> None:
    """Audit-log a refused action (`action`, such as "announce.refused")."""
    audit(ctx.session, action, actor=ctx.supporter or ctx.user, subject=ctx.acting_for,
          postback=inp.action[:50], step=ctx.state.step or "",
          args={k: str(v)[:40] for k, v in inp.args.items()}, **detail)


def why_refused(ctx: Context, reason: str) -> str:
    """What the refusal says: `reason`, or, when the turn acts for someone whose roles it
    may not use, that acting for someone gives only a resident's rights."""
    if not ctx.rights_withheld or ctx.acting_for is None:
        return reason
    return ctx._(ACTING, name=ctx.acting_for.display_name or ctx._("(no name)"))
