"""Handled turns: what a turn that changed something decided, kept in its own transaction.

A worker can die (or lose Redis) after a turn's SQL is committed and before its stream entry
is acknowledged; the entry is then handled again. Re-running the turn would repeat what it
did (an announcement sent twice, a second idea) on the old dialog state. So a turn that
wrote anything records its outcome (replies, new dialog state, pushes, Redis writes) under
its event's key in the same transaction as its writes: when the event comes again, the
outcome is delivered again (replies and pushes are sent so that LINE shows them once) and
the turn is not run again. A turn that wrote nothing is safe to run again, and records
nothing.

The outcome holds what the bot said to the person, so it is kept only a day (`purge`) and
goes with "delete my data" (`erase`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.users import User
from models.writes import has_written

KEEP = timedelta(days=1)


class HandledTurn(Base):
    __tablename__ = "handled_turns"

    event_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)
    outcome: Mapped[str] = mapped_column(Text)


def wrote(session: Session) -> bool:
    """Whether this session's transaction changed anything so far (models/writes.py)."""
    session.flush()
    return has_written(session)


def record(session: Session, event_key: str, line_user_id: str, outcome: dict[str, Any]) -> None:
    """Keep the outcome of a turn in the turn's own transaction (flushed at its commit: a
    second handling of the same event fails there on the key, and is told apart)."""
    session.add(HandledTurn(event_key=event_key, line_user_id=line_user_id,
                            outcome=json.dumps(outcome, ensure_ascii=False)))


def outcome_of(session: Session, event_key: str) -> dict[str, Any] | None:
    """The recorded outcome of the event's turn, or None when it changed nothing (or was
    never handled)."""
    raw = session.scalar(select(HandledTurn.outcome).where(HandledTurn.event_key == event_key))
    return json.loads(raw) if raw is not None else None


def purge(session: Session, *, now: datetime) -> int:
    """Forget outcomes older than KEEP: by then their events are long acknowledged."""
    result = session.execute(delete(HandledTurn).where(HandledTurn.handled_at < now - KEEP))
    return result.rowcount or 0


def erase(session: Session, user: User) -> None:
    session.execute(delete(HandledTurn).where(HandledTurn.line_user_id == user.line_user_id))
