"""Each person's user row, with their roles, kept in Redis so that a turn need not read it.

Reading the user through the database is most of the work of a plain menu tap. A turn reads
the snapshot in its first Redis round trip (handlers/events.py) and attaches it to the
turn's session as if it had been loaded, so a step that changes the user writes an UPDATE
as usual; a turn that finds no valid snapshot reads the row and leaves one in its last
round trip.

Validity. Two counters stamp every snapshot: one per person, raised whenever their row or
roles change, and one for everyone, raised by bulk statements on those tables. A snapshot
counts only while its stamp equals the counters now; both are read in the same script as
the snapshot, and a turn writes a snapshot only if the counters have not moved since it
began. Changes are tracked in every session (`install`):
- in a person's own turn, their row may change only under their lock, so the turn simply
  writes the new snapshot; other people's rows changed in a turn (a supporter acting for a
  resident, staff granting a role) have their counters raised in the turn's last round trip;
- anywhere else (the command line, the scheduler, web requests, tests) counters are raised
  at each flush and again after the commit, so that no reader can stamp the old row with a
  counter it saw before the commit.
Snapshots live an hour, the per-person counters two hours past the last snapshot written
under them; a snapshot's key carries a digest of the two tables' columns, so a migration
never meets an old shape. Deleting a person's data deletes their snapshot.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import DateTime, event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from bot import keys
from bot.redis_store import get_redis
from models.users import User, UserRole

log = logging.getLogger(__name__)

SNAPSHOT_SECONDS = 3600
COUNTER_SECONDS = 2 * SNAPSHOT_SECONDS
EVERYONE = keys.key("ugen", "*")  # raised by bulk statements on users or user_roles
TABLES = (User.__tablename__, UserRole.__tablename__)
TURN = "machibot.user_changes"  # session.info: a turn's UserChanges
PENDING = "machibot.user_changes_pending"  # session.info: other sessions', until commit


def _columns(model: type) -> list[tuple[str, bool]]:
    """(attribute, is a datetime) for each column of the model."""
    return [(attr.key, isinstance(attr.columns[0].type, DateTime))
            for attr in inspect(model).column_attrs]


USER_COLUMNS = _columns(User)
ROLE_COLUMNS = _columns(UserRole)
SHAPE = hashlib.sha1(repr((USER_COLUMNS, ROLE_COLUMNS)).encode()).hexdigest()[:8]


def snapshot_key(line_user_id: str) -> str:
    return keys.key("usnap", SHAPE, line_user_id)


def counter_key(line_user_id: str) -> str:
    return keys.key("ugen", line_user_id)


def read_keys(line_user_id: str) -> list[str]:
    """The keys a turn reads in its first round trip: the counters, then the snapshot."""
    return [EVERYONE, counter_key(line_user_id), snapshot_key(line_user_id)]


def stamp_of(everyone: str | None, person: str | None) -> str:
    return f"{everyone or 0}:{person or 0}"


def valid(stamp: str, raw: str | None) -> str | None:
    """The snapshot's JSON when it was taken under `stamp`, else None."""
    if raw and raw.startswith(stamp + "|"):
        return raw[len(stamp) + 1:]
    return None


# -- the snapshot ---------------------------------------------------------------------------

def dump(user: User) -> str | None:
    """The user and their roles as JSON; None when some attribute is not loaded (then the
    next turn reads the row instead)."""
    state = inspect(user)
    if state.deleted or state.was_deleted or "roles" not in user.__dict__:
        return None
    row = _row(user, USER_COLUMNS)
    roles = [_row(role, ROLE_COLUMNS) for role in user.roles]
    if row is None or None in roles:
        return None
    return json.dumps({"u": row, "r": roles}, ensure_ascii=False, separators=(",", ":"))


def attach(session: Session, doc: str) -> User | None:
    """The user as a persistent, unchanged object of `session`, built from a snapshot
    without a query; None when the snapshot cannot be read."""
    try:
        data = json.loads(doc)
        user = _loaded(User, _values(data["u"], USER_COLUMNS))
        roles = [_loaded(UserRole, _values(r, ROLE_COLUMNS)) for r in data["r"]]
    except (ValueError, KeyError, TypeError):
        return None
    set_committed_value(user, "roles", roles)
    for role in roles:
        set_committed_value(role, "user", user)
    session.add(user)
    return user


def _loaded(model: type, values: dict[str, Any]) -> Any:
    """An instance as the ORM builds one from a row: no constructor and no change events
    (setting attributes one by one through them costs several times a query)."""
    obj = inspect(model).class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    return obj


def _row(obj: Any, columns: list[tuple[str, bool]]) -> dict[str, Any] | None:
    values = obj.__dict__
    if any(name not in values for name, _ in columns):
        return None
    return {name: values[name].isoformat() if is_time and values[name] is not None
            else values[name] for name, is_time in columns}


def _values(row: dict[str, Any], columns: list[tuple[str, bool]]) -> dict[str, Any]:
    return {name: datetime.fromisoformat(row[name]) if is_time and row[name] is not None
            else row[name] for name, is_time in columns}


# -- tracking changes -----------------------------------------------------------------------

@dataclass
class UserChanges:
    """The people whose row or roles a session changed (LINE ids), and whether a bulk
    statement touched the tables (then everyone's snapshot is out of date)."""

    people: set[str] = field(default_factory=set)
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.people) or self.everyone

    def merge(self, other: UserChanges) -> None:
        self.people |= other.people
        self.everyone |= other.everyone


def track_turn(session: Session) -> UserChanges:
    """Collect this turn session's changes for the turn's last round trip, instead of
    raising counters as other sessions do."""
    changes = UserChanges()
    session.info[TURN] = changes
    return changes


def install(app: Flask, maker: sessionmaker) -> None:
    """Track changes to users and roles in every session of `maker`."""

    def note(session: Session, found: UserChanges) -> None:
        if not found:
            return
        turn: UserChanges | None = session.info.get(TURN)
        if turn is not None:
            turn.merge(found)
            return
        session.info.setdefault(PENDING, UserChanges()).merge(found)
        _raise(app, found)  # now, before the commit, and again once it is done

    def after_commit(session: Session) -> None:
        pending = session.info.pop(PENDING, None)
        if pending:
            _raise(app, pending)

    event.listen(maker, "after_flush", lambda session, _context: note(session,
                                                                       _flushed(session)))
    event.listen(maker, "do_orm_execute", lambda state: note(state.session, _bulk(state)))
    event.listen(maker, "after_commit", after_commit)
    event.listen(maker, "after_soft_rollback",
                 lambda session, _transaction: session.info.pop(PENDING, None))


def _bulk(state: Any) -> UserChanges:
    """A bulk UPDATE or DELETE of users or roles: everyone's snapshot is out of date."""
    table = getattr(getattr(state.statement, "table", None), "name", None)
    return UserChanges(everyone=(state.is_update or state.is_delete) and table in TABLES)


def _flushed(session: Session) -> UserChanges:
    found = UserChanges()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            found.people.add(obj.line_user_id)
        elif isinstance(obj, UserRole):
            owner = obj.__dict__.get("user")
            if owner is not None:
                found.people.add(owner.line_user_id)
            else:  # a role whose user is not at hand: count it as everyone's change
                found.everyone = True
    return found


def raise_commands(changes: UserChanges) -> tuple[list[str], list[str]]:
    """(counter keys to raise, snapshot keys to delete) for `changes`."""
    counters = [counter_key(p) for p in sorted(changes.people)]
    if changes.everyone:
        counters.append(EVERYONE)
    return counters, [snapshot_key(p) for p in sorted(changes.people)]


@dataclass
class TurnWrite:
    """What a turn's last round trip writes for users: the person's snapshot, under the
    stamp read when the turn began, and the counters to raise and snapshots to delete for
    everyone else the turn changed."""

    snapshot: str | None = None
    stamp: str = ""
    counters: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)


def after_turn(changes: UserChanges, user: User | None, line_user_id: str, stamp: str, *,
               cached: bool) -> TurnWrite:
    """The writes for a committed turn of `line_user_id` (`user`: their object in the turn;
    `cached`: it came from a valid snapshot)."""
    others = UserChanges(set(changes.people), changes.everyone)
    write = TurnWrite(stamp=stamp)
    if user is not None and (not cached or line_user_id in changes.people):
        write.snapshot = dump(user)
    if write.snapshot is not None:
        others.people.discard(line_user_id)
    write.counters, write.deletes = raise_commands(others)
    return write


def _raise(app: Flask, changes: UserChanges) -> None:
    counters, snapshots = raise_commands(changes)
    try:
        pipe = get_redis(app).pipeline(transaction=False)
        for key in counters:
            pipe.incr(key)
            if key != EVERYONE:
                pipe.expire(key, COUNTER_SECONDS)
        if snapshots:
            pipe.delete(*snapshots)
        pipe.execute()
    except Exception as exc:  # the change is stored; a stale snapshot expires within the hour
        log.error("could not mark %d user snapshots out of date: %s", len(counters),
                  type(exc).__name__)
