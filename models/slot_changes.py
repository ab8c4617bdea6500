"""A slot's time or place changed (an organiser's edit in the console, an open-data import):
the confirmed people's reminders move with it, and everyone on it (confirmed, offered or
waiting) is told what changed, old and new, in their language (`slot.changed`, one message
per person per change). Nobody is told about a slot that had already begun or is cancelled.

All of it is set-based: the slot's sign-ups in one statement, the change in one, and every
notice, moved or new, through one `enqueue_again_many` (a few statements), however many
people are on the slot.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.activities import SLOT_CANCELLED, Slot, as_utc
from models.base import Base, utcnow
from models.outbox import enqueue_again_many
from models.signups import active_signups, reminder_rows

WATCHED = ("starts_at", "ends_at", "place", "address")
SOON = timedelta(days=1)  # a change this close to the slot is sent in quiet hours too


class SlotChange(Base):
    """A slot's time or place as it was and as it became (an organiser's edit, an open-data
    import): what the people on it are told (`slot.changed`), each change once, read from
    here when it is sent, so that two changes in a row are two messages, each true."""

    __tablename__ = "slot_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"),
                                         index=True)
    old_starts_at: Mapped[datetime]
    old_ends_at: Mapped[datetime]
    old_place: Mapped[str | None] = mapped_column(String(200))
    old_address: Mapped[str | None] = mapped_column(String(300))
    new_starts_at: Mapped[datetime]
    new_ends_at: Mapped[datetime]
    new_place: Mapped[str | None] = mapped_column(String(200))
    new_address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    slot: Mapped[Slot] = relationship()

    @property
    def moved(self) -> bool:
        return (as_utc(self.old_starts_at), as_utc(self.old_ends_at)) != (
            as_utc(self.new_starts_at), as_utc(self.new_ends_at))

    @property
    def relocated(self) -> bool:
        return (self.old_place, self.old_address) != (self.new_place, self.new_address)


def as_it_is(slot: Slot) -> dict[str, Any]:
    """The slot's time and place, to compare with after an edit (`record`)."""
    return {name: getattr(slot, name) for name in WATCHED}


def record(session: Session, slot: Slot, before: dict[str, Any], *,
           now: datetime | None = None) -> SlotChange | None:
    """After the slot's fields were set: when its time or place differs from `before`
    (`as_it_is` before the edit), move the reminders (a new time) and tell its people.
    Returns the change, if one was told."""
    now = as_utc(now or utcnow())
    change = SlotChange(
        slot_id=slot.id, old_starts_at=as_utc(before["starts_at"]),
        old_ends_at=as_utc(before["ends_at"]), old_place=before["place"],
        old_address=before["address"], new_starts_at=as_utc(slot.starts_at),
        new_ends_at=as_utc(slot.ends_at), new_place=slot.place, new_address=slot.address)
    if not change.moved and not change.relocated:
        return None
    signups = active_signups(session, slot)
    rows = reminder_rows(session, slot, signups, now) if change.moved else []
    told = bool(signups) and slot.status != SLOT_CANCELLED and change.old_starts_at > now
    if told:
        session.add(change)
        session.flush()
        rows += _notice_rows(change, [signup.user_id for signup in signups], now)
    enqueue_again_many(session, rows)
    return change if told else None


def _notice_rows(change: SlotChange, user_ids: list[int], now: datetime) -> list[dict]:
    """One `slot.changed` row per person. The key names the change and its new values: a
    change told twice is one message, and a slot moved there, back and there again is told
    each time."""
    values = "|".join(str(v) for v in (change.new_starts_at.isoformat(),
                                       change.new_ends_at.isoformat(), change.new_place,
                                       change.new_address))
    digest = hashlib.sha256(values.encode()).hexdigest()[:16]
    soon = min(change.old_starts_at, change.new_starts_at) - now < SOON
    return [{"user_id": user_id, "kind": "slot.changed", "ref": str(change.id), "due_at": now,
             "urgent": soon, "dedupe_key": f"slot.changed:{change.id}:{user_id}:{digest}"}
            for user_id in sorted(set(user_ids))]
