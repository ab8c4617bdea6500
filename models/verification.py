"""Verifying an organisation makes what it posted public: its upcoming activities are then
announced to the people who follow their field or area, as a new activity of a verified
organisation is when it is posted (an activity posted while the organisation was pending
was not announced: residents could not see it). Its members (owners and editors) are told,
each in their language (`organisation.verified`).

Every way staff verify (the console, the chat, `machibot orgs verify`) comes through here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.activities import OPEN, Activity, Slot
from models.organisations import Organisation, member_ids, verify
from models.outbox import as_utc, enqueue_many
from models.subscriptions import NewItem, notify_new_item
from models.timing import config_of
from models.users import User


def verify_and_announce(session: Session, staff: User, organisation: Organisation, *,
                        now: datetime) -> int:
    """Verify (staff only: organisations.NotAllowed) and announce its upcoming activities
    not announced before; returns how many were announced. An organisation already verified
    is left as it is (0): its members were told when it was."""
    if not verify(session, staff, organisation):
        return 0
    tell_members(session, organisation, now=now)
    announced = set(session.scalars(select(NewItem.ref).where(
        NewItem.kind == "activity", NewItem.organisation_id == organisation.id)))
    with_slots_to_come = select(Slot.activity_id).where(Slot.status == OPEN,
                                                        Slot.starts_at > as_utc(now))
    upcoming = session.scalars(
        select(Activity).where(Activity.organisation_id == organisation.id,
                               Activity.id.in_(with_slots_to_come))
        .order_by(Activity.id))
    tz = config_of(session).get("BOT_TIMEZONE", "Asia/Tokyo")
    count = 0
    for activity in upcoming:
        if str(activity.id) in announced:
            continue
        notify_new_item(session, kind="activity", ref=str(activity.id),
                        category=activity.category, area=activity.area,
                        organisation_id=organisation.id, now=now, tz=tz)
        count += 1
    return count


def tell_members(session: Session, organisation: Organisation, *, now: datetime) -> int:
    """An `organisation.verified` notice to each member, once per person and organisation
    (its dedupe key); returns how many were new."""
    return enqueue_many(session, [
        {"user_id": user_id, "kind": "organisation.verified", "ref": str(organisation.id),
         "due_at": as_utc(now), "dedupe_key": f"organisation.verified:{organisation.id}:{user_id}"}
        for user_id in member_ids(session, organisation.id)])
