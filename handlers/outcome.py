"""What a turn decided, as the worker carries it out: the replies, the dialog state, the
pushes, the Redis writes, a rich menu to link and people to forget.

A turn that wrote to the database keeps its outcome with its writes (models/turns.py), so a
re-handled event carries out the same outcome again instead of running its turn twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.kernel.engine import Effects


@dataclass
class Outcome:
    messages: list[dict] = field(default_factory=list)
    state: str = ""  # the dialog state's JSON; '' when the person is not in a dialog
    effects: Effects = field(default_factory=Effects)
    relink: tuple[str, str | None] | None = None  # (LINE id, rich menu id)

    def to_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "state": self.state,
                "pushes": self.effects.pushes, "set": self.effects.redis_set,
                "delete": self.effects.redis_delete, "forget": self.effects.forget,
                "relink": self.relink}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Outcome:
        effects = Effects(pushes=[(to, messages) for to, messages in doc["pushes"]],
                          redis_set=[(k, v, s) for k, v, s in doc["set"]],
                          redis_delete=list(doc["delete"]), forget=list(doc["forget"]))
        relink = tuple(doc["relink"]) if doc.get("relink") else None
        return cls(doc["messages"], doc["state"], effects, relink)  # type: ignore[arg-type]
