"""What people type outside any question: a button's label does what the button does, a word
or two is a keyword search, a wish ("明日 高円寺で何かある?") a search with the filters it
names, a greeting or thanks a short answer; anything else an honest "I did not understand"
with the three likeliest next steps, never the whole menu again. The meaning is
dialogs/common/understand's (parse.py; the words: lexicon.py and the catalogs).

```mermaid
stateDiagram-v2
    [*] --> button: a label typed -> the router taps it
    [*] --> results: a word, a wish -> find.results
    [*] --> next_steps: greeting, thanks, yes/no with nothing asked, not understood
```
"""

from __future__ import annotations

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply
from dialogs import find_activities
from dialogs.common.understand import FIND_LABELS, Meaning, lexicon, understand, yes_or_no
from dialogs.menu import MENU_ITEMS, MenuItem

NEXT_LABELS = {item.action: item.label for item in MENU_ITEMS if item.action}


def menu_buttons(items: tuple[MenuItem, ...]) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(label, action, args) of menu items: a sub-menu's opener opens it."""
    return [(i.label, "menu", (("m", i.opens),)) if i.opens else (i.label, i.action, ())
            for i in items]


def buttons_for(ctx: Context) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """The buttons this person may tap, whose labels typed do the same."""
    menu = menu_buttons(tuple(i for i in MENU_ITEMS if i.shown_to(ctx.rights)))
    finds = [(msgid, action, tuple(sorted(args.items()))) for msgid, action, args in FIND_LABELS]
    return tuple(menu + finds)


def meaning(ctx: Context, text: str) -> Meaning:
    areas = [a.strip() for a in str(ctx.config.get("AREAS", "")).split(",") if a.strip()]
    return understand(text, tuple(areas), buttons_for(ctx))


def on_text(ctx: Context, inp: Input) -> Input | Reply:
    """Typed at the top level: the postback it stands for, or the answer."""
    found = meaning(ctx, inp.text)
    if found.kind == "button":
        return Input(kind="postback", action=found.action, args=dict(found.args))
    if found.kind == "search":
        return find_activities.show_results(
            ctx, find_activities.typed_filters(ctx, found.filters))
    _ = ctx._
    lead = {
        "greeting": _("Hello! I can help you find activities near you. What would you like "
                      "to do?"),
        "thanks": _("You are welcome! What would you like to do next?"),
        "yes": _("There is no question waiting for an answer just now. What would you like "
                 "to do?"),
        "no": _("There is no question waiting for an answer just now. What would you like "
                "to do?"),
    }.get(found.kind) or _("Sorry, I could not understand that. Perhaps one of these?")
    choices = [Choice.go(_(NEXT_LABELS[a]), a) for a in lexicon.NEXT_STEPS]
    return Reply([ctx.out.text(lead, choices)])


__all__ = ["Meaning", "meaning", "on_text", "understand", "yes_or_no"]
