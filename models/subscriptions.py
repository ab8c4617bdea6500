"""What a person wants to hear about: followed categories and areas, how often, and which
kinds of notification they turned off.

Topics are rows (`subscription_topics`), so "who follows this category or area" is one
indexed query. How often and what is off live in `User.notification_prefs`:
`{"frequency": "instant" | "digest" | "off", "digest_hour": 8, "off": ["reminders", ...]}`.

Feature code calls `notify_new_item(session, kind, ref, category, area, organisation_id=...)`
when a new idea call, activity or initiative is published; followers of its topic, its area
or its organisation get it at once or in their daily digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    delete,
    false,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.locales import N_
from models.organisations import Follow
from models.outbox import as_utc, enqueue_many
from models.users import User

FREQUENCIES = ("instant", "digest", "off")
CATEGORY = "category"
AREA = "area"

# Groups of notification kinds a person can turn off (a renderer names its group).
# Translators: kinds of notification a person can turn on or off
OPT_OUT_GROUPS: dict[str, str] = {
    "reminders": N_("Reminders"),
    "new_items": N_("New items"),
    "announcements": N_("Ward news"),
}


class SubscriptionTopic(Base):
    __tablename__ = "subscription_topics"
    __table_args__ = (UniqueConstraint("user_id", "dimension", "value"),
                      Index("ix_subscription_topics_dimension_value", "dimension", "value"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))  # category | area
    value: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NewItem(Base):
    """A published item (idea call, activity...), the feed that digests are made from."""

    __tablename__ = "new_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    area: Mapped[str | None] = mapped_column(String(64))
    # the organisation that posted it: its followers hear of it too (a feed row outlives
    # the organisation: no foreign key)
    organisation_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# -- preferences ---------------------------------------------------------------------------


def prefs(user: User) -> dict[str, Any]:
    found = dict(user.notification_prefs or {})
    found.setdefault("frequency", "instant")
    found.setdefault("off", [])
    return found


def set_pref(user: User, name: str, value: Any) -> None:
    updated = prefs(user)
    updated[name] = value
    user.notification_prefs = updated  # a new dict, so the JSON column sees the change


def is_off(user: User, group: str) -> bool:
    return group in prefs(user)["off"]


def toggle_off(user: User, group: str) -> bool:
    """Turn a group of notifications off or back on; returns True when it is now off."""
    off = list(prefs(user)["off"])
    if group in off:
        off.remove(group)
    else:
        off.append(group)
    set_pref(user, "off", off)
    return group in off


def topics(session: Session, user: User, dimension: str) -> list[str]:
    return list(session.scalars(
        select(SubscriptionTopic.value).where(SubscriptionTopic.user_id == user.id,
                                              SubscriptionTopic.dimension == dimension)
        .order_by(SubscriptionTopic.id)))


def toggle_topic(session: Session, user: User, dimension: str, value: str) -> bool:
    """Follow or unfollow a category or area; returns True when it is now followed."""
    found = session.scalar(select(SubscriptionTopic).where(
        SubscriptionTopic.user_id == user.id, SubscriptionTopic.dimension == dimension,
        SubscriptionTopic.value == value))
    if found is not None:
        session.delete(found)
        return False
    session.add(SubscriptionTopic(user_id=user.id, dimension=dimension, value=value))
    return True


def followers(session: Session, *, category: str | None, area: str | None):  # type: ignore[no-untyped-def]
    """A SELECT of the ids of users who follow the category or the area."""
    wanted = []
    if category:
        wanted.append(and_(SubscriptionTopic.dimension == CATEGORY,
                           SubscriptionTopic.value == category))
    if area:
        wanted.append(and_(SubscriptionTopic.dimension == AREA, SubscriptionTopic.value == area))
    if not wanted:
        return select(SubscriptionTopic.user_id).where(false())
    return select(SubscriptionTopic.user_id).where(or_(*wanted)).distinct()


# -- new items -----------------------------------------------------------------------------


def next_digest_at(now: datetime, hour: int, tz: str) -> datetime:
    """The next digest time at `hour` o'clock (ward time) strictly after `now`."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), time(hour % 24), zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour % 24), zone)
    return candidate


@dataclass(frozen=True)
class DigestItem:
    """A new item in a digest, and whether it came from a followed topic or area (else only
    from a followed organisation): the digest's first line says which."""

    kind: str
    ref: str
    by_topic: bool


def items_for_digest(session: Session, user: User, due_at: datetime) -> list[DigestItem]:
    """The items of the day before `due_at` that match what the user follows: topics, areas
    and organisations."""
    followed = select(SubscriptionTopic.dimension, SubscriptionTopic.value).where(
        SubscriptionTopic.user_id == user.id)
    due_at = as_utc(due_at)
    categories, areas = [], []
    for dimension, value in session.execute(followed):
        (categories if dimension == CATEGORY else areas).append(value)
    matches = [NewItem.organisation_id.in_(
        select(Follow.organisation_id).where(Follow.user_id == user.id))]
    if categories:
        matches.append(NewItem.category.in_(categories))
    if areas:
        matches.append(NewItem.area.in_(areas))
    return [DigestItem(item.kind, item.ref,
                       by_topic=item.category in categories or item.area in areas)
            for item in session.scalars(
                select(NewItem).where(NewItem.created_at > due_at - timedelta(days=1),
                                      NewItem.created_at <= due_at, or_(*matches))
                .order_by(NewItem.created_at))]


def erase(session: Session, user: User) -> None:
    session.execute(delete(SubscriptionTopic).where(SubscriptionTopic.user_id == user.id))


def notify_new_item(session: Session, kind: str, ref: str, category: str | None,
                    area: str | None, *, organisation_id: int | None = None,
                    now: datetime | None = None, tz: str = "Asia/Tokyo") -> int:
    """Tell the followers of `category`, `area` or the organisation that posted it
    (`organisation_id`) about a new item, each person once; returns how many.

    Followers who want it at once get a `new_item` notification now; those who chose the
    daily digest get (one per day) a `digest` notification at their hour, which lists every
    item of the day when it is sent. `kind` and `ref` name the item for its summary
    (bot/registries.py ITEMS).
    """

    now = as_utc(now or datetime.now(UTC))
    session.add(NewItem(kind=kind, ref=str(ref), category=category, area=area,
                        organisation_id=organisation_id, created_at=now))
    session.flush()
    audience = followers(session, category=category, area=area)
    if organisation_id is not None:
        audience = union(audience, select(Follow.user_id).where(
            Follow.organisation_id == organisation_id))
    # following a topic or an organisation happens after the privacy notice was agreed to
    # (the consent gate), and "delete my data" takes both: the audience has consented
    ids = select(User.id, User.notification_prefs).where(
        User.id.in_(audience), User.active.is_(True))
    rows = []
    for user_id, raw in session.execute(ids):
        wanted = {"frequency": "instant", "off": [], **(raw or {})}
        if wanted["frequency"] == "off" or "new_items" in wanted["off"]:
            continue
        if wanted["frequency"] == "digest":
            due = next_digest_at(now, int(wanted.get("digest_hour", 8)), tz)
            day = due.astimezone(ZoneInfo(tz)).date().isoformat()
            rows.append({"user_id": user_id, "kind": "digest", "ref": day, "due_at": due,
                         "dedupe_key": f"digest:{user_id}:{day}"})
        else:
            rows.append({"user_id": user_id, "kind": "new_item", "ref": f"{kind}:{ref}",
                         "due_at": now, "dedupe_key": f"new:{kind}:{ref}:{user_id}"})
    return enqueue_many(session, rows)
