"""Activities: the catalogue of what people can join, and the slots they join.

An activity (a beach clean-up, a children's cafeteria) is run by an organisation; each
slot is one date and time of it, with a place, a capacity and a short numeric code that
people type ("参加 123") or scan.

Elsewhere: sign-ups for a slot, its waitlist and their notices (models/signups.py); what
happened at it, points and the volunteer record (models/attendance.py); what a person likes
and the recommendations (models/recommend.py); the open-data import (models/activity_data.py).
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, and_, false, inspect, or_, select
from sqlalchemy.orm import Mapped, Session, foreign, joinedload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from models.base import Base, needs_extension, postgresql_only, utcnow
from models.locales import N_
from models.organisations import Organisation, is_public
from models.texts import ContentText, Translated
from models.users import Rights

# -- vocabularies: stable codes in the database, msgids for people ----------------------------

# (the categories, which ideas and followed topics share: models/categories.py)

STYLES: dict[str, str] = {
    # Translators: a one-off volunteering task of minutes to a few hours
    "micro": N_("One-off"),
    "online": N_("Online"),
    # Translators: volunteering that uses a skill (translation, design, IT...)
    "skills": N_("Skills-based"),
    "regular": N_("Regular"),
}
STYLE_JA = {"単発": "micro", "マイクロ": "micro", "オンライン": "online", "スキル": "skills",
            "定期": "regular"}

OPEN, CLOSED, SLOT_CANCELLED = "open", "closed", "cancelled"


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: every time in these tables is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- tables -----------------------------------------------------------------------------------


class Activity(Translated, Base):
    """Its title and description are the originals; their versions in other languages are
    in models/texts.py (the data's English title, イベント名_英語, among them)."""
    __tablename__ = "activities"
    TEXT_KIND = "activity"
    TEXT_FIELDS = ("title", "description")
    READINGS = {"title": "title_ruby"}
    # keyword search's LIKE '%word%' on PostgreSQL: pg_trgm's index finds the rows holding a
    # word of 3 letters or more without reading every row (SQLite reads them, once a search:
    # dialogs/common/activity_search.py)
    __table_args__ = (postgresql_only(Index(
        "ix_activities_search_text_trgm", "search_text", postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
        # written straight into the index: no pending list for each search to read
        postgresql_with={"fastupdate": "off"})),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # where the row came from ("131156:12" = municipality code and NO): re-imports update it
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_kana: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), index=True, default="other")
    styles: Mapped[list[str]] = mapped_column(JSON, default=list)
    area: Mapped[str | None] = mapped_column(String(64), index=True)
    fee: Mapped[str | None] = mapped_column(String(200))
    fee_detail: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_extension: Mapped[str | None] = mapped_column(String(40))  # 連絡先内線番号
    how_to_apply: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    when_note: Mapped[str | None] = mapped_column(Text)  # 開始日時特記事項
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # what keyword search reads, and the title with readings for やさしい日本語 readers:
    # written by models/search_index.py whenever the activity or a version is saved
    search_title: Mapped[str] = mapped_column(Text, default="", server_default="",
                                              deferred=True)
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    title_ruby: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="activities",
                                                             lazy="joined")
    slots: Mapped[list[Slot]] = relationship(back_populates="activity",
                                             cascade="all, delete-orphan",
                                             order_by="Slot.starts_at")


needs_extension(Activity.__table__, "pg_trgm")


class Slot(Translated, Base):
    """Its place and access (how to get there) are the originals; their versions in other
    languages are in models/texts.py."""
    __tablename__ = "slots"
    TEXT_KIND = "slot"
    TEXT_FIELDS = ("place", "access")
    __table_args__ = (Index("ix_slots_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    address_detail: Mapped[str | None] = mapped_column(String(200))  # 方書: building, room
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    access: Mapped[str | None] = mapped_column(Text)  # アクセス方法: how to get there
    parking: Mapped[str | None] = mapped_column(Text)  # 駐車場情報: parking, bicycles
    # None: no limit (files write 先着順, 定員なし or nothing); the 定員 as written, when it
    # says more than a number, in capacity_note
    capacity: Mapped[int | None]
    capacity_note: Mapped[str | None] = mapped_column(String(200))
    seats_taken: Mapped[int] = mapped_column(default=0)
    # the data gave no times: from 00:00 of the first day to 24:00 of the last
    all_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    signup_deadline: Mapped[datetime | None]
    checkin_word: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)

    activity: Mapped[Activity] = relationship(back_populates="slots", lazy="joined")
    # the versions of its own texts, its activity's and its organisation's, in one join
    # (read only: `with_texts`, `share_texts`)
    card_texts: Mapped[list[ContentText]] = relationship(
        ContentText, viewonly=True, lazy="raise",
        primaryjoin=lambda: or_(
            and_(ContentText.kind == Slot.TEXT_KIND, foreign(ContentText.item_id) == Slot.id),
            and_(ContentText.kind == Activity.TEXT_KIND,
                 foreign(ContentText.item_id) == Slot.activity_id),
            and_(ContentText.kind == Organisation.TEXT_KIND,
                 foreign(ContentText.item_id) == select(Activity.organisation_id).where(
                     Activity.id == Slot.activity_id).scalar_subquery())))

    @property
    def seats_left(self) -> int | None:
        """None when there is no limit."""
        return None if self.capacity is None else max(self.capacity - self.seats_taken, 0)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.seats_taken >= self.capacity

    @property
    def hours(self) -> float:
        """The hours a person gives: one day's of a slot over several days (10:00 to 18:00
        for five days is 8), none of an all-day one (its hours are not known)."""
        if self.all_day:
            return 0.0
        span = as_utc(self.ends_at) - as_utc(self.starts_at)
        if span > timedelta(days=1):
            span %= timedelta(days=1)
        return max(span.total_seconds() / 3600, 0)


# -- slot codes, lookups, organisers ---------------------------------------------------------


def new_code(session: Session, digits: int = 4) -> str:
    """An unused numeric code, short enough to type; longer when short ones run out."""
    for attempt in range(60):
        size = digits + attempt // 20
        code = str(secrets.randbelow(9 * 10 ** (size - 1)) + 10 ** (size - 1))
        if session.scalar(select(Slot.id).where(Slot.code == code)) is None:
            return code
    raise RuntimeError("no free slot code")  # pragma: no cover


def new_checkin_word() -> str:
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))


def with_texts() -> Any:
    """Load the versions of a slot's texts, its activity's and its organisation's in the
    slot's own statement (`card_texts`; `share_texts` hands them out): for one slot in a
    step with a statement budget (a list loads them with models.texts.preload)."""
    return joinedload(Slot.card_texts)


def share_texts(slot: Slot | None) -> Slot | None:
    """Give the slot, its activity and its organisation their versions from `card_texts`."""
    if slot is None or "card_texts" in inspect(slot).unloaded:
        return slot
    owners: list[Any] = [slot, slot.activity]
    if slot.activity.organisation is not None:
        owners.append(slot.activity.organisation)
    for owner in owners:
        set_committed_value(owner, "texts", [v for v in slot.card_texts
                                             if (v.kind, v.item_id) == (owner.TEXT_KIND,
                                                                        owner.id)])
    return slot


def slot_by_code(session: Session, code: str) -> Slot | None:
    """The slot a person typed or scanned the code of, with its texts' versions (the answer
    names it)."""
    return share_texts(session.scalars(select(Slot).options(with_texts())
                                       .where(Slot.code == code.strip())).unique().first())


def is_shown(rights: Rights, activity: Activity) -> bool:
    """Whether the activity may be shown in this turn: a verified organisation's (or staff's
    own) to anyone; a pending organisation's only to its members and to staff."""
    return (is_public(activity.organisation) or rights.is_staff
            or is_organiser_of(rights, activity.organisation_id))


def is_organiser_of(rights: Rights, organisation_id: int | None) -> bool:
    return organisation_id is not None and rights.has_role("organiser", str(organisation_id))


def organiser_slots(session: Session, rights: Rights, *, now: datetime,
                    limit: int = 12) -> list[Slot]:
    """The slots of the organisations the person organises, from a week ago on."""
    org_ids = [int(scope) for scope in rights.scopes("organiser") if scope.isdigit()]
    if not org_ids:
        return []
    return list(session.scalars(
        select(Slot).join(Activity).where(Activity.organisation_id.in_(org_ids),
                                          Slot.ends_at > as_utc(now) - timedelta(days=7))
        .order_by(Slot.starts_at).limit(limit)))


def upcoming_of_organisation(session: Session, organisation_id: int, *, now: datetime,
                             limit: int = 3) -> list[Slot]:
    """The organisation's next open slots, one statement (for its profile card)."""
    return list(session.scalars(
        select(Slot).join(Activity).where(Activity.organisation_id == organisation_id,
                                          Slot.status == OPEN, Slot.starts_at > as_utc(now))
        .order_by(Slot.starts_at, Slot.id).limit(limit)).unique())


# -- distance -----------------------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
