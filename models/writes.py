"""What a session has written in its transaction so far.

A turn that wrote records its outcome (models/turns.py), and rights read with the user hold
only while neither roles nor memberships were written (models/users.py `held_by`).
`track_writes` is installed on the app's sessionmaker (bot/db.py).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_WRITTEN = "machibot.written"  # session.info: the names of the tables written


def track_writes(maker: sessionmaker) -> None:
    """Make the sessions of `maker` note the tables they write: in any flush with changes,
    and by any INSERT, UPDATE or DELETE statement they execute."""

    @event.listens_for(maker, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        # still the state before the flush: what was just written
        _note(session, _pending(session) or {""})

    @event.listens_for(maker, "do_orm_execute")
    def _executed(state: Any) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            _note(state.session, {getattr(table, "name", "")})

    @event.listens_for(maker, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(_WRITTEN, None)


def has_written(session: Session) -> bool:
    """Whether the transaction changed something, or holds changes not flushed yet (without
    flushing them). Sessions not made by a tracked maker only report unflushed changes."""
    return bool(tables_written(session))


def wrote_to_database(session: Session) -> bool:
    """Whether the transaction has sent a write to the database (a flush or a statement),
    as opposed to holding changes not flushed yet."""
    return bool(session.info.get(_WRITTEN))


def tables_written(session: Session) -> set[str]:
    """The tables the transaction wrote, or holds unflushed changes for ("" for a write
    whose table is not known)."""
    return session.info.get(_WRITTEN, set()) | _pending(session)


def _pending(session: Session) -> set[str]:
    return {getattr(obj, "__tablename__", "")
            for obj in chain(session.new, session.dirty, session.deleted)}


def _note(session: Session, tables: set[str]) -> None:
    session.info.setdefault(_WRITTEN, set()).update(tables)
