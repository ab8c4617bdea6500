"""Activities, slots and sign-ups for the console's activity tests, made with the domain's
own functions."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.db import session_scope
from models.activities import Activity, Slot
from models.organising import SlotValues, add_slot, create_activity
from models.signups import sign_up
from models.users import get_by_line_id

ACTIVITY = {"title": "公園のそうじ", "title_en": "Park clean-up", "description": "みんなで掃除",
            "category": "environment", "styles": ["micro"], "area": "阿佐谷", "fee": "無料",
            "how_to_apply": "LINEで申し込み"}


def make_activity(app, owner: str, organisation_id: int, **values) -> int:
    with session_scope(app) as session:
        actor = get_by_line_id(session, owner)
        return create_activity(session, actor, organisation_id, **{**ACTIVITY, **values}).id


def make_slot(app, owner: str, activity_id: int, starts_at: datetime, *,
              capacity: int | None = 10, hours: int = 2) -> int:
    with session_scope(app) as session:
        actor = get_by_line_id(session, owner)
        activity = session.get(Activity, activity_id)
        return add_slot(session, actor, activity, SlotValues(
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), place="阿佐谷公園",
            capacity=capacity)).id


def signs_up(app, line_user_id: str, slot_id: int, now: datetime) -> str:
    with session_scope(app) as session:
        slot = session.get(Slot, slot_id)
        return sign_up(session, slot, get_by_line_id(session, line_user_id), now=now).outcome
