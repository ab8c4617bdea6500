"""Kinds of help (models.initiatives.HELP_KINDS): how a list of them reads, and the question
answered by tapping kinds to add or remove them (the help a presenter wants, what an
interested person can bring)."""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.composer import Choice, Composer
from bot.kernel.engine import Context, Input, Reply
from bot.kernel.i18n import format_names
from models.initiatives import HELP_KINDS


def help_labels(out: Composer, codes: list[str]) -> str:
    return format_names((out._(HELP_KINDS[c]) for c in codes if c in HELP_KINDS), out.locale)


def ask_kinds(ctx: Context, step: str, key: str, question: str, data: dict,
              lead: str | None = None) -> Reply:
    chosen = data.get(key, [])
    text = question
    if chosen:
        text += "\n" + ctx._("Chosen: {kinds}", kinds=help_labels(ctx.out, chosen))
    choices = [Choice.answer(step, ctx._("Done"), "__done")]
    for code, label in HELP_KINDS.items():
        mark = "✓ " if code in chosen else ""
        choices.append(Choice.answer(step, f"{mark}{ctx._(label)}", code))
    return Reply([ctx.out.choices(f"{lead}\n{text}" if lead else text, choices)], next=step,
                 data=data)


def take_kinds(ctx: Context, inp: Input, key: str, ask: Callable[..., Reply],
               then: Callable[[Context, dict], Reply]) -> Reply:
    """A tap adds or removes a kind; Done goes on once at least one is chosen."""
    data = dict(ctx.state.data)
    chosen = list(data.get(key, []))
    if inp.value == "__done":
        if not chosen:
            return ask(ctx, data, ctx._("Please choose at least one."))
        return then(ctx, data)
    if inp.value in HELP_KINDS:
        chosen = [c for c in chosen if c != inp.value] if inp.value in chosen \
            else [*chosen, inp.value]
    return ask(ctx, {**data, key: chosen})
