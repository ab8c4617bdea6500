"""The dialog engine: inputs, steps, dialogs, and the state they keep between turns.

A step is a small function `(ctx, inp) -> Reply`. It reads the input, may call domain
functions in models/, and returns the messages to send, the step that waits for the next
input (or None when the dialog is over) and the dialog's data. Steps never call LINE and
never touch Redis: the worker loads state before the turn and saves it once after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from bot.kernel.composer import Composer
from bot.kernel.i18n import gettext
from bot.kernel.postback import PostbackCodec
from models.users import Rights, User, rights_of

STATE_VERSION = 1


@dataclass
class Input:
    """What the person did, whatever LINE event carried it."""

    kind: str  # text, postback, location, follow, media, sticker
    text: str = ""
    action: str = ""
    args: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # date picker results
    latitude: float | None = None
    longitude: float | None = None
    title: str | None = None
    address: str | None = None
    invalid: bool = False  # postback data we did not write, or an old version

    @property
    def value(self) -> str | None:
        return self.args.get("v") if self.action == "ans" else None

    def answers(self, step: str) -> bool:
        return self.action == "ans" and self.args.get("s") == step


@dataclass
class Reply:
    messages: list[dict]
    next: str | None = None  # the step that waits for the next input; None ends the dialog
    data: dict[str, Any] | None = None  # the dialog's data from now on (None: keep it)
    keep: bool = False  # leave the active dialog as it was (help, for instance)


@dataclass
class DialogState:
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    loaded: str | None = None  # the JSON as read, to skip writing an unchanged state

    @classmethod
    def load(cls, raw: str | None) -> DialogState:
        if not raw:
            return cls()
        try:
            doc = json.loads(raw)
        except ValueError:
            return cls()
        if not isinstance(doc, dict) or doc.get("v") != STATE_VERSION:
            return cls()
        return cls(doc.get("step"), doc.get("data") or {}, raw)

    def dump(self) -> str | None:
        if not self.step:
            return None
        return json.dumps({"v": STATE_VERSION, "step": self.step, "data": self.data},
                          ensure_ascii=False, separators=(",", ":"))

    def apply(self, reply: Reply) -> None:
        if reply.keep:
            return
        if reply.next is None:
            self.step, self.data = None, {}
            return
        self.step = reply.next
        if reply.data is not None:
            self.data = reply.data


@dataclass
class Effects:
    """What the worker does for a step after the turn (steps never call LINE or Redis).

    `fetched` holds the extra Redis keys read in the turn's first pipeline (a supporter's
    pairing, a typed 6-digit code); `pushes`, `redis_set` and `redis_delete` are carried
    out after the replies are sent, the Redis writes in the turn's last pipeline; `forget`
    after that.
    """

    fetched: dict[str, str | None] = field(default_factory=dict)
    pushes: list[tuple[str, list[dict]]] = field(default_factory=list)  # (LINE id, messages)
    redis_set: list[tuple[str, str, int]] = field(default_factory=list)  # key, value, seconds
    redis_delete: list[str] = field(default_factory=list)
    # LINE ids of people who deleted their data this turn: after the turn the worker removes
    # what Redis holds about them too (their keys, their entries still waiting in the stream)
    forget: list[str] = field(default_factory=list)


@dataclass
class Context:
    """Everything a step may use during one turn."""

    app: Flask
    session: Session
    user: User
    state: DialogState
    now: datetime
    codec: PostbackCodec
    on_loading: Callable[[], None] | None = None
    # what a person sent in an image message, by message id and size bound: the worker's
    # LINE client (bot.line.LineClient.content), so steps never hold a client themselves
    fetch_content: Callable[[str, int], Any] | None = None
    out: Composer = field(init=False)
    # the person this turn acts for, when a digital supporter acts on their behalf: then
    # `user` is that person too, and `supporter` is the supporter whose turn it is; the
    # turn may use a resident's rights only (`rights`)
    acting_for: User | None = None
    supporter: User | None = None
    effects: Effects = field(default_factory=Effects)

    def __post_init__(self) -> None:
        self.out = Composer(self.user.locale, self.user.mode, self.codec)

    @property
    def locale(self) -> str:
        return self.user.locale

    @property
    def config(self) -> dict[str, Any]:
        return self.app.config  # type: ignore[return-value]

    def _(self, message: str, **params: Any) -> str:
        return gettext(self.user.locale, message, **params)

    @property
    def rights(self) -> Rights:
        """What this turn may do by role: every role check of a step goes through here (or
        `has_role`), never through `user`'s roles. A supporter acting for someone gets a
        resident's rights only (models.users.rights_of); read afresh, so a role granted or
        taken during the turn counts at once."""
        if self.acting_for is None:
            return rights_of(self.user)
        # without a supporter to compare with, the narrowest: the person's resident rights
        return rights_of(self.user, acting=self.supporter or self.user)

    def has_role(self, role: str, scope: str | None = None) -> bool:
        return self.rights.has_role(role, scope)

    @property
    def rights_withheld(self) -> bool:
        """Whether acting for someone withholds roles they hold (staff, organiser,
        supporter): a refusal then says so rather than blaming the button."""
        return self.acting_for is not None and self.rights != rights_of(self.user)

    def refresh_look(self) -> None:
        """Call after changing the user's locale or mode, so the replies follow at once."""
        self.out = Composer(self.user.locale, self.user.mode, self.codec)

    def show_loading(self) -> None:
        """Show LINE's loading animation: call it before work that may take over a second."""
        if self.on_loading is not None:
            self.on_loading()
            self.on_loading = None


Step = Callable[[Context, Input], Reply]
Prompt = Callable[[Context], Reply]
YES_NO = "answers_yes_no"  # the mark `answers_yes_no` leaves on a step


def answers_yes_no(step: Step) -> Step:
    """Declares that the step asks a yes/no question (its buttons answer "yes" and "no"):
    a typed yes or no (はい, いいえ, ok, vâng, हो ...) then answers it as its button does.
    Only the steps that say so: a step that takes free text gets it as typed."""
    setattr(step, YES_NO, True)
    return step


def with_data(ask: Callable[[Context, dict], Reply]) -> Prompt:
    """The prompt of a step asked as `ask(ctx, data)`: asked again with (a copy of) the
    dialog's data."""
    return lambda ctx: ask(ctx, dict(ctx.state.data))


@dataclass(frozen=True)
class Dialog:
    """One conversation, declared as a table a reader can take in at a glance.

    `entries` maps postback actions to the step functions that start the dialog;
    `steps` maps each waiting step's stable name ("settings.ask_language") to the
    function that handles the input given at that step; `prompts` maps it to the function
    that asks the question again (after help, or after an answer it could not take).
    """

    name: str
    entries: dict[str, Step] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    prompts: dict[str, Prompt] = field(default_factory=dict)

    @property
    def confirmations(self) -> set[str]:
        """The steps a typed yes or no answers (`answers_yes_no`)."""
        return {name for name, step in self.steps.items() if getattr(step, YES_NO, False)}

    def __post_init__(self) -> None:
        for step in [*self.steps, *self.prompts]:
            if not step.startswith(self.name + "."):
                raise ValueError(f"step {step!r} must start with {self.name!r}.")
