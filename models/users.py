"""Users, their roles, and the audit log; the domain operations on them."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    String,
    UniqueConstraint,
    bindparam,
    cast,
    column,
    func,
    inspect,
    literal_column,
    select,
    table,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    Mapped,
    Session,
    lazyload,
    make_transient_to_detached,
    mapped_column,
    object_session,
    relationship,
)
from sqlalchemy.orm.attributes import instance_dict

from models.base import Base, utcnow
from models.locales import N_
from models.writes import tables_written

MODES = ("standard", "simple")
# the roles granted by staff; organising comes from an organisation's membership (as the
# right ("organiser", organisation id), see rights_of)
ROLES = ("resident", "staff", "supporter")
# what acting for someone lends of their roles: only what any resident may do (issue 13)
LENT_WHEN_ACTING = frozenset({"resident"})
# the tables a person's rights are read from (`held_by`)
RIGHTS_TABLES = frozenset({"user_roles", "organisation_members", ""})
HELD_RIGHTS = "machibot.held_rights"  # a loaded user's state info: their rights as read
# the age band a person may tell us (asked once in onboarding, changed in settings; NULL:
# never asked, or skipped): for the ward's participation figures by age (models/kpi.py)
AGE_BANDS: dict[str, str] = {
    "10s": N_("Teens"),
    "20s": N_("20s"),
    "30s": N_("30s"),
    "40s": N_("40s"),
    "50s": N_("50s"),
    "60s": N_("60s"),
    "70s": N_("70s"),
    "80plus": N_("80 or older"),
    # Translators: an answer to "your age group?"
    "none": N_("Prefer not to say"),
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(16), default="ja")
    mode: Mapped[str] = mapped_column(String(16), default="standard")
    age_band: Mapped[str | None] = mapped_column(String(8))  # AGE_BANDS code
    # answers also spoken (models/speech.py); None: never asked, which is on in simple mode
    read_aloud: Mapped[bool | None]
    consented_at: Mapped[datetime | None]
    notification_prefs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    # when they unfollowed (None while they follow): models.departures counts from it
    left_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    # the organisations they organise (models/organisations.py): read with the roles, since
    # a membership is what lets a person organise
    memberships: Mapped[list[Any]] = relationship(
        "Membership", viewonly=True, lazy="selectin")

    def has_role(self, role: str, scope: str | None = None) -> bool:
        """A role staff granted (not organising: see `rights_of`)."""
        return any(r == role and (scope is None or s == scope) for r, s in held_by(self)
                   if r != "organiser")

    @property
    def is_staff(self) -> bool:
        return self.has_role("staff")

    def __repr__(self) -> str:  # never the LINE id in logs
        return f"<User {self.id}>"


@dataclass(frozen=True)
class Rights:
    """The roles one turn may use, and whose turn it is (`user_id`, the person acted for).

    Authorisation asks this, never a User's roles: a digital supporter's turn runs as the
    person they help, yet must not use that person's staff, organiser or supporter roles
    (see `rights_of`).
    """

    user_id: int
    roles: frozenset[tuple[str, str]]  # (role, scope)

    def has_role(self, role: str, scope: str | None = None) -> bool:
        return any(r == role and (scope is None or s == scope) for r, s in self.roles)

    @property
    def is_staff(self) -> bool:
        return self.has_role("staff")

    def scopes(self, role: str) -> list[str]:
        """The scopes this role is held in (organisation ids for organisers)."""
        return sorted(s for r, s in self.roles if r == role)


def rights_of(user: User, *, acting: User | None = None) -> Rights:
    """What `user` may do by role in a turn: all their roles, or, when a digital supporter
    (`acting`) acts for them, only a resident's and never more than the supporter holds.
    Acting for a staff member, an organiser or another supporter lends none of their roles."""
    held = held_by(user)
    if acting is not None:
        held &= held_by(acting)
        held = {(role, scope) for role, scope in held if role in LENT_WHEN_ACTING}
    return Rights(user.id, frozenset(held))


def held_by(user: User) -> set[tuple[str, str]]:
    """The (role, scope) pairs `user` holds, organising included.

    Read from what `get_by_line_id` read with the user (kept in the instance's state info,
    which a flush of the user leaves alone), while their session has written no role
    and no membership (or they were read in a session now closed): building the ORM
    collections `roles` and `memberships` in every turn cost a menu tap almost half of a
    worker's CPU (bench/webhook.py). Once a role or a membership was written (or is about
    to be), or a collection was read, from the collections, read afresh, so that a change
    counts at once in the same turn. A write to an unknown table ("") counts as one too."""
    state = inspect(user)
    read, session = state.info.get(HELD_RIGHTS), object_session(user)
    if (read is not None and {"roles", "memberships"} <= state.unloaded
            and (session is None or not RIGHTS_TABLES & tables_written(session))):
        return {tuple(held.split(" ", 1)) for held in read.split(",") if held}
    held = {(r.role, r.scope) for r in user.roles}
    return held | {("organiser", str(m.organisation_id)) for m in user.memberships}


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    # e.g. an organisation id for the organiser role; empty for ward-wide roles
    scope: Mapped[str] = mapped_column(String(64), default="")
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class AuditLog(Base):
    """Who did what to whom. Never message bodies; subject ids are internal user ids."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Every turn starts here: the user with their roles and memberships in one SELECT, the
# statement built once (building it per call costs more than running it on SQLite), on first
# use: the memberships' model is defined after this one.
@cache
def _by_line_id() -> Any:
    # the collections load only if a step needs them (see `held_by`)
    return select(User, _held_rights()).options(
        lazyload(User.roles), lazyload(User.memberships)).where(
        User.line_user_id == bindparam("line_user_id"))


def _held_rights() -> Any:
    """SQL for the rights read with a user: their roles and memberships, comma-separated
    ("role scope", a membership as "organiser <organisation id>"). The
    memberships table is named here, not imported: models/organisations.py builds on this
    module. The separator is SQL text, not a parameter: as a parameter, SQLAlchemy would
    render the statement again at every execution."""
    members = table("organisation_members", column("user_id"), column("organisation_id"))
    comma = literal_column("','")
    roles = select(func.aggregate_strings(UserRole.role + " " + UserRole.scope, comma)) \
        .where(UserRole.user_id == User.id).scalar_subquery()
    organising = select(func.aggregate_strings(
        "organiser " + cast(members.c.organisation_id, String), comma)) \
        .where(members.c.user_id == User.id).scalar_subquery()
    return func.coalesce(roles, "") + comma + func.coalesce(organising, "")


def get_by_line_id(session: Session, line_user_id: str) -> User | None:
    """The user with their rights (`held_by`), in one statement; None for no such user."""
    found = session.execute(_by_line_id(), {"line_user_id": line_user_id}).one_or_none()
    if found is None:
        return None
    user, held = found
    inspect(user).info[HELD_RIGHTS] = held
    return user


def read_at_turn_start(session: Session, line_user_id: str) -> User | None:
    """`get_by_line_id` for the first read of a turn, made before its session has begun:
    the row (with the rights) is read on a pooled connection of its own, and the session
    takes the user over as if it had loaded them (`make_transient_to_detached`, SQLAlchemy's
    way to adopt an object read elsewhere). Changes to the user are then flushed by the
    session as usual, only the attributes changed.

    Why: most turns (a menu tap) read nothing but the user. Through the ORM the read opened
    the session's transaction (begin, pool checkout, commit, return) and built the ORM's
    loaders for one row; that was about a third of a worker's CPU for a tap (bench/webhook,
    per-step CPU and py-spy). Read this way, such a turn's session never begins.

    Once the session has begun or holds objects, this is `get_by_line_id`: its transaction
    may hold writes a connection of its own would not see."""
    if session.in_transaction() or session.identity_map:
        return get_by_line_id(session, line_user_id)
    attributes, row = _user_row(session.get_bind(User), line_user_id)
    if row is None:
        return None
    user = User.__mapper__.class_manager.new_instance()
    instance_dict(user).update(zip(attributes, row[:-1], strict=True))
    make_transient_to_detached(user)
    session.add(user)
    inspect(user).info[HELD_RIGHTS] = row[-1]
    return user


def _user_row(engine: Engine, line_user_id: str) -> tuple[list[str], Sequence[Any] | None]:
    """The user's attribute names, and their row (the columns in that order, then the
    rights) or None: `_row_by_line_id` run on the DBAPI cursor of a pooled connection, its
    SQL compiled once for each dialect, the values converted by the dialect's own result
    processors, as SQLAlchemy's Core would.

    Why not Core's `Connection.execute`: for this one statement, the one every turn runs,
    its execution context and result object cost more than the query. Measured with
    `python bench/worker_threads.py` (worker CPU per menu-tap turn, median of 5 rounds of
    300; with `--database-url` for PostgreSQL), Core against this read (in autocommit on
    PostgreSQL, below): SQLite, one thread 0.778 -> 0.676 ms, 16 threads 0.997 -> 0.890 ms;
    PostgreSQL, one thread 1.035 -> 0.884 ms, 16 threads 1.271 -> 1.031 ms.

    An engine with statement listeners (SQL counters in tests and benchmarks, tracing) is
    read through Core, so that they see the statement. DBAPI errors are raised as
    SQLAlchemy's, without the parameters when the engine hides them."""
    attributes, statement = _row_by_line_id()
    events = engine.dispatch
    if events.before_cursor_execute or events.after_cursor_execute:
        with engine.connect() as connection:
            row = connection.execute(statement, {"line_user_id": line_user_id}).one_or_none()
        return attributes, row
    sql, params, at, processors = _compiled_for(engine.dialect)
    if at is None:
        params = dict(params, line_user_id=line_user_id)
    else:
        params = (*params[:at], line_user_id, *params[at + 1:])
    raw = engine.raw_connection()
    dbapi_connection = raw.dbapi_connection
    # one statement needs no transaction: where the driver would open one for it
    # (psycopg), the read runs in autocommit, which saves the BEGIN and the ROLLBACK the
    # pool sends when the connection is given back, two of the read's four round trips
    # (SQLAlchemy's own pre-ping does the same on psycopg: _psycopg_common.do_ping)
    switched = getattr(dbapi_connection, "autocommit", None) is False
    try:
        if switched:
            dbapi_connection.autocommit = True
        cursor = raw.cursor()
        try:
            cursor.execute(sql, params)
            found = cursor.fetchone()
        finally:
            cursor.close()
        if switched:
            dbapi_connection.autocommit = False
    except engine.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, params, exc, engine.dialect.loaded_dbapi.Error,
                                  hide_parameters=engine.hide_parameters,
                                  dialect=engine.dialect) from exc
    finally:
        if switched and dbapi_connection.autocommit:  # never back in the pool in autocommit
            raw.invalidate()
        raw.close()  # a connection that failed its reset (dropped) is replaced by the pool
    if found is None:
        return attributes, None
    return attributes, [value if process is None else process(value)
                        for process, value in zip(processors, found, strict=True)]


_COMPILED: weakref.WeakKeyDictionary[Dialect, tuple[str, Any, int | None, list[Any]]] = \
    weakref.WeakKeyDictionary()


def _compiled_for(dialect: Dialect) -> tuple[str, Any, int | None, list[Any]]:
    """`_row_by_line_id` for `dialect`: its SQL; its parameters (a tuple for a positional
    paramstyle, with the place of the LINE id; else a dict, and None); the result processor
    of each column (None where the DBAPI's value is the attribute's)."""
    found = _COMPILED.get(dialect)
    if found is None:
        statement = _row_by_line_id()[1]
        compiled = statement.compile(dialect=dialect)
        params = compiled.construct_params({"line_user_id": ""})
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in statement.selected_columns]
        if dialect.positional:
            order = compiled.positiontup or []
            found = (compiled.string, tuple(params[name] for name in order),
                     order.index("line_user_id"), processors)
        else:
            found = (compiled.string, params, None, processors)
        _COMPILED[dialect] = found
    return found


@cache
def _row_by_line_id() -> tuple[list[str], Any]:
    """`_by_line_id` as a Core statement: the user's columns, then their rights; with the
    user's attribute names in the order of the columns. Built on first use (the mappers are
    complete by then)."""
    attributes = [prop.key for prop in User.__mapper__.column_attrs]
    columns = [User.__mapper__.column_attrs[key].columns[0] for key in attributes]
    return attributes, select(*columns, _held_rights()).where(
        User.line_user_id == bindparam("line_user_id"))


def follow(
    session: Session, line_user_id: str, *, locale: str, display_name: str | None
) -> tuple[User, bool]:
    """Make the user active again, or create them. Returns (user, is_new)."""
    return welcome(session, get_by_line_id(session, line_user_id), line_user_id,
                   locale=locale, display_name=display_name)


def welcome(
    session: Session, user: User | None, line_user_id: str, *, locale: str,
    display_name: str | None,
) -> tuple[User, bool]:
    """`follow` for a turn that has read the user already (`user`; None when there is no
    such user): saves reading them twice. Returns (user, is_new)."""
    if user is None:
        user = User(line_user_id=line_user_id, locale=locale, display_name=display_name,
                    notification_prefs={})
        user.roles.append(UserRole(role="resident", scope=""))
        session.add(user)
        session.flush()
        return user, True
    user.active, user.left_at = True, None
    if display_name:
        user.display_name = display_name
    return user, False


def unfollow(session: Session, line_user_id: str, now: datetime | None = None) -> None:
    user = get_by_line_id(session, line_user_id)
    if user is not None:
        user.active = False
        user.left_at = user.left_at or now or datetime.now(UTC)


def record_consent(user: User, now: datetime | None = None) -> None:
    user.consented_at = now or datetime.now(UTC)


def grant_role(session: Session, user: User, role: str, *, scope: str = "",
               actor: User | None = None) -> bool:
    """Grant a role; False when the user already had it."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if user.has_role(role, scope):
        return False
    user.roles.append(UserRole(role=role, scope=scope))
    audit(session, "role.grant", actor=actor, subject=user, role=role, scope=scope)
    return True


class LastStaff(ValueError):
    """A person may not take away the last staff member's role (their own: any other's
    leaves them): the ward would have no one left to grant roles but the command line."""


def revoke_role(session: Session, user: User, role: str, *, scope: str = "",
                actor: User | None = None) -> bool:
    """Take a role away; False when the user did not have it. Everyone stays a resident.
    LastStaff when `actor` (a person, not the command line) would leave no staff member."""
    if role not in ROLES or role == "resident":
        raise ValueError(f"cannot revoke {role!r}; roles that can be are "
                         f"{', '.join(r for r in ROLES if r != 'resident')}")
    held = [r for r in user.roles if r.role == role and r.scope == scope]
    if not held:
        return False
    if role == "staff" and actor is not None and staff_count(session, besides=user) == 0:
        raise LastStaff("last staff")
    for found in held:
        user.roles.remove(found)
    audit(session, "role.revoke", actor=actor, subject=user, role=role, scope=scope)
    return True


def staff_count(session: Session, *, besides: User | None = None) -> int:
    """How many people hold the staff role and still follow the bot (`besides` one)."""
    query = (select(func.count(func.distinct(UserRole.user_id)))
             .join(User, User.id == UserRole.user_id)
             .where(UserRole.role == "staff", User.active.is_(True)))
    if besides is not None:
        query = query.where(User.id != besides.id)
    return session.scalar(query) or 0


def search_people(session: Session, name: str = "", *, offset: int = 0,
                  limit: int = 50) -> tuple[list[User], int]:
    """People whose display name contains `name`, in any case (everyone for ""), by name;
    (a page of them, how many in all)."""
    query = select(User)
    if name.strip():
        query = query.where(_name_contains(name))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.display_name, User.id)
                           .offset(max(0, offset)).limit(limit))
    return list(rows), total


def find_users(session: Session, *, role: str | None = None, name: str | None = None,
               limit: int = 100) -> list[User]:
    """People by role and by a part of their LINE display name (in any case, as the
    console's `search_people`), newest first."""
    query = select(User).order_by(User.id.desc()).limit(limit)
    if role:
        query = query.where(User.roles.any(UserRole.role == role))
    if name and name.strip():
        query = query.where(_name_contains(name))
    return list(session.scalars(query))


def _name_contains(name: str) -> Any:
    """Their display name contains `name`, in any case (LIKE alone is case-sensitive on
    PostgreSQL, not on SQLite)."""
    return func.lower(User.display_name).contains(name.strip().lower(), autoescape=True)


def audit(session: Session, action: str, *, actor: User | None = None,
          subject: User | None = None, **detail: Any) -> None:
    session.add(AuditLog(action=action, actor_id=actor.id if actor else None,
                         subject_id=subject.id if subject else None, detail=detail))
