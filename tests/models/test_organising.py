"""What organisers do to activities and slots, as the domain sees it: an activity of an
organisation waiting for verification is kept from residents' recommendations."""

from __future__ import annotations

from datetime import timedelta

from bot.db import session_scope
from models import organisations as orgs
from models.base import utcnow
from models.organising import SlotValues, add_slot, create_activity
from models.recommend import recommend
from models.users import follow

ACTIVITY = {"title": "公園のそうじ", "category": "environment"}


def _slot_of(session, owner, name: str, *, waived: bool) -> int:
    organisation = orgs.register(session, owner, name=name, kind="npo",
                                 verification_waived=waived)
    activity = create_activity(session, owner, organisation.id, **ACTIVITY)
    starts = utcnow() + timedelta(days=2)
    return add_slot(session, owner, activity, SlotValues(
        starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=None)).id


def test_a_pending_organisation_s_slots_are_not_recommended(app):
    with session_scope(app) as session:
        owner, _ = follow(session, "U" + "1" * 32, locale="ja", display_name="代表")
        resident, _ = follow(session, "U" + "2" * 32, locale="ja", display_name="住民")
        pending = _slot_of(session, owner, "確認待ちの会", waived=False)
        verified = _slot_of(session, owner, "確認済みの会", waived=True)
        shown = {slot.id for slot, _ranked in recommend(session, resident, now=utcnow(),
                                                        tz="Asia/Tokyo")}
        assert verified in shown and pending not in shown
