"""The one router. Order: global interrupts, the active dialog, entry triggers, a default.

Global interrupts are the words and buttons that work anywhere (menu, help, cancel,
language, simple mode, settings). Then the dialog the person is in gets the input. Then
entry triggers: postback actions and text patterns (such as "参加 123") that start something.
Typed text: at a yes/no question, a yes or no word (はい, ok, vâng, हो ...) answers it as
its button would; at the top level, `understand` reads it (a button's label, a keyword, a
wish) before the default answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from bot.kernel.engine import Context, Dialog, Input, Prompt, Reply, Step
from bot.kernel.i18n import N_, SUPPORTED_LOCALES, gettext

# Translators: words a person may type to reach a feature, separated by "|". Keep the
# English words and add your language's own (several spellings are welcome).
INTERRUPT_WORDS: dict[str, str] = {
    "menu": N_("menu|main menu|start"),
    "help": N_("help|how to use"),
    "cancel": N_("cancel|stop|quit"),
    "language": N_("language|languages"),
    "simple": N_("simple mode|easy mode|simple"),
    "settings": N_("settings"),
}

_TRAILING = "!！?？。．.、,，~〜ー…　 "


def normalise(text: str) -> str:
    """NFKC, case-folded, spaces squeezed, trailing punctuation dropped: 'ﾒﾆｭｰ！' -> 'メニュー'."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    return text.rstrip(_TRAILING.replace("ー", "")).strip()


@dataclass
class Pattern:
    regex: re.Pattern[str]
    handler: Callable[[Context, Input, re.Match[str]], Reply]


@dataclass
class Router:
    interrupts: dict[str, Step] = field(default_factory=dict)  # name -> handler
    actions: dict[str, Step] = field(default_factory=dict)  # postback action -> handler
    steps: dict[str, Step] = field(default_factory=dict)  # waiting step -> handler
    prompts: dict[str, Prompt] = field(default_factory=dict)  # waiting step -> re-asker
    location: Step | None = None  # a shared location outside any dialog
    patterns: list[Pattern] = field(default_factory=list)
    default: Step | None = None
    invalid: Step | None = None  # for buttons that are no longer valid
    expired: Step | None = None  # for answers to a dialog that timed out
    gate: Callable[[Context, Input], Reply | None] | None = None  # e.g. consent first
    # typed text at the top level: the button it stands for (dispatched as tapped) or a reply
    understand: Callable[[Context, Input], Input | Reply | None] | None = None
    yes_no: Callable[[str], str | None] | None = None  # typed text -> "yes", "no" or None
    # the steps a typed "yes" or "no" answers: those that declare it (answers_yes_no)
    confirmations: set[str] = field(default_factory=set)
    ungated: set[str] = field(default_factory=set)
    _words: dict[str, str] | None = None

    def include(self, dialog: Dialog) -> None:
        for action, step in dialog.entries.items():
            if action in self.actions:
                raise ValueError(f"postback action {action!r} is registered twice")
            self.actions[action] = step
        for name, step in dialog.steps.items():
            if name in self.steps:
                raise ValueError(f"step {name!r} is registered twice")
            self.steps[name] = step
        self.prompts.update(dialog.prompts)
        self.confirmations |= dialog.confirmations

    def interrupt(self, name: str, handler: Step, *, before_gate: bool = False) -> None:
        """A word or button that works anywhere; `before_gate` ones work before consent too."""
        self.interrupts[name] = handler
        if before_gate:
            self.ungated.add(name)

    def pattern(self, regex: str | re.Pattern[str],
                handler: Callable[[Context, Input, re.Match[str]], Reply]) -> None:
        compiled = re.compile(regex) if isinstance(regex, str) else regex
        self.patterns.append(Pattern(compiled, handler))

    # -- matching ---------------------------------------------------------------------------

    def words(self) -> dict[str, str]:
        """Every locale's interrupt words, normalised -> interrupt name (built once)."""
        if self._words is None:
            table: dict[str, str] = {}
            for name, msgid in INTERRUPT_WORDS.items():
                for locale in SUPPORTED_LOCALES:
                    for word in _split(gettext(locale, msgid)):
                        table.setdefault(word, name)
                for word in _split(msgid):
                    table.setdefault(word, name)
            self._words = table
        return self._words

    def interrupt_for(self, inp: Input) -> str | None:
        if inp.kind == "text":
            name = self.words().get(normalise(inp.text))
            return name if name in self.interrupts else None
        if inp.kind == "postback" and inp.action in self.interrupts:
            return inp.action
        return None

    def starts_something(self, text: str) -> bool:
        """Whether typed `text` is an entry trigger (such as "参加 123")."""
        text = unicodedata.normalize("NFKC", text).strip()
        return any(pattern.regex.fullmatch(text) for pattern in self.patterns)

    # -- dispatch ---------------------------------------------------------------------------

    def dispatch(self, ctx: Context, inp: Input) -> Reply:
        if inp.invalid:
            return self._call(self.invalid, ctx, inp)
        name = self.interrupt_for(inp)
        if self.gate is not None and name not in self.ungated:
            # A typed interrupt word is gated as the button it stands for: a gate that lets
            # typed answers through to a dialog must not let "menu" or "settings" through.
            shown = inp if name is None else replace(inp, kind="postback", action=name)
            gated = self.gate(ctx, shown)
            if gated is not None:
                return gated
        if name is not None:
            return self.interrupts[name](ctx, inp)
        if inp.action == "ans":
            return self._answer(ctx, inp)
        if inp.action == "resume":
            return self.reprompt(ctx, inp)
        if inp.kind == "postback":
            handler = self.actions.get(inp.action)
            return self._call(handler or self.invalid, ctx, inp)
        step = ctx.state.step
        if step is not None and step in self.steps:
            answer = (self.yes_no(inp.text) if inp.kind == "text" and self.yes_no is not None
                      and step in self.confirmations else None)
            if answer is not None:  # typed as the button's answer
                inp = replace(inp, kind="postback", action="ans", args={"s": step, "v": answer})
            return self.steps[step](ctx, inp)
        if inp.kind == "text":
            text = unicodedata.normalize("NFKC", inp.text).strip()
            for pattern in self.patterns:
                match = pattern.regex.fullmatch(text)
                if match:
                    return pattern.handler(ctx, inp, match)
            if self.understand is not None and text:
                understood = self.understand(ctx, inp)
                if isinstance(understood, Input):
                    return self.dispatch(ctx, understood)  # as if the button were tapped
                if understood is not None:
                    return understood
        if inp.kind == "location" and self.location is not None:
            return self.location(ctx, inp)
        return self._call(self.default, ctx, inp)

    def reprompt(self, ctx: Context, inp: Input) -> Reply:
        """Ask the active step's question again, or fall back to the default."""
        prompt = self.prompts.get(ctx.state.step or "")
        if prompt is None:
            return self._call(self.expired if ctx.state.step is None else self.default, ctx, inp)
        return prompt(ctx)

    def _answer(self, ctx: Context, inp: Input) -> Reply:
        target = inp.args.get("s", "")
        if ctx.state.step is None:
            return self._call(self.expired, ctx, inp)
        if target != ctx.state.step or target not in self.steps:
            return self._call(self.invalid, ctx, inp)
        return self.steps[target](ctx, inp)

    @staticmethod
    def _call(handler: Step | None, ctx: Context, inp: Input) -> Reply:
        if handler is None:
            return Reply([])
        return handler(ctx, inp)


def _split(words: str) -> Iterable[str]:
    return (normalise(w) for w in words.split("|") if w.strip())
