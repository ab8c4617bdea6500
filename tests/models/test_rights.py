"""What a turn may do by role (models.users.rights_of): a person's own roles, or, when a
digital supporter acts for them, a resident's only and never more than the supporter's."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.db import get_engine, make_engine, session_scope
from models import organisations as orgs
from models import users as users_module
from models.base import Base
from models.users import (
    User,
    UserRole,
    follow,
    get_by_line_id,
    grant_role,
    read_at_turn_start,
    revoke_role,
    rights_of,
)
from tests.sql_count import statements_of


def person(user_id: int, *roles: tuple[str, str]) -> User:
    return User(id=user_id, line_user_id=f"U{user_id:032x}",
                roles=[UserRole(role=role, scope=scope) for role, scope in roles])


RESIDENT = ("resident", "")
STAFF = ("staff", "")
SUPPORTER = ("supporter", "")
ORGANISER = ("organiser", "7")


def test_one_s_own_turn_has_all_one_s_roles():
    rights = rights_of(person(1, RESIDENT, STAFF, ORGANISER))
    assert rights.is_staff and rights.has_role("organiser", "7")
    assert rights.scopes("organiser") == ["7"] and rights.user_id == 1


def test_acting_for_staff_an_organiser_or_a_supporter_lends_only_a_resident_s_rights():
    helper = person(2, RESIDENT, SUPPORTER)
    for held in (STAFF, ORGANISER, SUPPORTER):
        rights = rights_of(person(1, RESIDENT, held), acting=helper)
        assert rights.roles == {RESIDENT}, held
        assert rights.user_id == 1  # still the person acted for: their own things are theirs


def test_acting_for_someone_never_gives_more_than_the_supporter_holds():
    staff_helper = person(2, RESIDENT, STAFF)  # a staff member helping stays a resident here
    assert rights_of(person(1, RESIDENT, STAFF), acting=staff_helper).roles == {RESIDENT}
    without = person(3, SUPPORTER)  # no resident role of their own: nothing at all
    assert rights_of(person(1, RESIDENT), acting=without).roles == frozenset()


def test_rights_read_with_the_user_need_no_other_statement(app):
    with session_scope(app) as session:
        owner = follow(session, "U" + "a1" * 16, locale="ja", display_name="代表")[0]
        grant_role(session, owner, "staff")
        orgs.register(session, owner, name="高円寺の会", kind="npo")
    with session_scope(app) as session:
        statements = statements_of(app, lambda: rights_of(
            get_by_line_id(session, "U" + "a1" * 16)))
        assert len(statements) == 1
        rights = rights_of(get_by_line_id(session, "U" + "a1" * 16))
        assert rights.is_staff and rights.has_role("organiser") and rights.has_role("resident")


def test_a_role_or_membership_gained_in_the_turn_counts_at_once(app):
    with session_scope(app) as session:
        owner = follow(session, "U" + "b2" * 16, locale="ja", display_name="代表")[0]
        org = orgs.register(session, owner, name="阿佐谷の会", kind="npo")
        code = orgs.invite(session, owner, org)
        follow(session, "U" + "c3" * 16, locale="ja", display_name="新しい人")
    with session_scope(app) as session:
        newcomer = get_by_line_id(session, "U" + "c3" * 16)
        assert rights_of(newcomer).roles == {("resident", "")}
        orgs.accept(session, newcomer, code)
        assert rights_of(newcomer).has_role("organiser", str(org.id))
    with session_scope(app) as session:
        newcomer = get_by_line_id(session, "U" + "c3" * 16)
        grant_role(session, newcomer, "supporter")
        assert rights_of(newcomer).has_role("supporter")
    with session_scope(app) as session:  # and a role taken away, in the same way
        newcomer = get_by_line_id(session, "U" + "c3" * 16)
        revoke_role(session, newcomer, "supporter")
        assert not rights_of(newcomer).has_role("supporter")
        assert rights_of(newcomer).has_role("organiser", str(org.id))


def test_a_turn_that_changes_other_things_keeps_reading_rights_without_a_statement(app):
    with session_scope(app) as session:
        follow(session, "U" + "d4" * 16, locale="ja", display_name="設定を変える人")
    with session_scope(app) as session:
        person = get_by_line_id(session, "U" + "d4" * 16)
        person.mode = "simple"  # a setting changed in the turn, then the menu is shown
        session.flush()
        assert statements_of(app, lambda: rights_of(person)) == []
        assert rights_of(person).roles == {("resident", "")}


def test_the_turn_s_first_read_is_the_user_as_stored_and_their_changes_are_saved(app):
    line_id = "U" + "e5" * 16
    with session_scope(app) as session:
        owner = follow(session, line_id, locale="vi", display_name="Lan")[0]
        grant_role(session, owner, "staff")
        orgs.register(session, owner, name="高円寺の会", kind="npo")
    with session_scope(app) as session:
        expected = get_by_line_id(session, line_id)
        wanted = {key: getattr(expected, key) for key in
                  ("id", "locale", "mode", "display_name", "consented_at",
                   "notification_prefs", "active", "created_at")}
        wanted_rights = rights_of(expected)
    with session_scope(app) as session:
        statements = statements_of(app, lambda: read_at_turn_start(session, line_id))
        assert len(statements) == 1
    with session_scope(app) as session:
        user = read_at_turn_start(session, line_id)
        assert {key: getattr(user, key) for key in wanted} == wanted
        assert statements_of(app, lambda: rights_of(user)) == []
        assert rights_of(user) == wanted_rights and user.is_staff
        assert not session.dirty and not session.new
        user.locale, user.mode = "en", "simple"
    with session_scope(app) as session:
        again = get_by_line_id(session, line_id)
        assert (again.locale, again.mode, again.display_name) == ("en", "simple", "Lan")
        assert again.is_staff  # the roles and memberships were left alone
    with session_scope(app) as session:
        assert read_at_turn_start(session, "U" + "f6" * 16) is None


def test_the_turn_s_first_read_sees_what_its_own_session_has_not_committed(app):
    line_id = "U" + "a7" * 16
    with session_scope(app) as session:
        created = follow(session, line_id, locale="ne", display_name="Sita")[0]
        session.flush()  # not committed: a connection of its own would not see them
        assert read_at_turn_start(session, line_id) is created
    with session_scope(app) as session:
        user = read_at_turn_start(session, line_id)
        grant_role(session, user, "supporter")
        assert rights_of(user).has_role("supporter")  # a right granted in the turn counts


def test_the_turn_s_first_read_gives_every_column_as_the_orm_reads_it(app, monkeypatch):
    line_id = "U" + "b8" * 16
    with session_scope(app) as session:
        user = follow(session, line_id, locale="ne", display_name="Maya")[0]
        user.age_band, user.read_aloud, user.mode = "70s", True, "simple"
        user.notification_prefs = {"reminders": False, "kinds": ["gathering", "idea_call"]}
        user.consented_at = user.left_at = datetime(2026, 11, 3, 9, 30)
        user.active = False
    columns = [prop.key for prop in User.__mapper__.column_attrs]
    with session_scope(app) as session:
        expected = get_by_line_id(session, line_id)
        wanted = {key: getattr(expected, key) for key in columns}
    engine = get_engine(app)
    cursors = []
    original = engine.raw_connection
    monkeypatch.setattr(engine, "raw_connection", lambda: cursors.append(1) or original())
    with session_scope(app) as session:
        user = read_at_turn_start(session, line_id)
        got = {key: getattr(user, key) for key in columns}
    assert cursors  # read on the DBAPI cursor, not through Core
    assert got == wanted
    assert {key: type(value) for key, value in got.items()} == \
        {key: type(value) for key, value in wanted.items()}


def test_an_error_of_the_database_in_the_first_read_is_sqlalchemy_s_without_the_line_id(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables
    try:
        with Session(engine) as session, pytest.raises(DBAPIError) as raised:
            read_at_turn_start(session, "U" + "c9" * 16)
        assert "c9c9" not in str(raised.value)
    finally:
        engine.dispose()


def test_a_connection_the_database_dropped_is_replaced_for_the_next_turn(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}", pool_size=1)
    try:
        Base.metadata.create_all(engine)
        line_id = "U" + "d0" * 16
        with Session(engine) as session, session.begin():
            session.add(User(line_user_id=line_id, notification_prefs={}))
        kept = engine.raw_connection()
        dbapi_connection = kept.dbapi_connection
        kept.close()
        dbapi_connection.close()  # the pool's one connection, gone under it
        with Session(engine) as session, pytest.raises(DBAPIError):
            read_at_turn_start(session, line_id)
        with Session(engine) as session:
            assert read_at_turn_start(session, line_id).line_user_id == line_id
    finally:
        engine.dispose()


def _in_transaction(dbapi_connection) -> bool:  # type: ignore[no-untyped-def]
    info = getattr(dbapi_connection, "info", None)  # psycopg; sqlite3 says it itself
    if hasattr(info, "transaction_status"):
        return info.transaction_status != 0  # psycopg.pq.TransactionStatus.IDLE
    return bool(dbapi_connection.in_transaction)


def test_the_turn_s_first_read_gives_its_connection_back_with_no_transaction_open(app):
    line_id = "U" + "e1" * 16
    with session_scope(app) as session:
        follow(session, line_id, locale="ja", display_name=None)
    engine = get_engine(app)
    given_back = []

    def reset(dbapi_connection, _record, _state):  # type: ignore[no-untyped-def]
        given_back.append((_in_transaction(dbapi_connection),
                           getattr(dbapi_connection, "autocommit", None)))

    event.listen(engine, "reset", reset)
    try:
        with session_scope(app) as session:
            assert read_at_turn_start(session, line_id) is not None
    finally:
        event.remove(engine, "reset", reset)
    # nothing to roll back (PostgreSQL: no BEGIN and no ROLLBACK), and never in autocommit
    assert given_back and all(not open_ and autocommit is not True
                              for open_, autocommit in given_back)


def test_a_failed_first_read_puts_no_connection_in_autocommit_back_in_the_pool(
        app, monkeypatch):
    engine = get_engine(app)
    with session_scope(app) as session:
        read_at_turn_start(session, "U" + "e2" * 16)  # compiled for this database
    sql, *rest = users_module._compiled_for(engine.dialect)
    monkeypatch.setattr(users_module, "_compiled_for",
                        lambda _dialect: (sql.replace("FROM users", "FROM no_such_users"), *rest))
    for _ in range(3):
        with session_scope(app) as session, pytest.raises(DBAPIError):
            read_at_turn_start(session, "U" + "e2" * 16)
    monkeypatch.undo()
    for _ in range(3):
        with engine.connect() as connection:
            assert getattr(connection.connection.dbapi_connection, "autocommit", None) \
                is not True
