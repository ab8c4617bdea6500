"""What an organisation's members do to its activities and slots (from the console):
create and edit an activity, add and edit a slot, copy a slot as a weekly series, cancel a
slot, and the participants' list they may download.

Every change is audit-logged with who did it; the caller (the console) has already checked
that the person is a member of the activity's organisation. An activity of an organisation
that is not verified yet is saved like any other; what residents are shown leaves it out
until staff verify the organisation (models/organisations.py).

Cancelling a slot tells everyone signed up (confirmed, offered or waiting) with one
`slot.cancelled` notice each, read in their language when it is sent; their reminders and
"how did it go?" are taken back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, contains_eager

from models.activities import (
    OPEN,
    SLOT_CANCELLED,
    STYLES,
    Activity,
    Slot,
    as_utc,
    new_checkin_word,
    new_code,
)
from models.base import bounded, utcnow
from models.categories import CATEGORIES
from models.outbox import cancel, enqueue_many
from models.signups import (
    ACTIVE_SIGNUP,
    ATTENDED,
    CANCELLED,
    NO_SHOW,
    Signup,
    offer_new_seats,
)
from models.slot_changes import as_it_is, record
from models.texts import FORM_LOCALES, ORIGINAL_LANGUAGES, ORIGINAL_LOCALE, save_versions
from models.users import User, audit

TITLE_MAX, FEE_MAX, PLACE_MAX, ADDRESS_MAX, WORD_MAX, ACCESS_MAX = 200, 200, 200, 300, 40, 1000
DESCRIPTION_MAX, HOW_TO_APPLY_MAX = 4000, 2000
MAX_WEEKS = 52
# the versions of an activity's title and description in the other languages, as the form
# names them ("title_en", "description_ko"): name -> (field, locale)
VERSION_FIELDS = {f"{field}_{locale}": (field, locale)
                  for locale in FORM_LOCALES for field in Activity.TEXT_FIELDS}
VERSION_MAX = {"title": TITLE_MAX, "description": DESCRIPTION_MAX}
# the fields of an activity an organiser writes, in the order the form shows them
ACTIVITY_FIELDS = ("title", "description", "original_locale", "category", "styles", "area", "fee",
                   "how_to_apply", *VERSION_FIELDS, "reviewed")
# a slot's place and access in the other languages, as the form names them ("place_en")
SLOT_VERSION_FIELDS = {f"{field}_{locale}": (field, locale)
                       for locale in FORM_LOCALES for field in Slot.TEXT_FIELDS}
SLOT_VERSION_MAX = {"place": PLACE_MAX, "access": ACCESS_MAX}
SLOT_FIELDS = ("starts_at", "ends_at", "place", "address", "lat", "lon", "capacity",
               "signup_deadline", "checkin_word")
SIGNUP_NOTICES = ("activity.reminder", "activity.feedback", "waitlist.offer",
                  "waitlist.offer_expiry")


class SlotError(ValueError):
    """A slot that cannot be: "order" (ends before it starts), "deadline" (after the start),
    "capacity" (below the seats already taken), "cancelled" (a cancelled slot is not edited)."""


# -- activities ---------------------------------------------------------------------------


def _activity_values(values: dict[str, Any]) -> dict[str, Any]:
    """The activity's fields checked as the database keeps them (ValueError, TooLong)."""
    if values.get("category") not in CATEGORIES:
        raise ValueError("category")
    styles = [s for s in values.get("styles") or [] if s in STYLES]

    def text(name: str, limit: int) -> str | None:
        return bounded(name, values.get(name) or "", limit, required=False) or None

    original = values.get("original_locale") or ORIGINAL_LOCALE
    if original not in ORIGINAL_LANGUAGES:
        raise ValueError("original_locale")
    return {"title": bounded("title", values.get("title") or "", TITLE_MAX),
            "original_locale": original,
            "description": bounded("description", values.get("description") or "",
                                   DESCRIPTION_MAX, required=False),
            "category": values["category"], "styles": styles,
            "area": text("area", 64), "fee": text("fee", FEE_MAX),
            "how_to_apply": text("how_to_apply", HOW_TO_APPLY_MAX)}


def _versions(values: dict[str, Any]) -> dict[str, str]:
    """The versions written in the form, checked (TooLong); a blank one is no version."""
    return {name: bounded(name, values.get(name) or "", VERSION_MAX[field], required=False)
            for name, (field, _locale) in VERSION_FIELDS.items()}


def _save_versions(session: Session, activity: Activity, versions: dict[str, str],
                   reviewed: Iterable[str] = ()) -> list[str]:
    """Write the organiser's versions (models.texts.save_versions); the names of those
    that changed."""
    changed = save_versions(session, activity, {VERSION_FIELDS[name]: text
                                                for name, text in versions.items()}, reviewed)
    return [f"{field}_{locale}" for field, locale in changed]


def create_activity(session: Session, actor: User, organisation_id: int,
                    **values: Any) -> Activity:
    versions = _versions(values)
    activity = Activity(organisation_id=organisation_id, **_activity_values(values))
    session.add(activity)
    session.flush()
    _save_versions(session, activity, versions)
    audit(session, "activity.create", actor=actor, organisation=organisation_id,
          activity=activity.id)
    return activity


def update_activity(session: Session, actor: User, activity: Activity,
                    **values: Any) -> list[str]:
    """Change the activity and its versions; returns (and audit-logs) the names of the
    fields that changed."""
    wanted, versions = _activity_values(values), _versions(values)
    changed = [name for name, value in wanted.items() if getattr(activity, name) != value]
    for name in changed:
        setattr(activity, name, wanted[name])
    changed += _save_versions(session, activity, versions, values.get("reviewed") or ())
    if changed:
        audit(session, "activity.update", actor=actor, organisation=activity.organisation_id,
              activity=activity.id, fields=changed)
    return changed


def organisation_activities(session: Session, organisation_id: int, *,
                            now: datetime) -> list[tuple[Activity, list[Slot]]]:
    """The organisation's activities, newest first, each with its upcoming slots (not
    cancelled), soonest first: two statements whatever the number of activities."""
    activities = list(session.scalars(select(Activity).where(
        Activity.organisation_id == organisation_id).order_by(Activity.id.desc())))
    upcoming: dict[int, list[Slot]] = {a.id: [] for a in activities}
    if activities:
        for slot in session.scalars(
                select(Slot).join(Slot.activity).options(contains_eager(Slot.activity))
                .where(Activity.organisation_id == organisation_id,
                       Slot.ends_at > as_utc(now), Slot.status != SLOT_CANCELLED)
                .order_by(Slot.starts_at, Slot.id)):
            upcoming[slot.activity_id].append(slot)
    return [(activity, upcoming[activity.id]) for activity in activities]


# -- slots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotValues:
    starts_at: datetime
    ends_at: datetime
    place: str | None = None
    address: str | None = None
    access: str | None = None  # how to get there
    lat: float | None = None
    lon: float | None = None
    capacity: int | None = None  # None: no limit
    signup_deadline: datetime | None = None
    checkin_word: str | None = None  # None: one is made up (new_checkin_word)

    def checked(self) -> dict[str, Any]:
        if as_utc(self.ends_at) <= as_utc(self.starts_at):
            raise SlotError("order")
        if self.signup_deadline is not None \
                and as_utc(self.signup_deadline) > as_utc(self.starts_at):
            raise SlotError("deadline")
        if self.capacity is not None and self.capacity < 1:
            raise SlotError("capacity")
        return {"starts_at": as_utc(self.starts_at), "ends_at": as_utc(self.ends_at),
                "place": bounded("place", self.place or "", PLACE_MAX, required=False) or None,
                "address": bounded("address", self.address or "", ADDRESS_MAX,
                                   required=False) or None,
                "access": bounded("access", self.access or "", ACCESS_MAX,
                                  required=False) or None,
                "lat": self.lat, "lon": self.lon, "capacity": self.capacity,
                "signup_deadline": None if self.signup_deadline is None
                else as_utc(self.signup_deadline),
                "checkin_word": bounded("checkin_word", self.checkin_word or "", WORD_MAX,
                                        required=False) or new_checkin_word()}


def _save_slot_versions(session: Session, slot: Slot, versions: Mapping[str, str | None],
                        reviewed: Iterable[str] = ()) -> list[str]:
    """The place's and access's versions a form sent back (models.texts.save_versions),
    checked (TooLong); the names of those that changed."""
    checked = {SLOT_VERSION_FIELDS[name]: bounded(name, text or "",
                                                  SLOT_VERSION_MAX[SLOT_VERSION_FIELDS[name][0]],
                                                  required=False)
               for name, text in versions.items() if name in SLOT_VERSION_FIELDS}
    return [f"{field}_{locale}"
            for field, locale in save_versions(session, slot, checked, reviewed)]


def add_slot(session: Session, actor: User, activity: Activity, values: SlotValues, *,
             versions: Mapping[str, str | None] | None = None) -> Slot:
    slot = Slot(activity=activity, code=new_code(session), status=OPEN, **values.checked())
    session.add(slot)
    session.flush()
    _save_slot_versions(session, slot, versions or {})
    audit(session, "slot.create", actor=actor, organisation=activity.organisation_id,
          slot=slot.id)
    return slot


def update_slot(session: Session, actor: User, slot: Slot, values: SlotValues, *,
                offer_minutes: int = 120, versions: Mapping[str, str | None] | None = None,
                reviewed: Iterable[str] = ()) -> list[str]:
    """Change the slot; a changed time or place moves its people's reminders and tells them
    (models/slot_changes.py), new seats go to the people waiting first. Returns (and
    audit-logs) the fields that changed. A capacity below the seats taken is refused."""
    if slot.status == SLOT_CANCELLED:
        raise SlotError("cancelled")
    wanted = values.checked()
    if wanted["capacity"] is not None and wanted["capacity"] < slot.seats_taken:
        raise SlotError("capacity")
    more_seats = slot.capacity is not None and (wanted["capacity"] is None
                                                or wanted["capacity"] > slot.capacity)
    changed = [name for name, value in wanted.items() if _differs(getattr(slot, name), value)]
    before = as_it_is(slot)
    for name in changed:
        setattr(slot, name, wanted[name])
    changed += _save_slot_versions(session, slot, versions or {}, reviewed)
    record(session, slot, before)
    if more_seats:
        session.flush()
        offer_new_seats(session, slot, now=utcnow(), offer_minutes=offer_minutes)
    if changed:
        audit(session, "slot.update", actor=actor, organisation=slot.activity.organisation_id,
              slot=slot.id, fields=changed)
    return changed


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return as_utc(old) != as_utc(new)
    return bool(old != new)


def copy_weekly(session: Session, actor: User, slot: Slot, weeks: int) -> list[Slot]:
    """`weeks` more slots like this one, a week apart after it (times, place, capacity,
    deadline shifted alike), each with its own code and check-in word."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise SlotError("weeks")
    made = []
    for n in range(1, weeks + 1):
        shift = timedelta(weeks=n)
        deadline = slot.signup_deadline
        made.append(Slot(
            activity_id=slot.activity_id, code=new_code(session), status=OPEN,
            starts_at=as_utc(slot.starts_at) + shift, ends_at=as_utc(slot.ends_at) + shift,
            place=slot.place, address=slot.address, address_detail=slot.address_detail,
            lat=slot.lat, lon=slot.lon, access=slot.access, parking=slot.parking,
            original_locale=slot.original_locale,
            capacity=slot.capacity, capacity_note=slot.capacity_note, all_day=slot.all_day,
            signup_deadline=None if deadline is None else as_utc(deadline) + shift,
            checkin_word=new_checkin_word()))
    session.add_all(made)
    session.flush()
    audit(session, "slot.copy", actor=actor, organisation=slot.activity.organisation_id,
          slot=slot.id, copies=[s.id for s in made])
    return made


def cancel_slot(session: Session, actor: User, slot: Slot, *,
                now: datetime | None = None) -> int:
    """Call the slot off: its sign-ups are cancelled, their notices taken back, and each
    person who was signed up (or waiting) is told. Returns how many are told."""
    if slot.status == SLOT_CANCELLED:
        return 0
    now = as_utc(now or utcnow())
    signups = list(session.scalars(select(Signup).where(
        Signup.slot_id == slot.id, Signup.status.in_(ACTIVE_SIGNUP))))
    for signup in signups:
        for kind in SIGNUP_NOTICES:
            cancel(session, ref=str(signup.id), kind=kind)
    if signups:
        session.execute(update(Signup).where(Signup.id.in_([s.id for s in signups]))
                        .values(status=CANCELLED, offered_until=None),
                        execution_options={"synchronize_session": "fetch"})
    slot.status, slot.seats_taken = SLOT_CANCELLED, 0
    enqueue_many(session, [
        {"user_id": signup.user_id, "kind": "slot.cancelled", "ref": str(slot.id),
         "due_at": now, "urgent": True, "dedupe_key": f"slot.cancelled:{slot.id}:{signup.user_id}"}
        for signup in signups])
    audit(session, "slot.cancel", actor=actor, organisation=slot.activity.organisation_id,
          slot=slot.id, told=len(signups))
    return len(signups)


# -- the participants' list ------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    display_name: str
    activity: str
    starts_at: datetime
    status: str
    attended: bool


def participants(session: Session, organisation_id: int) -> list[Participant]:
    """Everyone who signed up for the organisation's slots (cancelled sign-ups left out):
    the display name the person shows on LINE and nothing else about them."""
    rows = session.execute(
        select(User.display_name, Activity.title, Slot.starts_at, Signup.status)
        .select_from(Signup).join(User, User.id == Signup.user_id)
        .join(Slot, Slot.id == Signup.slot_id).join(Activity, Activity.id == Slot.activity_id)
        .where(Activity.organisation_id == organisation_id, Signup.status != CANCELLED)
        .order_by(Slot.starts_at, Slot.id, Signup.queued_at, Signup.id))
    return [Participant(name or "—", title, as_utc(starts), status, status == ATTENDED)
            for name, title, starts, status in rows]


MARKS = (ATTENDED, NO_SHOW)
