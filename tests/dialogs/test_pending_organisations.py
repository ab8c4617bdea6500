"""What a pending (not yet verified) organisation posts is not shown to residents: its
activities are not found by search, recommendations or their codes, and do not reach
followers of their field or area (issue 14)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db import session_scope
from models import organisations as orgs
from models.activities import Activity, Organisation
from models.activity_data import _announce_new
from models.outbox import Notification
from tests.activity_factory import make_slot
from tests.collab_helpers import ja


def pending_slot(app: Any, **kw: Any) -> int:
    slot_id = make_slot(app, title="まだ非公開の清掃", organisation="新しい会", **kw)
    with session_scope(app) as session:
        session.scalar(select(Organisation).where(Organisation.name == "新しい会")).status = \
            orgs.PENDING
    return slot_id


def test_search_does_not_find_a_pending_organisation_s_activities(app, resident):
    pending_slot(app, code="321")
    make_slot(app, title="公開の清掃", code="123")
    resident.opens(ja("Find activities"))
    resident.taps(ja("By category"))
    resident.taps(ja("Environment"))
    assert "公開の清掃" in resident.last_text()
    assert "まだ非公開の清掃" not in resident.last_text()


def test_recommendations_leave_a_pending_organisation_s_activities_out(app, resident):
    pending_slot(app, code="321")
    resident.opens(ja("Recommended"))
    assert "まだ非公開の清掃" not in resident.last_text()
    assert ja("No activities are planned at the moment. Please look again soon.") \
        in resident.last_text()


def test_its_code_and_details_are_not_found(app, resident):
    from tests.dialogs.test_refusals import press

    slot_id = pending_slot(app, code="321")
    resident.says("参加 321")
    assert ja("No activity has the code {code}. Please check the number.", code="321") \
        in resident.last_text()
    press(app, resident, "slot", s=slot_id)
    assert "まだ非公開の清掃" not in resident.last_text()


def test_once_verified_its_activities_are_found(app, resident):
    pending_slot(app, code="321")
    with session_scope(app) as session:
        session.scalar(select(Organisation).where(Organisation.name == "新しい会")).status = \
            orgs.VERIFIED
    resident.says("参加 321")
    assert "まだ非公開の清掃" in resident.last_text()


def test_a_pending_organisation_s_new_activity_is_not_announced(app, resident):
    from models.subscriptions import toggle_topic
    from models.users import get_by_line_id

    slot_id = pending_slot(app, code="321")
    with session_scope(app) as session:
        toggle_topic(session, get_by_line_id(session, resident.user_id), "category",
                     "environment")
        activity_id = session.scalar(select(Activity.id).join(Activity.slots).where(
            Activity.slots.any(id=slot_id)))
        _announce_new(session, [activity_id])
        assert session.scalars(select(Notification)).all() == []
