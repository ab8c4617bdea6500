"""Verifying an organisation announces what it posted while it was pending."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db import session_scope
from models.organisations import PENDING, NotAllowed, Organisation
from models.outbox import Notification
from models.subscriptions import toggle_topic
from models.users import follow, grant_role
from models.verification import verify_and_announce
from tests.activity_factory import make_slot, organisation_id


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
