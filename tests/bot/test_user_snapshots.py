"""The user snapshot in Redis: a known person's tap reads no SQL, and every change to them,
wherever it is made, shows in their next turn."""

from __future__ import annotations

from sqlalchemy import update

from bot import user_snapshots
from bot.db import session_scope
from bot.kernel.i18n import gettext
from handlers.events import Turn, acknowledge
from models.users import User, get_by_line_id, grant_role
from tests.collab_helpers import join, make_staff
from tests.sql_count import statements_of


def _(msgid: str, **params: str) -> str:
    return gettext("ja", msgid, **params)


def _snapshot(redis_client, person) -> str | None:  # type: ignore[no-untyped-def]
    return redis_client.get(user_snapshots.snapshot_key(person.user_id))


def test_a_known_persons_menu_tap_reads_no_sql(resident):
    assert statements_of(resident.app, lambda: resident.says(_("menu"))) == []
    assert _("What would you like to do?") in resident.last_text()


def test_the_first_turn_after_a_restart_of_redis_reads_the_row_and_leaves_a_snapshot(
        resident, redis_client):
    redis_client.delete(user_snapshots.snapshot_key(resident.user_id))
    assert len(statements_of(resident.app, lambda: resident.says(_("menu")))) == 1
    assert _snapshot(redis_client, resident) is not None
    assert statements_of(resident.app, lambda: resident.says(_("menu"))) == []


def test_a_change_of_language_in_a_turn_shows_in_the_next(resident):
    resident.says(_("settings"))
    resident.taps(_("Language"))
    resident.taps("English")
    assert resident.user_row().locale == "en"  # the row read from a snapshot was saved
    resident.says("menu")
    assert "What would you like to do?" in resident.last_text()


def test_a_role_granted_outside_a_turn_shows_in_the_next_turn(resident):
    resident.says(_("menu"))  # the snapshot holds the person without the role
    assert _("Announcements") not in resident.choices()
    make_staff(resident.app, resident)
    resident.says(_("menu"))
    assert _("Announcements") in resident.choices()


def test_a_bulk_update_of_users_outdates_every_snapshot(resident):
    resident.says(_("menu"))
    with session_scope(resident.app) as session:
        session.execute(update(User).values(mode="simple"))
    resident.says(_("menu"))
    assert resident.last[-1]["contents"]["body"]["contents"][0]["size"] == "xl"


def test_a_supporters_change_for_a_resident_shows_in_the_residents_own_turn(
        app, make_user, redis_client):
    resident = join(make_user, "山田花子")
    resident.says(_("menu"))
    assert _snapshot(redis_client, resident) is not None
    supporter = join(make_user, "支援者")
    staff = make_staff(app, join(make_user, "区職員"))
    with session_scope(app) as session:  # what staff's grant does, made here directly
        grant_role(session, get_by_line_id(session, supporter.user_id), "supporter",
                   actor=get_by_line_id(session, staff.user_id))
    with session_scope(app) as session:  # as a paired supporter's turn would, for the resident
        get_by_line_id(session, resident.user_id).mode = "simple"
    assert _snapshot(redis_client, resident) is None
    resident.says(_("menu"))
    assert resident.user_row().mode == "simple"
    assert resident.last[-1]["contents"]["body"]["contents"][0]["size"] == "xl"


def test_deleting_ones_data_deletes_the_snapshot(resident, redis_client):
    resident.says(_("menu"))
    assert "山田花子" in (_snapshot(redis_client, resident) or "")
    resident.taps(_("Settings"))
    resident.taps(_("Delete my data"))
    resident.taps(_("Delete"))
    assert _snapshot(redis_client, resident) is None
    assert not redis_client.keys(f"*{resident.user_id}*usnap*")


def test_a_turn_does_not_leave_a_snapshot_when_the_row_changed_while_it_ran(
        app, resident, redis_client):
    """A turn that read the row before someone else's change must not store what it read."""
    key = user_snapshots.snapshot_key(resident.user_id)
    redis_client.delete(key)
    everyone, person, _raw = redis_client.mget(user_snapshots.read_keys(resident.user_id))
    stamp = user_snapshots.stamp_of(everyone, person)
    with session_scope(app) as session:  # the turn reads the row ...
        old = user_snapshots.dump(get_by_line_id(session, resident.user_id))
    with session_scope(app) as session:  # ... someone changes it ...
        get_by_line_id(session, resident.user_id).locale = "en"
    turn = Turn({"type": "message", "source": {"type": "user", "userId": resident.user_id}},
                "e1", 0)
    acknowledge(app, redis_client, turn, user=user_snapshots.TurnWrite(old, stamp))
    assert redis_client.get(key) is None  # ... and the turn's end stores nothing
    resident.says("menu")
    assert "What would you like to do?" in resident.last_text()
