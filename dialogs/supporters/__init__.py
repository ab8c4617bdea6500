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

Live state is in Redis with TTLs (keys in `live`): a code lives 10 minutes, a pairing at most
60. Steps never touch Redis: what they need is read in the turn's first pipeline
(`prefetch_keys`) and what they write goes out in its last (`ctx.effects`). While paired,
the supporter's turns run with `ctx.user` = the resident (handlers/events.py), but with a
resident's rights only (`ctx.rights`): acting for a staff member, an organiser or another
supporter lends none of their roles, and such an attempt is refused and audit-logged. Each
turn that changed something is audit-logged and announced in the resident's own chat
(`after_proxy_turn`). Every supporter action checks the role on the server: a forged
postback changes nothing and is audit-logged.

The modules, by responsibility:
- `asking`: the resident's side (a code, a request to the helpers on duty, the help desk);
- `tools`: the supporter's side (duty, residents helped, pairing, ending a session);
- `granting`: staff making someone a supporter;
- `proxy`: acting for a resident, for handlers/events.py;
- `live`: the Redis keys and values, and what both sides see of each other.
"""

from __future__ import annotations

from bot.kernel.engine import Dialog
from dialogs.supporters import asking, granting, tools

dialog = Dialog(
    name="supporters",
    entries={
        "ask_supporter": asking.on_ask_supporter,
        "call_help_desk": asking.on_call_help_desk,
        "support": tools.on_support,
        "support_duty": tools.on_duty_toggle,
        "my_residents": tools.on_my_residents,
        "support_code": tools.on_code_entry,
        "help_accept": tools.on_accept,
        "support_end": tools.on_end,
        "grant_supporter": granting.on_grant_entry,
    },
    steps={
        tools.ASK_CODE: tools.on_code,
        granting.GRANT_CODE: granting.on_grant_code,
        granting.GRANT_CONFIRM: granting.on_grant_confirm,
    },
    prompts={
        tools.ASK_CODE: tools.ask_code,
        granting.GRANT_CODE: granting.ask_grant_code,
        granting.GRANT_CONFIRM: lambda ctx: granting.ask_grant_confirm(
            ctx, int(ctx.state.data.get("person", 0)), str(ctx.state.data.get("name", ""))),
    },
)
