"""A segment: a group of people a staff announcement can be sent to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Segment:
    label: str  # msgid
    # (session, values) -> a SELECT of user ids
    users: Callable[[Session, list[str]], Any]
    # (session) -> [(value, label shown as written or a msgid)], or None for no values
    values: Callable[[Session], list[tuple[str, str]]] | None = None
    translate_values: bool = False  # the value labels are msgids
    # (session, typed text) -> (value, label), or None when nothing matches: for values
    # staff type rather than tap (a slot code); None when values are only tapped
    typed: Callable[[Session, str], tuple[str, str] | None] | None = None
    prompt: str | None = None  # msgid of the question that asks for the values
