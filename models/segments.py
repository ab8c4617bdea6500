"""A segment: a group of people a staff announcement can be sent to; and the segments drawn
from what people did (signed up, followed), which the chat's dialog and the console share
through `models.announcements.SEGMENTS`.

The rule of who among them receives it (following the bot, consent, opt-outs) is not here
but in `models.announcements.recipients`, the same for the count and for sending.
A segment on the users' own settings (areas, interests, language, simple mode, age band) is
in models/announcements.py, beside the table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.activities import Activity, Slot, slot_by_code
from models.base import utcnow
from models.locales import N_
from models.organisations import Follow, Organisation
from models.signups import ATTENDED, CONFIRMED, Signup

RECENT_DAYS = 30  # activities and slots offered for a segment: those that ended since
LISTED = 30  # at most this many values to choose from


@dataclass(frozen=True)
class Segment:
    label: str  # msgid
    # (session, values) -> a SELECT of user ids
    users: Callable[[Session, list[str]], Any]
    # (session) -> [(value, label shown as written or a msgid)], or None for no values
    values: Callable[[Session], list[tuple[str, str]]] | None = None
    translate_values: bool = False  # the value labels are msgids
    # (session, typed text) -> (value, label), or None when nothing matches: for values
    # staff type rather than tap (a slot code); None when values are only tapped
    typed: Callable[[Session, str], tuple[str, str] | None] | None = None
    prompt: str | None = None  # msgid of the question that asks for the values
    # (values) -> a condition on the users table itself, for a segment of the users' own
    # settings: the recipients are then one scan of the users, without a subquery of their
    # ids to join back (at 100,000 users the join doubled the live count's time)
    where: Callable[[list[str]], Any] | None = None


def ids(values: list[str]) -> list[int]:
    """The values that are ids (a value is user input: a forged one selects no one)."""
    return [int(v) for v in values if str(v).isdigit()]


def _signed_up() -> Any:
    """The sign-ups a participants' segment reaches: confirmed, or marked attended for a
    word after the event."""
    return Signup.status.in_((CONFIRMED, ATTENDED))


# -- the participants of a slot ----------------------------------------------------------------


def _slot_participants(session: Session, codes: list[str]) -> Any:
    return (select(Signup.user_id).join(Slot, Slot.id == Signup.slot_id)
            .where(Slot.code.in_(codes), _signed_up()))


def _slot_label(slot: Slot) -> str:
    return f"{slot.code} {slot.activity.title}"


def _participant_slots(session: Session) -> list[tuple[str, str]]:
    """Slots with participants, from a week ago on, soonest first: (code, "code title")."""
    since = utcnow() - timedelta(days=7)
    with_people = select(Signup.slot_id).where(_signed_up())
    slots = session.scalars(select(Slot).where(Slot.ends_at > since,
                                               Slot.id.in_(with_people))
                            .order_by(Slot.starts_at, Slot.id).limit(LISTED))
    return [(slot.code, _slot_label(slot)) for slot in slots]


def _typed_slot(session: Session, text: str) -> tuple[str, str] | None:
    slot = slot_by_code(session, unicodedata.normalize("NFKC", text).strip().lstrip("#"))
    return (slot.code, _slot_label(slot)) if slot is not None else None


# Translators: staff announcements to the people signed up for one activity's slot
PARTICIPANTS = Segment(
    N_("Participants"), _slot_participants, _participant_slots, typed=_typed_slot,
    prompt=N_("Tap an activity, or type its slot code. Then tap Done."))


# -- the participants of an activity (any of its slots) ----------------------------------------


def _activity_participants(session: Session, values: list[str]) -> Any:
    return (select(Signup.user_id).join(Slot, Slot.id == Signup.slot_id)
            .where(Slot.activity_id.in_(ids(values)), _signed_up()))


def _recent_activities(session: Session) -> list[tuple[str, str]]:
    """Activities with participants and a slot that ended in the last RECENT_DAYS or is
    still to come, the latest first: (id, title)."""
    since = utcnow() - timedelta(days=RECENT_DAYS)
    latest = (select(Slot.activity_id, func.max(Slot.starts_at).label("latest"))
              .join(Signup, Signup.slot_id == Slot.id)
              .where(Slot.ends_at > since, _signed_up())
              .group_by(Slot.activity_id).subquery())
    rows = session.execute(select(Activity.id, Activity.title)
                           .join(latest, latest.c.activity_id == Activity.id)
                           .order_by(latest.c.latest.desc(), Activity.id).limit(LISTED))
    return [(str(ident), title) for ident, title in rows]


# Translators: staff announcements to everyone signed up to any slot of an activity
ACTIVITY_PARTICIPANTS = Segment(N_("By activity"), _activity_participants, _recent_activities)


# -- the followers of an organisation ----------------------------------------------------------


def _followers(session: Session, values: list[str]) -> Any:
    return select(Follow.user_id).where(Follow.organisation_id.in_(ids(values)))


def _followed(session: Session) -> list[tuple[str, str]]:
    """Organisations with followers, the most followed first: (id, name)."""
    rows = session.execute(select(Organisation.id, Organisation.name)
                           .join(Follow, Follow.organisation_id == Organisation.id)
                           .group_by(Organisation.id, Organisation.name)
                           .order_by(func.count().desc(), Organisation.id).limit(LISTED))
    return [(str(ident), name) for ident, name in rows]


# Translators: staff announcements to the people following an organisation
FOLLOWERS = Segment(N_("Followers"), _followers, _followed)
