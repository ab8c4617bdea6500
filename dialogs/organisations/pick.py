"""Questions answered by tapping one or several of a list (kinds, areas, categories), within
simple mode's four choices: there the list comes two at a time with "More" (pages wrap), the
way back to the menu always last."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.kernel.composer import Choice
from bot.kernel.engine import Context, Input, Reply

DONE, MORE = "__done", "__more"
SIMPLE_PAGE = 2


def page_arg(inp: Input) -> int:
    try:
        return max(0, int(inp.args.get("p", "0")))
    except ValueError:
        return 0


def choose(ctx: Context, step: str, question: str, options: Sequence[tuple[str, str]],
           data: dict, *, chosen: Sequence[str] | None = None, page: int = 0,
           extra: Sequence[Choice] = (), lead: str | None = None) -> Reply:
    """Ask `question` with `options` (value, label) as answers to `step`. With `chosen`
    (several may be picked) a tap adds or removes one and "Done" goes on; `extra` answers
    (Skip, Whole ward) come first."""
    marked = [(value, f"✓ {label}" if chosen is not None and value in chosen else label)
              for value, label in options]
    head = list(extra)
    if chosen is not None:
        head.insert(0, Choice.answer(step, ctx._("Done"), DONE))
    if ctx.out.simple:
        size = max(1, SIMPLE_PAGE - len(head))
        pages = max(1, -(-len(marked) // size))
        page %= pages
        shown = marked[page * size:(page + 1) * size]
        choices = [Choice.answer(step, label, value, p=page) for value, label in shown]
        if pages > 1:
            # Translators: shows the next few choices of a list
            choices.append(Choice.answer(step, ctx._("More"), MORE, p=page + 1))
        choices = (head + choices)[:3]
    else:
        choices = head + [Choice.answer(step, label, value) for value, label in marked]
    text = f"{lead}\n{question}" if lead else question
    return Reply([ctx.out.choices(text, choices)], next=step, data=data)


def toggle(ctx: Context, inp: Input, key: str, allowed: Sequence[str],
           ask: Callable[..., Reply], then: Callable[[Context, dict], Reply]) -> Reply:
    """A tap adds or removes a value of `key`; Done goes on (with none chosen too: these
    questions may be left open); More shows the next page."""
    data = dict(ctx.state.data)
    chosen = list(data.get(key, []))
    if inp.value == DONE:
        return then(ctx, data)
    if inp.value == MORE:
        return ask(ctx, data, page=page_arg(inp))
    if inp.value in allowed:
        chosen = [c for c in chosen if c != inp.value] if inp.value in chosen \
            else [*chosen, inp.value]
    return ask(ctx, {**data, key: chosen}, page=page_arg(inp))


def paged(ctx: Context, choices: Sequence[Choice], page: int, action: str,
          **args: object) -> list[Choice]:
    """Buttons that go on (postbacks): all of them, or in simple mode two a message and
    "More" (the postback `action` with `args` and the next page)."""
    if not ctx.out.simple:
        return list(choices)
    pages = max(1, -(-len(choices) // SIMPLE_PAGE))
    page %= pages
    shown = list(choices[page * SIMPLE_PAGE:(page + 1) * SIMPLE_PAGE])
    if pages > 1:
        shown.append(Choice.go(ctx._("More"), action, **args, p=page + 1))
    return shown
