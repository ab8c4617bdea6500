"""Idea calls from the ward (区からのアイデア募集型) and the ideas residents submit.

Staff publish a call (theme, the ward issue behind it, a deadline, optionally an idea
meeting, which is a models.gatherings.Gathering). Anyone submits ideas until the deadline,
at most IDEAS_PER_CALL_PER_DAY a day per call; each idea is a row before its receipt number
is shown. Staff mark ideas under review, adopted or not adopted with a short message that
the submitter receives through the outbox (in their language when staff wrote a version of
it in theirs); an adopted idea can be announced.

A call's theme and issue, and staff's message on an idea, have versions per language
(models.texts.Translated); the columns keep the Japanese original.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    String,
    Text,
    and_,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, TooLong, bounded, utcnow
from models.locales import N_
from models.outbox import as_utc, cancel, enqueue
from models.photos import Photo, owners_of_sent
from models.subscriptions import followers, notify_new_item
from models.texts import VERSION_LOCALES, Translated, save_versions
from models.timing import days_before
from models.users import User

OPEN_CALL, CLOSED_CALL = "open", "closed"
SUBMITTED, UNDER_REVIEW, ADOPTED, NOT_ADOPTED = "submitted", "review", "adopted", "not_adopted"
# Translators: the state of a submitted idea
IDEA_STATUSES: dict[str, str] = {
    SUBMITTED: N_("Received"),
    UNDER_REVIEW: N_("Under review"),
    ADOPTED: N_("Adopted"),
    NOT_ADOPTED: N_("Not adopted"),
}
REVIEW_STATUSES = (UNDER_REVIEW, ADOPTED, NOT_ADOPTED)

THEME_MAX = 100
ISSUE_MAX = 1000
IDEA_MAX = 1000
STAFF_MESSAGE_MAX = 300

__all__ = ["Idea", "IdeaCall", "TooLong"]


class IdeaCall(Translated, Base):
    __tablename__ = "idea_calls"
    TEXT_KIND = "idea_call"
    TEXT_FIELDS = ("theme", "issue")

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[str] = mapped_column(String(THEME_MAX))
    issue: Mapped[str] = mapped_column(Text)  # the ward issue behind the call
    deadline: Mapped[datetime]  # ideas are taken until this moment
    category: Mapped[str] = mapped_column(String(32), default="")
    area: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=OPEN_CALL, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ideas: Mapped[list[Idea]] = relationship(back_populates="call", passive_deletes=True)

    def is_open(self, now: datetime) -> bool:
        return self.status == OPEN_CALL and as_utc(self.deadline) > as_utc(now)


class Idea(Translated, Base):
    __tablename__ = "ideas"
    TEXT_KIND = "idea"
    TEXT_FIELDS = ("staff_message",)  # staff's message to the submitter

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("idea_calls.id", ondelete="CASCADE"),
                                         index=True)
    # None once the submitter deleted their data: the idea stays with the ward, unlinked
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                     index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    photo_message_id: Mapped[str | None] = mapped_column(String(32), index=True)
    can_help: Mapped[bool | None]  # could they help carry it out
    status: Mapped[str] = mapped_column(String(16), default=SUBMITTED, index=True)
    staff_message: Mapped[str] = mapped_column(String(STAFF_MESSAGE_MAX), default="")
    announced: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reviewed_at: Mapped[datetime | None]

    call: Mapped[IdeaCall] = relationship(back_populates="ideas")

    @property
    def receipt(self) -> str:
        return receipt_number(self.call_id, self.id)


def receipt_number(call_id: int, idea_id: int) -> str:
    return f"{call_id}-{idea_id:05d}"


class IdeaError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


# -- calls ---------------------------------------------------------------------------------


def deadline_from_day(day: date, tz: str) -> datetime:
    """Ideas are taken until the end of the deadline day, ward time."""
    zone = ZoneInfo(tz)
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(ZoneInfo("UTC"))


def publish_call(session: Session, *, theme: str, issue: str, deadline: datetime,
                 category: str = "", area: str = "", by: User | None = None,
                 config: dict[str, Any], now: datetime | None = None) -> IdeaCall:
    """Publish a call; followers of its category or area hear of it, and get a reminder
    IDEA_CALL_DEADLINE_DAYS_BEFORE days before the deadline."""

    now = as_utc(now or utcnow())
    if as_utc(deadline) <= now:
        raise IdeaError("past")
    call = IdeaCall(theme=bounded("theme", theme, THEME_MAX),
                    issue=bounded("issue", issue, ISSUE_MAX), deadline=as_utc(deadline),
                    category=category or "", area=area or "", status=OPEN_CALL,
                    created_by_id=by.id if by else None)
    session.add(call)
    session.flush()
    notify_new_item(session, kind="idea_call", ref=str(call.id), category=category or None,
                    area=area or None, now=now, tz=config["BOT_TIMEZONE"])
    _remind_followers(session, call, config=config, now=now)
    return call


def _remind_followers(session: Session, call: IdeaCall, *, config: dict[str, Any],
                      now: datetime) -> None:
    """The followers' reminder IDEA_CALL_DEADLINE_DAYS_BEFORE days before the deadline (a
    waiting one moves with a new deadline; none once that day has passed)."""
    # the deadline is midnight at the end of its day: count back from that day
    remind_at = days_before(config, as_utc(call.deadline) - timedelta(seconds=1))
    if remind_at <= as_utc(now):
        cancel(session, ref=str(call.id), kind="idea_call.deadline")
        return
    for user_id in session.scalars(followers(session, category=call.category or None,
                                             area=call.area or None)):
        enqueue(session, user_id=user_id, kind="idea_call.deadline", ref=str(call.id),
                due_at=remind_at, dedupe_key=f"idea_call:{call.id}:deadline:{user_id}")


def write_versions(session: Session, item: Translated, versions: Mapping[str, str | None],
                   limits: Mapping[str, int], reviewed: Iterable[str] = ()) -> list[str]:
    """Write an item's versions named "<field>_<locale>" (blank: none), checked against
    each field's limit (TooLong), as a form that showed them all sends them back: a
    machine's left as it was stays the machine's unless its locale is `reviewed`
    (models.texts.save_versions); the names of those that changed."""
    wanted = {}
    for name, text in versions.items():
        field = next((f for f in item.TEXT_FIELDS if name.startswith(f"{f}_")), "")
        locale = name[len(field) + 1:]
        if not field or locale not in VERSION_LOCALES:
            raise ValueError(name)
        wanted[(field, locale)] = bounded(name, text or "", limits[field], required=False)
    return [f"{f}_{loc}" for f, loc in save_versions(session, item, wanted, reviewed)]


CALL_LIMITS = {"theme": THEME_MAX, "issue": ISSUE_MAX}


def update_call(session: Session, call: IdeaCall, *, theme: str, issue: str,
                deadline: datetime, versions: Mapping[str, str | None],
                config: dict[str, Any], now: datetime | None = None,
                reviewed: Iterable[str] = ()) -> list[str]:
    """Change a call's texts, their versions and its deadline (IdeaError("past") for a
    deadline gone by while the call is open); the names of what changed. A new deadline
    moves the followers' reminder."""
    now = as_utc(now or utcnow())
    wanted = {"theme": bounded("theme", theme, THEME_MAX),
              "issue": bounded("issue", issue, ISSUE_MAX)}
    changed = [name for name, value in wanted.items() if getattr(call, name) != value]
    for name in changed:
        setattr(call, name, wanted[name])
    if as_utc(deadline) != as_utc(call.deadline):
        if call.status == OPEN_CALL and as_utc(deadline) <= now:
            raise IdeaError("past")
        call.deadline = as_utc(deadline)
        changed.append("deadline")
        if call.status == OPEN_CALL:
            _remind_followers(session, call, config=config, now=now)
    return changed + write_versions(session, call, versions, CALL_LIMITS, reviewed)


def load_call_file(text: str) -> dict[str, Any]:
    """A call from `machibot ideas new FILE` (JSON): theme, issue, deadline (YYYY-MM-DD),
    optional category, area and meeting {"starts_at": "YYYY-MM-DDTHH:MM", "place", "url"}."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise IdeaError("json", detail=str(exc)) from None
    if not isinstance(doc, dict):
        raise IdeaError("json", detail="the file must hold one JSON object")
    missing = [k for k in ("theme", "issue", "deadline") if not str(doc.get(k) or "").strip()]
    if missing:
        raise IdeaError("missing", fields=", ".join(missing))
    try:
        doc["deadline"] = date.fromisoformat(str(doc["deadline"]))
    except ValueError:
        raise IdeaError("json", detail="deadline must be YYYY-MM-DD") from None
    meeting = doc.get("meeting")
    if meeting is not None:
        if not isinstance(meeting, dict) or not meeting.get("starts_at"):
            raise IdeaError("json", detail="meeting needs starts_at")
        try:
            meeting["starts_at"] = datetime.fromisoformat(str(meeting["starts_at"]))
        except ValueError:
            raise IdeaError("json", detail="meeting.starts_at must be YYYY-MM-DDTHH:MM") from None
    return doc


def close_call(session: Session, call: IdeaCall) -> None:
    call.status = CLOSED_CALL
    cancel(session, ref=str(call.id), kind="idea_call.deadline")


def open_calls(session: Session, *, now: datetime, offset: int = 0,
               limit: int = 10) -> tuple[list[IdeaCall], bool]:
    rows = list(session.scalars(
        select(IdeaCall).where(IdeaCall.status == OPEN_CALL, IdeaCall.deadline > as_utc(now))
        .order_by(IdeaCall.deadline, IdeaCall.id).offset(max(0, offset)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def all_calls(session: Session, limit: int = 12) -> list[IdeaCall]:
    return list(session.scalars(select(IdeaCall).order_by(IdeaCall.id.desc()).limit(limit)))


# -- ideas ---------------------------------------------------------------------------------


def submitted_today(session: Session, call: IdeaCall, user: User, *, now: datetime,
                    tz: str) -> int:
    zone = ZoneInfo(tz)
    start = datetime.combine(as_utc(now).astimezone(zone).date(), time(0), zone)
    return session.scalar(select(func.count()).select_from(Idea).where(
        Idea.call_id == call.id, Idea.submitter_id == user.id,
        Idea.created_at >= as_utc(start))) or 0


def check_can_submit(session: Session, call: IdeaCall, user: User, *, now: datetime,
                     config: dict[str, Any]) -> None:
    """Raise IdeaError("closed" | "limit") when this person cannot submit to the call now."""
    if not call.is_open(now):
        raise IdeaError("closed")
    limit = int(config["IDEAS_PER_CALL_PER_DAY"])
    if submitted_today(session, call, user, now=now, tz=config["BOT_TIMEZONE"]) >= limit:
        raise IdeaError("limit", limit=limit)


def submit(session: Session, call: IdeaCall, user: User, *, body: str = "",
           photo_message_id: str | None = None, can_help: bool | None = None,
           now: datetime, config: dict[str, Any]) -> Idea:
    check_can_submit(session, call, user, now=now, config=config)
    body = bounded("idea", body, IDEA_MAX, required=photo_message_id is None)
    idea = Idea(call_id=call.id, submitter_id=user.id, body=body,
                photo_message_id=photo_message_id, can_help=can_help, status=SUBMITTED,
                staff_message="", announced=False, created_at=as_utc(now))
    session.add(idea)
    session.flush()
    return idea


def ideas_for(session: Session, call: IdeaCall, *, status: str | None = None,
              offset: int = 0, limit: int = 10) -> tuple[list[Idea], bool]:
    query = select(Idea).where(Idea.call_id == call.id)
    if status:
        query = query.where(Idea.status == status)
    rows = list(session.scalars(query.order_by(Idea.id).offset(max(0, offset)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def ideas_table(session: Session, call: IdeaCall, *, status: str | None = None,
                since: datetime | None = None, until: datetime | None = None,
                contains: str = "", limit: int | None = None) -> list[tuple[Idea, str | None]]:
    """A call's ideas for staff, oldest first, each with its submitter's language (None
    once they deleted their data): one statement. Filters: status, sent at or after
    `since` and before `until`, the text containing `contains` (any case)."""
    query = (select(Idea, User.locale).outerjoin(User, User.id == Idea.submitter_id)
             .where(Idea.call_id == call.id))
    if status:
        query = query.where(Idea.status == status)
    if since is not None:
        query = query.where(Idea.created_at >= as_utc(since))
    if until is not None:
        query = query.where(Idea.created_at < as_utc(until))
    if contains.strip():
        escaped = contains.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Idea.body.ilike(f"%{escaped}%", escape="\\"))
    query = query.order_by(Idea.id)
    if limit is not None:
        query = query.limit(limit)
    return [(idea, locale) for idea, locale in session.execute(query)]


def submitters(session: Session, call: IdeaCall) -> list[int]:
    """Who sent ideas to the call (invited to its idea meetings)."""
    return list(session.scalars(select(Idea.submitter_id).where(
        Idea.call_id == call.id, Idea.submitter_id.is_not(None)).distinct()))


def count_ideas(session: Session, call: IdeaCall) -> int:
    return session.scalar(select(func.count()).select_from(Idea).where(
        Idea.call_id == call.id)) or 0


def set_status(session: Session, idea: Idea, status: str, *, message: str = "",
               versions: Mapping[str, str | None] | None = None,
               now: datetime | None = None) -> None:
    """Staff's decision; the submitter receives it and the message, in their language's
    version when there is one ("staff_message_<locale>" in `versions`), else as written."""
    if status not in REVIEW_STATUSES:
        raise ValueError(status)
    idea.status = status
    idea.staff_message = bounded("message", message, STAFF_MESSAGE_MAX, required=False)
    write_versions(session, idea, versions or {}, {"staff_message": STAFF_MESSAGE_MAX})
    idea.reviewed_at = as_utc(now or utcnow())
    if idea.submitter_id is not None:
        enqueue(session, user_id=idea.submitter_id, kind="idea.status", ref=str(idea.id),
                due_at=now or utcnow(), dedupe_key=f"idea:{idea.id}:status:{status}")


def announce_adopted(session: Session, idea: Idea, *, now: datetime | None = None) -> int:
    """Tell everyone who submitted to the call, and the call's followers, that this idea
    was adopted; returns how many were told."""

    if idea.status != ADOPTED:
        raise IdeaError("not_adopted")
    idea.announced = True
    people = set(session.scalars(select(Idea.submitter_id).where(
        Idea.call_id == idea.call_id, Idea.submitter_id.is_not(None))))
    call = idea.call
    people |= set(session.scalars(followers(session, category=call.category or None,
                                            area=call.area or None)))
    for user_id in people:
        enqueue(session, user_id=user_id, kind="idea.adopted", ref=str(idea.id),
                due_at=now or utcnow(), dedupe_key=f"idea:{idea.id}:adopted:{user_id}")
    return len(people)


def my_ideas(session: Session, user: User, limit: int = 10) -> list[Idea]:
    return list(session.scalars(select(Idea).where(Idea.submitter_id == user.id)
                                .order_by(Idea.id.desc()).limit(limit)))


# -- photos and personal data ----------------------------------------------------------------


def forget_photo(session: Session, line_user_id: str, message_id: str) -> None:
    """Unsend hook: an unsent photo is no longer part of the idea (whoever sent it: the
    submitter, or a supporter acting for them)."""
    session.execute(update(Idea).where(Idea.photo_message_id == message_id,
                                       Idea.submitter_id.in_(
                                           owners_of_sent(line_user_id, message_id)))
                    .values(photo_message_id=None),
                    execution_options={"synchronize_session": False})


def erase(session: Session, user: User) -> None:
    """Delete my data: the ward keeps submitted ideas (they may already shape a policy), but
    no longer linked to me; their photo references and "could help" answer go, and so do
    pending messages to me about them. Ideas still only received (not yet looked at) are
    deleted outright: nothing has been built on them yet."""
    mine = select(Idea.id).where(Idea.submitter_id == user.id)
    for idea_id in list(session.scalars(mine)):
        cancel(session, ref=str(idea_id), kind="idea.status")
    session.execute(delete(Idea).where(Idea.submitter_id == user.id,
                                       Idea.status == SUBMITTED),
                    execution_options={"synchronize_session": False})
    session.execute(update(Idea).where(Idea.submitter_id == user.id)
                    .values(submitter_id=None, photo_message_id=None, can_help=None),
                    execution_options={"synchronize_session": False})



def keeps_photo() -> ColumnElement[bool]:
    """True of the photos some idea shows (models.photos.sweep keeps them)."""
    return exists().where(and_(Idea.submitter_id == Photo.owner_id,
                               Idea.photo_message_id == Photo.message_id))
