"""Whether a session has written anything in its transaction so far.

A turn that wrote records its outcome (models/turns.py), and rights read with the user hold
only while nothing was written (models/users.py `held_by`). `track_writes` is installed on
the app's sessionmaker (bot/db.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_WROTE = "machibot.wrote"


def track_writes(maker: sessionmaker) -> None:
    """Make the sessions of `maker` note when they write: any flush with changes, and any
    INSERT, UPDATE or DELETE statement they execute."""

    @event.listens_for(maker, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        session.info[_WROTE] = True

    @event.listens_for(maker, "do_orm_execute")
    def _executed(state: Any) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[_WROTE] = True

    @event.listens_for(maker, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(_WROTE, None)


def has_written(session: Session) -> bool:
    """Whether the transaction changed something, or holds changes not flushed yet (without
    flushing them). Sessions not made by a tracked maker only report unflushed changes."""
    return bool(session.info.get(_WROTE) or session.new or session.deleted or session.dirty)
