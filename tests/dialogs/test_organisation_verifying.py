"""Ward staff verify organisations in the chat: a staff-only menu row lists those awaiting
the ward's check (name, kind, who registered it, description), each with a Verify button; a
tap verifies it (audit-logged), its members are told in their language, and a second tap or
an old button answers politely. Residents never see the row, and a crafted button is
refused on the server and audit-logged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models import organisations as orgs
from models.organisations import Organisation
from models.users import AuditLog, get_by_line_id
from simulator import events as ev
from tests.collab_helpers import deliver, ja, join, make_staff
from tests.dialogs.test_organisation_dialogs import make_organisation


def _audited(app: Any, action: str) -> list[AuditLog]:
    with session_scope(app) as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def _status(app: Any, organisation_id: int) -> str:
    with session_scope(app) as session:
        return session.get(Organisation, organisation_id).status


def _pending(app: Any, make_user: Any) -> tuple[Any, Any, int]:
    """An owner (ja) and an editor (en) of a pending organisation."""
    owner, editor = join(make_user, "高円寺太郎"), join(make_user, "Emma", "en")
    organisation = make_organisation(app, owner, status=orgs.PENDING)
    with session_scope(app) as session:
        orgs.add_member(session, session.get(Organisation, organisation),
                        get_by_line_id(session, editor.user_id))
    return owner, editor, organisation


def test_staff_list_the_pending_organisations_and_verify_one_with_a_tap(app, make_user):
    owner, editor, organisation = _pending(app, make_user)
    staff = make_staff(app, join(make_user, "区役所スタッフ"))
    staff.opens(ja("Verify organisations"))
    listed = staff.last_text()
    assert "高円寺まちづくりの会" in listed
    assert ja("Neighbourhood group") in listed
    assert ja("Registered by {name}", name="高円寺太郎") in listed
    assert "高円寺の町をきれいにします。" in listed
    staff.taps(ja("Verify"))
    assert _status(app, organisation) == orgs.VERIFIED
    assert ja("No organisation is awaiting the ward's check.") in staff.last_text()
    [row] = _audited(app, "organisation.verify")
    assert row.actor_id == staff.user_row().id and row.detail["organisation"] == organisation
    deliver(app)
    owner.new_messages()
    editor.new_messages()
    assert ja("“{name}” has been verified by the ward. What it posts is now shown to "
              "residents.", name="高円寺まちづくりの会") in owner.last_text()
    assert gettext("en", "“{name}” has been verified by the ward. What it posts is now "
                         "shown to residents.", name="高円寺まちづくりの会") \
        in editor.last_text()


def test_tapping_verify_again_answers_politely_and_tells_no_one_twice(app, make_user):
    owner, _editor, organisation = _pending(app, make_user)
    staff = make_staff(app, join(make_user, "区役所スタッフ"))
    staff.opens(ja("Verify organisations"))
    verify = staff.find_action(ja("Verify"))
    staff.taps(ja("Verify"))
    staff.send(ev.postback(staff.user_id, verify["data"], reply_token=staff.token()))
    assert ja("“{name}” is already verified. Nothing changed.",
              name="高円寺まちづくりの会") in staff.last_text()
    assert len(_audited(app, "organisation.verify")) == 1
    deliver(app)
    assert len(owner.new_messages()) == 1


def test_residents_do_not_see_the_row_and_a_crafted_button_is_refused(app, make_user):
    _owner, _editor, organisation = _pending(app, make_user)
    resident = join(make_user, "住民")
    resident.says("menu")
    assert ja("Verify organisations") not in resident.choices()
    codec = app.extensions["machibot.codec"]
    resident.send(ev.postback(resident.user_id, codec.encode("org_verify", i=organisation),
                              reply_token=resident.token()))
    assert ja("Sorry, only ward staff can verify organisations.") in resident.last_text()
    assert _status(app, organisation) == orgs.PENDING
    [refusal] = _audited(app, "organisation.verify.refused")
    assert refusal.actor_id == resident.user_row().id
    resident.send(ev.postback(resident.user_id, codec.encode("org_pending"),
                              reply_token=resident.token()))
    assert "高円寺まちづくりの会" not in resident.last_text()
