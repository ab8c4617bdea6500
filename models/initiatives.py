"""Initiatives presented by anyone (取組提示型): interest, messages, contacts, opinions.

An initiative is presented by a resident or an organisation's member (its presenter), is
published at once or after staff review (INITIATIVE_MODERATION), and moves
open -> preparing -> running -> done. Others express interest (what they can bring and an
optional message); the presenter is told at once through the outbox and can answer through
the bot. Neither side sees the other's LINE id: messages are relayed, and contact details
are passed on only when both sides have agreed and typed theirs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, bounded, utcnow
from models.gatherings import Gathering, Rsvp, invite, upcoming
from models.locales import N_
from models.organisations import Organisation, is_public, public_clause
from models.outbox import cancel, enqueue
from models.photos import Photo, owners_of_sent
from models.subscriptions import notify_new_item
from models.texts import Translated, erase_texts, original_language
from models.users import Rights, User

REVIEW, OPEN, PREPARING, RUNNING, DONE, REJECTED = (
    "review", "open", "preparing", "running", "done", "rejected")
PUBLIC = (OPEN, PREPARING, RUNNING, DONE)
ACTIVE = (OPEN, PREPARING, RUNNING)  # interest and gatherings are possible
# Translators: the state of an initiative, shown on its card
STATUSES: dict[str, str] = {
    REVIEW: N_("Awaiting review"),
    OPEN: N_("Looking for partners"),
    PREPARING: N_("Preparing"),
    RUNNING: N_("Running"),
    # Translators: the initiative has ended (not the "Done" button that ends a choice)
    DONE: N_("Finished"),
    REJECTED: N_("Not published"),
}
NEXT_STATUS = {OPEN: PREPARING, PREPARING: RUNNING, RUNNING: DONE}

# Translators: kinds of help an initiative wants, and a person can offer
HELP_KINDS: dict[str, str] = {
    "people": N_("People"),
    "knowhow": N_("Know-how"),
    "venue": N_("A venue"),
    "funds": N_("Funds"),
    "other": N_("Other help"),
}

TITLE_MAX = 80
SUMMARY_MAX = 1000
MESSAGE_MAX = 500
OPINION_MAX = 1000
QUESTION_MAX = 300
CONTACT_MAX = 200


class Initiative(Translated, Base):
    __tablename__ = "initiatives"
    TEXT_KIND = "initiative"
    TEXT_FIELDS = ("title", "summary")

    id: Mapped[int] = mapped_column(primary_key=True)
    presenter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    # the organisation that presents it, when its presenter presents it for one
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(Text)
    # ",people,venue,": a LIKE on one column finds "wants the help I can give" everywhere
    help_wanted: Mapped[str] = mapped_column(String(80), default="")
    area: Mapped[str] = mapped_column(String(64), default="")
    category: Mapped[str] = mapped_column(String(32), default="", index=True)
    photo_message_id: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # asking for opinions (意見): the presenter's question, None when not asking
    opinion_question: Mapped[str | None] = mapped_column(String(QUESTION_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # the presenting organisation, read with the initiative (its name is on every card)
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    interests: Mapped[list[Interest]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def helps(self) -> list[str]:
        return [h for h in self.help_wanted.strip(",").split(",") if h in HELP_KINDS]


class Interest(Base):
    """Someone would like to work on the initiative with its presenter (協働を希望)."""

    __tablename__ = "initiative_interests"
    __table_args__ = (UniqueConstraint("initiative_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"),
                                               index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    offers: Mapped[str] = mapped_column(String(80), default="")  # ",people,knowhow,"
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX), default="")
    # contact details, each typed by its owner when agreeing; passed on when both are set
    member_contact: Mapped[str | None] = mapped_column(String(CONTACT_MAX))
    presenter_contact: Mapped[str | None] = mapped_column(String(CONTACT_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    initiative: Mapped[Initiative] = relationship(back_populates="interests")

    @property
    def offered(self) -> list[str]:
        return [h for h in self.offers.strip(",").split(",") if h in HELP_KINDS]

    @property
    def contacts_shared(self) -> bool:
        return bool(self.member_contact and self.presenter_contact)


class RelayMessage(Base):
    """A message between a presenter and an interested person, relayed by the bot."""

    __tablename__ = "initiative_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(
        ForeignKey("initiative_interests.id", ondelete="CASCADE"), index=True)
    from_presenter: Mapped[bool]
    body: Mapped[str] = mapped_column(String(MESSAGE_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    interest: Mapped[Interest] = relationship()


class Opinion(Base):
    __tablename__ = "initiative_opinions"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"),
                                               index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(16))  # the initiative's status when given
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _codes(values: list[str]) -> str:
    kept = [v for v in dict.fromkeys(values) if v in HELP_KINDS]
    return f",{','.join(kept)}," if kept else ""


# -- presenting ----------------------------------------------------------------------------


def present(session: Session, presenter: User, *, title: str, summary: str,
            help_wanted: list[str], area: str = "", category: str = "",
            photo_message_id: str | None = None, moderated: bool = False,
            organisation_id: int | None = None) -> Initiative:
    """A new initiative, presented by `presenter` (for their organisation, with
    `organisation_id`: the caller checks they are a member). Published at once unless
    `moderated`; the organisation's followers then hear of it."""
    initiative = Initiative(
        presenter_id=presenter.id, organisation_id=organisation_id,
        title=bounded("title", title, TITLE_MAX),
        summary=bounded("summary", summary, SUMMARY_MAX), help_wanted=_codes(help_wanted),
        area=area, category=category, photo_message_id=photo_message_id,
        status=REVIEW if moderated else OPEN,
        original_locale=original_language(presenter.locale))
    if not moderated:
        initiative.published_at = utcnow()
    session.add(initiative)
    session.flush()
    if not moderated:
        _announce(session, initiative)
    return initiative


def _announce(session: Session, initiative: Initiative) -> None:
    """Tell the followers of the presenting organisation (a verified one) about it."""
    organisation = initiative.organisation
    if organisation is None or not is_public(organisation):
        return
    tz = session.info.get("config", {}).get("BOT_TIMEZONE", "Asia/Tokyo")
    notify_new_item(session, "initiative", str(initiative.id), None, None,
                    organisation_id=organisation.id, tz=tz)


def review(session: Session, initiative: Initiative, *, approve: bool) -> bool:
    """Staff's decision on one awaiting review; its presenter is told either way
    (`initiative.reviewed`). False when it was not awaiting review (decided already)."""
    if initiative.status != REVIEW:
        return False
    initiative.status = OPEN if approve else REJECTED
    if approve:
        initiative.published_at = utcnow()
        _announce(session, initiative)
    enqueue(session, user_id=initiative.presenter_id, kind="initiative.reviewed",
            ref=str(initiative.id), due_at=utcnow(),
            dedupe_key=f"initiative:{initiative.id}:reviewed")
    return True


def advance(session: Session, initiative: Initiative) -> str | None:
    """The next status (open -> preparing -> running -> done), or None when done."""
    following = NEXT_STATUS.get(initiative.status)
    if following is not None:
        initiative.status = following
    return following


def close(session: Session, initiative: Initiative) -> None:
    initiative.status = DONE  # opinions may still be asked for afterwards


def can_manage(rights: Rights, initiative: Initiative) -> bool:
    """The presenter, or ward staff (who may facilitate, seeds/004)."""
    return initiative.presenter_id == rights.user_id or rights.is_staff


# -- browsing ------------------------------------------------------------------------------


def browse(session: Session, *, category: str | None = None, area: str | None = None,
           help_kind: str | None = None, mine_for: int | None = None, offset: int = 0,
           limit: int = 10) -> tuple[list[Initiative], bool]:
    """Published initiatives, newest first; (page, whether there are more)."""
    query = select(Initiative)
    if mine_for is not None:
        query = query.where(Initiative.presenter_id == mine_for,
                            Initiative.status != REJECTED)
    else:
        query = query.where(Initiative.status.in_(ACTIVE),
                            public_clause(Initiative.organisation_id))
    if category:
        query = query.where(Initiative.category == category)
    if area:
        query = query.where(Initiative.area == area)
    if help_kind in HELP_KINDS:
        query = query.where(Initiative.help_wanted.like(f"%,{help_kind},%"))
    rows = list(session.scalars(query.order_by(Initiative.id.desc())
                                .offset(max(0, offset)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def of_organisation(session: Session, organisation_id: int, limit: int = 3) -> list[Initiative]:
    """The organisation's open (active) initiatives, newest first."""
    return list(session.scalars(select(Initiative).where(
        Initiative.organisation_id == organisation_id, Initiative.status.in_(ACTIVE))
        .order_by(Initiative.id.desc()).limit(limit)))


def awaiting_review(session: Session, limit: int = 10) -> list[Initiative]:
    return list(session.scalars(select(Initiative).where(Initiative.status == REVIEW)
                                .order_by(Initiative.id).limit(limit)))


def with_counts(session: Session, *, status: str | None = None,
                limit: int = 200) -> list[tuple[Initiative, int, int]]:
    """Initiatives for staff, newest first, each with how many expressed interest and how
    many gatherings (not cancelled) it has: one statement (counted in subqueries)."""
    interested = (select(func.count(Interest.id)).where(Interest.initiative_id == Initiative.id)
                  .correlate(Initiative).scalar_subquery())
    gathered = (select(func.count(Gathering.id))
                .where(Gathering.initiative_id == Initiative.id, Gathering.cancelled.is_(False))
                .correlate(Initiative).scalar_subquery())
    query = select(Initiative, interested, gathered)
    if status:
        query = query.where(Initiative.status == status)
    rows = session.execute(query.order_by(Initiative.id.desc()).limit(limit))
    return [(initiative, int(i), int(g)) for initiative, i, g in rows]


def count_interest(session: Session, initiative: Initiative) -> int:
    return session.scalar(select(func.count()).select_from(Interest).where(
        Interest.initiative_id == initiative.id)) or 0


# -- interest ------------------------------------------------------------------------------


class NotOpen(ValueError):
    """The initiative takes no interest (not published, or done)."""


def express_interest(session: Session, initiative: Initiative, user: User, *,
                     offers: list[str], message: str = "", now: datetime | None = None,
                     invitation_shown: bool = False) -> Interest:
    """Record interest (again: the answers are updated), tell the presenter at once (once
    per interested person: a second time updates the answers without a second message),
    and invite the person to the initiative's gatherings already scheduled (without a
    message when `invitation_shown`: the caller shows the invitation itself)."""
    if initiative.status not in ACTIVE:
        raise NotOpen(initiative.status)
    message = bounded("message", message, MESSAGE_MAX, required=False)
    interest = session.scalar(select(Interest).where(Interest.initiative_id == initiative.id,
                                                     Interest.user_id == user.id))
    if interest is None:
        interest = Interest(initiative_id=initiative.id, user_id=user.id)
        session.add(interest)
    interest.offers, interest.message = _codes(offers), message
    session.flush()
    enqueue(session, user_id=initiative.presenter_id, kind="initiative.interest",
            ref=str(interest.id), due_at=now or utcnow(), urgent=True,
            dedupe_key=f"interest:{interest.id}")
    for gathering in upcoming(session, initiative_id=initiative.id, now=now):
        invite(session, gathering, [user.id], now=now, shown=invitation_shown)
    return interest


def interest_of(session: Session, initiative: Initiative, user: User) -> Interest | None:
    return session.scalar(select(Interest).where(Interest.initiative_id == initiative.id,
                                                 Interest.user_id == user.id))


def interests(session: Session, initiative: Initiative) -> list[Interest]:
    return list(session.scalars(select(Interest).where(Interest.initiative_id == initiative.id)
                                .order_by(Interest.id)))


def relay(session: Session, interest: Interest, *, from_presenter: bool, body: str,
          now: datetime | None = None) -> RelayMessage:
    """A message to the other side, pushed at once (urgent)."""
    message = RelayMessage(interest_id=interest.id, from_presenter=from_presenter,
                           body=bounded("message", body, MESSAGE_MAX))
    session.add(message)
    session.flush()
    to = interest.user_id if from_presenter else interest.initiative.presenter_id
    enqueue(session, user_id=to, kind="initiative.message", ref=str(message.id),
            due_at=now or utcnow(), urgent=True, dedupe_key=f"relay:{message.id}")
    return message


def agree_to_share(session: Session, interest: Interest, *, presenter: bool, contact: str,
                   now: datetime | None = None) -> bool:
    """One side agrees and gives its contact; when both have, both receive the other's.

    Returns True when the contacts were passed on by this call.
    """
    contact = bounded("contact", contact, CONTACT_MAX)
    already = interest.contacts_shared
    if presenter:
        interest.presenter_contact = contact
    else:
        interest.member_contact = contact
    if interest.contacts_shared and not already:
        for user_id in (interest.user_id, interest.initiative.presenter_id):
            enqueue(session, user_id=user_id, kind="initiative.contacts",
                    ref=str(interest.id), due_at=now or utcnow(), urgent=True,
                    dedupe_key=f"contacts:{interest.id}:{user_id}")
        return True
    if not interest.contacts_shared:
        other = interest.user_id if presenter else interest.initiative.presenter_id
        enqueue(session, user_id=other, kind="initiative.contact_request",
                ref=str(interest.id), due_at=now or utcnow(), urgent=True,
                dedupe_key=f"contact_request:{interest.id}:{other}")
    return False


# -- opinions ------------------------------------------------------------------------------


def ask_opinions(session: Session, initiative: Initiative, question: str) -> None:
    initiative.opinion_question = bounded("question", question, QUESTION_MAX)


def stop_opinions(session: Session, initiative: Initiative) -> None:
    initiative.opinion_question = None


def give_opinion(session: Session, initiative: Initiative, user: User, body: str) -> Opinion:
    if not initiative.opinion_question or initiative.status not in PUBLIC:
        raise NotOpen("not asking for opinions")
    opinion = Opinion(initiative_id=initiative.id, user_id=user.id, phase=initiative.status,
                      body=bounded("opinion", body, OPINION_MAX))
    session.add(opinion)
    session.flush()
    return opinion


def opinions(session: Session, initiative: Initiative, *, offset: int = 0,
             limit: int = 10) -> tuple[list[Opinion], int]:
    total = session.scalar(select(func.count()).select_from(Opinion).where(
        Opinion.initiative_id == initiative.id)) or 0
    rows = list(session.scalars(select(Opinion).where(Opinion.initiative_id == initiative.id)
                                .order_by(Opinion.id).offset(offset).limit(limit)))
    return rows, total


# -- photos and personal data ----------------------------------------------------------------


def forget_photo(session: Session, line_user_id: str, message_id: str) -> None:
    """Unsend hook: the photo's sender (the presenter, or a supporter acting for them)
    unsent it; drop our reference to it."""
    for initiative in session.scalars(
            select(Initiative).where(Initiative.photo_message_id == message_id,
                                     Initiative.presenter_id.in_(
                                         owners_of_sent(line_user_id, message_id)))):
        initiative.photo_message_id = None


def erase(session: Session, user: User) -> None:
    """Delete my data: my initiatives (with the interest, messages and opinions they drew),
    my interest in others' initiatives and my opinions. Pending notifications about them go
    with the rows (outbox rows to me are removed by the users cascade)."""
    mine = list(session.scalars(select(Initiative.id).where(Initiative.presenter_id == user.id)))
    my_interests = list(session.scalars(select(Interest.id).where(or_(
        Interest.user_id == user.id, Interest.initiative_id.in_(mine)))))
    for interest_id in my_interests:
        cancel(session, ref=str(interest_id), kind="initiative.interest")
        cancel(session, ref=str(interest_id), kind="initiative.contacts")
        cancel(session, ref=str(interest_id), kind="initiative.contact_request")
    message_ids = list(session.scalars(select(RelayMessage.id).where(
        RelayMessage.interest_id.in_(my_interests))))
    for message_id in message_ids:
        cancel(session, ref=str(message_id), kind="initiative.message")
    session.execute(delete(RelayMessage).where(RelayMessage.interest_id.in_(my_interests)))
    session.execute(delete(Interest).where(Interest.id.in_(my_interests)))
    session.execute(delete(Opinion).where(or_(Opinion.user_id == user.id,
                                              Opinion.initiative_id.in_(mine))))
    if mine:
        gatherings = list(session.scalars(select(Gathering.id).where(
            Gathering.initiative_id.in_(mine))))
        for gathering_id in gatherings:
            cancel(session, ref=str(gathering_id), kind="gathering.reminder")
            cancel(session, ref=str(gathering_id), kind="gathering.invite")
        session.execute(delete(Rsvp).where(Rsvp.gathering_id.in_(gatherings)))
        session.execute(delete(Gathering).where(Gathering.id.in_(gatherings)))
        erase_texts(session, Gathering.TEXT_KIND, gatherings)
    session.execute(delete(Initiative).where(Initiative.id.in_(mine)))
    erase_texts(session, Initiative.TEXT_KIND, mine)



def keeps_photo() -> ColumnElement[bool]:
    """True of the photos some initiative shows (models.photos.sweep keeps them)."""
    return exists().where(and_(Initiative.presenter_id == Photo.owner_id,
                               Initiative.photo_message_id == Photo.message_id))
