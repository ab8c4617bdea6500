"""A turn reads the person's row and roles from SQL: every change to them, wherever it is
made (their own turn, the command line, a bulk statement, another person's session), shows
in their next turn, and no copy of them is kept anywhere else."""

from __future__ import annotations

from sqlalchemy import delete, update

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.users import User, UserRole, get_by_line_id, grant_role
from tests.collab_helpers import join, make_staff
from tests.sql_count import statements_of


def _(msgid: str, **params: str) -> str:
    return gettext("ja", msgid, **params)


def test_a_menu_tap_reads_the_person_in_one_statement(resident):
    """The budget of a plain tap: the person with their roles, in one SELECT (a second
    statement here is a lazy load or an N+1)."""
    resident.says(_("menu").split("|")[0])
    statements = statements_of(resident.app, lambda: resident.says(_("menu").split("|")[0]))
    assert len(statements) == 1, "\n".join(statements)
    assert statements[0].lstrip().upper().startswith("SELECT")
    assert _("What would you like to do?") in resident.last_text()


def test_a_change_of_language_in_a_turn_shows_in_the_next(resident):
    resident.says("settings")
    resident.taps(_("Language"))
    resident.taps("English")
    assert resident.user_row().locale == "en"
    resident.says("menu")
    assert "What would you like to do?" in resident.last_text()


def test_a_role_granted_outside_a_turn_shows_in_the_next_turn(resident):
    assert _("Announcements") not in resident.menu_labels()
    make_staff(resident.app, resident)
    assert _("Announcements") in resident.menu_labels()


def test_staff_rights_taken_away_by_a_bulk_statement_are_gone_in_the_next_turn(resident):
    make_staff(resident.app, resident)
    assert _("Announcements") in resident.menu_labels()
    with session_scope(resident.app) as session:
        session.execute(delete(UserRole).where(UserRole.role == "staff"))
    assert _("Announcements") not in resident.menu_labels()


def test_a_bulk_update_of_users_shows_in_the_next_turn(resident):
    resident.says(_("menu").split("|")[0])
    with session_scope(resident.app) as session:
        session.execute(update(User).values(mode="simple"))
    resident.says(_("menu").split("|")[0])
    assert resident.last[-1]["contents"]["body"]["contents"][0]["size"] == "xl"


def test_a_change_from_another_session_shows_in_the_residents_own_turn(app, make_user):
    resident = join(make_user, "山田花子")
    resident.says(_("menu").split("|")[0])
    supporter = join(make_user, "支援者")
    staff = make_staff(app, join(make_user, "区職員"))
    with session_scope(app) as session:  # what staff's grant does, made here directly
        grant_role(session, get_by_line_id(session, supporter.user_id), "supporter",
                   actor=get_by_line_id(session, staff.user_id))
    with session_scope(app) as session:  # as a paired supporter's turn would, for the resident
        get_by_line_id(session, resident.user_id).mode = "simple"
    resident.says(_("menu").split("|")[0])
    assert resident.user_row().mode == "simple"
    assert resident.last[-1]["contents"]["body"]["contents"][0]["size"] == "xl"


def test_deleting_ones_data_leaves_no_copy_of_the_person_in_redis(resident, redis_client):
    resident.opens(_("Settings"))
    resident.taps(_("Delete my data"))
    resident.taps(_("Delete"))
    assert resident.user_row() is None
    for name in redis_client.scan_iter("machibot:*"):
        if name.startswith("machibot:sim:") or redis_client.type(name) != "string":
            continue  # the simulator is LINE's side; streams hold events until handled
        assert "山田花子" not in (redis_client.get(name) or ""), name


def test_deleting_ones_data_leaves_no_record_of_the_person_in_the_turn_outcomes(app,
                                                                               resident):
    from sqlalchemy import select

    from bot.db import session_scope
    from models.turns import HandledTurn

    resident.opens(_("Settings"))
    resident.taps(_("Delete my data"))
    resident.taps(_("Delete"))
    with session_scope(app) as session:
        kept = session.scalars(select(HandledTurn.line_user_id)).all()
    assert resident.user_id not in kept
