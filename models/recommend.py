"""Recommendations: upcoming slots ranked by fit, each with the reasons it was chosen, and
what a person told us they like (`VolunteerProfile`) or not (`Dismissal`).

The score adds up what we know of the person: the interests they told us and the
categories they joined before, their usual free times, the distance from the last location
they shared, the styles and skills they named, what people with similar histories joined
(people who joined an activity they joined), minus what they marked "not interested" (that
activity goes; its category and organiser weigh less). `rank` is a pure function, so the
benchmark (bench/recommend_bench.py) runs exactly the code the bot runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, ForeignKey, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.activities import OPEN, Activity, Slot, as_utc, distance_m
from models.base import Base, utcnow
from models.locales import N_
from models.organisations import public_clause
from models.signups import ATTENDED, CONFIRMED, Signup
from models.users import User

# -- what a person told us ----------------------------------------------------------------------

# usual free times a person may name: (weekday|weekend)_(morning|afternoon|evening)
FREE_TIMES: dict[str, str] = {
    "weekday_morning": N_("Weekday mornings"),
    "weekday_afternoon": N_("Weekday afternoons"),
    "weekday_evening": N_("Weekday evenings"),
    "weekend_morning": N_("Weekend mornings"),
    "weekend_afternoon": N_("Weekend afternoons"),
    "weekend_evening": N_("Weekend evenings"),
}


class VolunteerProfile(Base):
    """What a person told us: interests (categories), skills, usual free times, styles."""

    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    free_times: Mapped[list[str]] = mapped_column(JSON, default=list)  # FREE_TIMES codes
    styles: Mapped[list[str]] = mapped_column(JSON, default=list)
    lat: Mapped[float | None]  # the last location the person shared, to rank by distance
    lon: Mapped[float | None]
    location_at: Mapped[datetime | None]  # when it was shared: it expires (models.departures)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Dismissal(Base):
    """"Not interested": lowers this activity and similar ones in recommendations."""

    __tablename__ = "activity_dismissals"
    __table_args__ = (UniqueConstraint("user_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- ranking ------------------------------------------------------------------------------------

WEIGHTS = {"interest": 2.0, "history": 1.2, "time": 1.2, "near": 1.0, "style": 0.8,
           "skills": 0.6, "similar": 1.5, "dismissed": 1.5, "soon": 0.3}
NEAR_METRES = 3000.0


@dataclass(frozen=True)
class Candidate:
    slot_id: int
    activity_id: int
    category: str
    styles: tuple[str, ...]
    starts_at: datetime  # aware
    lat: float | None = None
    lon: float | None = None
    organisation_id: int | None = None
    skills: tuple[str, ...] = ()


@dataclass
class Taste:
    categories: set[str] = field(default_factory=set)
    styles: set[str] = field(default_factory=set)
    free_times: set[str] = field(default_factory=set)
    skills: set[str] = field(default_factory=set)
    lat: float | None = None
    lon: float | None = None
    joined: Counter[str] = field(default_factory=Counter)  # category -> sign-ups
    joined_activities: set[int] = field(default_factory=set)
    dismissed: set[int] = field(default_factory=set)  # activity ids
    dismissed_categories: Counter[str] = field(default_factory=Counter)
    dismissed_organisations: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    reasons: tuple[str, ...]  # "near", "time:weekend_morning", "interest", "style:micro", ...
    distance: float | None = None


def time_bucket(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 17 else "evening"
    return f"{'weekend' if local.weekday() >= 5 else 'weekday'}_{part}"


def rank(candidates: list[Candidate], taste: Taste, *, now: datetime, tz: str,
         similar: dict[int, float] | None = None, limit: int = 10) -> list[Ranked]:
    """The best `limit` candidates for this person, best first."""
    similar = similar or {}
    top_similar = max(similar.values(), default=0.0) or 1.0
    history_total = sum(taste.joined.values())
    out: list[Ranked] = []
    for c in candidates:
        if c.activity_id in taste.dismissed:
            continue
        parts: dict[str, float] = {}
        if c.category in taste.categories:
            parts["interest"] = WEIGHTS["interest"]
        if history_total:
            share = taste.joined.get(c.category, 0) / history_total
            if share:
                parts["history"] = WEIGHTS["history"] * share
        bucket = time_bucket(c.starts_at, tz)
        if taste.free_times:
            if bucket in taste.free_times:
                parts[f"time:{bucket}"] = WEIGHTS["time"]
            else:
                parts["off_time"] = -0.5 * WEIGHTS["time"]
        distance = None
        if taste.lat is not None and c.lat is not None:
            distance = distance_m(taste.lat, taste.lon, c.lat, c.lon)  # type: ignore[arg-type]
            closeness = max(0.0, 1.0 - distance / NEAR_METRES)
            if closeness:
                parts["near"] = WEIGHTS["near"] * closeness
        liked_styles = taste.styles & set(c.styles)
        if liked_styles:
            parts[f"style:{sorted(liked_styles)[0]}"] = WEIGHTS["style"]
        if taste.skills and taste.skills & {s.casefold() for s in c.skills}:
            parts["skills"] = WEIGHTS["skills"]
        if similar.get(c.activity_id):
            parts["similar"] = WEIGHTS["similar"] * similar[c.activity_id] / top_similar
        penalty = (taste.dismissed_categories.get(c.category, 0)
                   + taste.dismissed_organisations.get(c.organisation_id or -1, 0))
        if penalty:
            parts["dismissed"] = -WEIGHTS["dismissed"] * min(penalty, 3) / 3 * 2
        days = max((as_utc(c.starts_at) - now).total_seconds() / 86400, 0)
        soon = WEIGHTS["soon"] * max(0.0, 1 - days / 30)
        score = sum(parts.values()) + soon
        reasons = tuple(k if k != "interest" else f"interest:{c.category}"
                        for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v > 0)
        out.append(Ranked(c, score, reasons[:2], distance))
    out.sort(key=lambda r: (-r.score, r.candidate.starts_at, r.candidate.slot_id))
    return out[:limit]


# -- from the database ------------------------------------------------------------------------


def candidate_of(slot: Slot) -> Candidate:
    a = slot.activity
    return Candidate(slot.id, a.id, a.category, tuple(a.styles or ()), as_utc(slot.starts_at),
                     slot.lat, slot.lon, a.organisation_id, tuple(a.skills or ()))


def taste_of(session: Session, user: User) -> Taste:
    taste = Taste()
    profile = session.get(VolunteerProfile, user.id)
    if profile is not None:
        taste.categories = set(profile.categories or [])
        taste.styles = set(profile.styles or [])
        taste.free_times = set(profile.free_times or [])
        taste.skills = {s.casefold() for s in profile.skills or []}
        taste.lat, taste.lon = profile.lat, profile.lon
    for activity_id, category in session.execute(
            select(Activity.id, Activity.category).join(Slot, Slot.activity_id == Activity.id)
            .join(Signup, Signup.slot_id == Slot.id)
            .where(Signup.user_id == user.id, Signup.status.in_((CONFIRMED, ATTENDED)))):
        taste.joined[category] += 1
        taste.joined_activities.add(activity_id)
    for activity_id, category, organisation_id in session.execute(
            select(Activity.id, Activity.category, Activity.organisation_id)
            .join(Dismissal, Dismissal.activity_id == Activity.id)
            .where(Dismissal.user_id == user.id)):
        taste.dismissed.add(activity_id)
        taste.dismissed_categories[category] += 1
        if organisation_id is not None:
            taste.dismissed_organisations[organisation_id] += 1
    return taste


def similar_counts(session: Session, user: User, joined: set[int]) -> dict[int, float]:
    """Activities joined by people who joined what this person joined, weighted by overlap."""
    if not joined:
        return {}
    joined_statuses = (CONFIRMED, ATTENDED)
    peers = Counter(session.scalars(
        select(Signup.user_id).join(Slot, Slot.id == Signup.slot_id)
        .where(Slot.activity_id.in_(joined), Signup.user_id != user.id,
               Signup.status.in_(joined_statuses))))
    if not peers:
        return {}
    scores: Counter[int] = Counter()
    for peer_id, activity_id in session.execute(
            select(Signup.user_id, Slot.activity_id).join(Slot, Slot.id == Signup.slot_id)
            .where(Signup.user_id.in_(list(peers)[:500]), Signup.status.in_(joined_statuses))):
        if activity_id not in joined:
            scores[activity_id] += peers[peer_id]
    return dict(scores)


def recommend(session: Session, user: User, *, now: datetime, tz: str,
              limit: int = 10, horizon_days: int = 60,
              baseline: bool = False) -> list[tuple[Slot, Ranked]]:
    """The best `limit` upcoming slots for this person; for a person in the KPI baseline
    (models/impressions.py), the first `limit` by date, unranked, to measure the ranking by."""
    now = as_utc(now)
    slots = {s.id: s for s in session.scalars(
        select(Slot).join(Activity, Activity.id == Slot.activity_id)
        .where(Slot.status == OPEN, Slot.starts_at > now,
               Slot.starts_at < now + timedelta(days=horizon_days),
               public_clause(Activity.organisation_id))
        .order_by(Slot.starts_at)).unique()}
    mine = set(session.scalars(select(Signup.slot_id).where(
        Signup.user_id == user.id, Signup.status != "cancelled")))
    if baseline:  # what they marked "not interested" stays out here too
        dismissed = set(session.scalars(select(Dismissal.activity_id)
                                        .where(Dismissal.user_id == user.id)))
        by_date = [s for s in slots.values()
                   if s.id not in mine and s.activity_id not in dismissed][:limit]
        return [(s, Ranked(candidate_of(s), 0.0, ())) for s in by_date]
    taste = taste_of(session, user)
    candidates = [candidate_of(s) for s in slots.values() if s.id not in mine]
    ranked = rank(candidates, taste, now=now, tz=tz,
                  similar=similar_counts(session, user, taste.joined_activities), limit=limit)
    return [(slots[r.candidate.slot_id], r) for r in ranked]


# -- "delete my data" ----------------------------------------------------------------------------


def erase(session: Session, user: User) -> None:
    """The person's profile and what they marked "not interested"."""
    for model in (VolunteerProfile, Dismissal):
        session.execute(delete(model).where(model.user_id == user.id))
