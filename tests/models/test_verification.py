"""Verifying an organisation announces what it posted while it was pending and tells its
members, each once, in their language, whichever way staff verified it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.organisations import PENDING, NotAllowed, Organisation, add_member, register
from models.outbox import Notification
from models.subscriptions import toggle_topic
from models.users import follow, get_by_line_id, grant_role
from models.verification import verify_and_announce
from tests.activity_factory import make_slot, organisation_id
from tests.collab_helpers import deliver


def test_verifying_announces_the_activities_posted_while_pending_once(app):
    make_slot(app, code="501", category="environment", organisation="杉並みどりの会")
    org_id = organisation_id(app, "杉並みどりの会")
    with session_scope(app) as session:
        session.get(Organisation, org_id).status = PENDING
        fan, _ = follow(session, "U" + "f" * 32, locale="ja", display_name="fan")
        staff, _ = follow(session, "U" + "e" * 32, locale="ja", display_name="staff")
        session.flush()
        toggle_topic(session, fan, "category", "environment")
        grant_role(session, staff, "staff")
        fan_id, staff_id = fan.id, staff.id
    with session_scope(app) as session:
        org, staff = session.get(Organisation, org_id), session.get(type(fan), staff_id)
        with pytest.raises(NotAllowed):
            verify_and_announce(session, session.get(type(fan), fan_id), org,
                                now=datetime.now(UTC))
        assert verify_and_announce(session, staff, org, now=datetime.now(UTC)) == 1
    with session_scope(app) as session:
        assert session.scalars(select(Notification.user_id)).all() == [fan_id]
        org, staff = session.get(Organisation, org_id), session.get(type(fan), staff_id)
        assert verify_and_announce(session, staff, org, now=datetime.now(UTC)) == 0


def _organisation_with_members(app: Any, sim: Any) -> tuple[int, list[str], str]:
    """A pending organisation with an owner (ja) and an editor (en); a staff member."""
    line_ids = ["U" + c * 32 for c in "abc"]
    with session_scope(app) as session:
        people = zip(line_ids, ("ja", "en", "ja"), ("代表", "Emma", "職員"), strict=True)
        owner, editor, staff = (follow(session, line_id, locale=locale, display_name=name)[0]
                                for line_id, locale, name in people)
        session.flush()
        grant_role(session, staff, "staff")
        org = register(session, owner, name="高円寺の会", kind="npo")
        add_member(session, org, editor)
        org_id = org.id
    for line_id in line_ids:
        sim.add_user(line_id)
    return org_id, line_ids[:2], line_ids[2]


def _verified_notices(app: Any) -> list[int]:
    with session_scope(app) as session:
        return sorted(session.scalars(select(Notification.user_id).where(
            Notification.kind == "organisation.verified")))


def test_verifying_tells_each_member_once_in_their_language(app, sim):
    org_id, (owner, editor), staff_id = _organisation_with_members(app, sim)
    for _ in range(2):  # verifying again changes nothing and tells no one again
        with session_scope(app) as session:
            verify_and_announce(session, get_by_line_id(session, staff_id),
                                session.get(Organisation, org_id), now=datetime.now(UTC))
    assert len(_verified_notices(app)) == 2
    deliver(app)
    [ja] = [m["message"]["text"] for m in sim.messages(owner)]
    [en] = [m["message"]["text"] for m in sim.messages(editor)]
    assert gettext("ja", "“{name}” has been verified by the ward. What it posts is now shown "
                         "to residents.", name="高円寺の会") == ja
    assert en == "“高円寺の会” has been verified by the ward. What it posts is now shown " \
                 "to residents."


def test_verifying_from_the_command_line_tells_the_members_too(app, sim):
    org_id, _members, staff_id = _organisation_with_members(app, sim)
    result = app.test_cli_runner().invoke(args=["orgs", "verify", str(org_id), staff_id])
    assert result.exit_code == 0, result.output
    assert len(_verified_notices(app)) == 2
