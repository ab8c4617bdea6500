"""Organisations (団体): the NPOs, 町会・自治会, companies, schools and ward departments that
offer activities and present initiatives, their members, invitations and followers.

An organisation registers (from the chat or the console) and its registrant becomes its
owner. Unless verification is waived (ORGANISATION_VERIFICATION = "waived"), what it posts
is public only once staff have verified it. Owners invite co-organisers with a one-time code
(kept only as a hash); members are owners or editors; a member can leave, and an owner can
hand ownership over. Every change is audit-logged with who did it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, bounded, utcnow
from models.locales import N_
from models.outbox import as_utc, enqueue
from models.photos import Photo
from models.texts import ORIGINAL_LANGUAGES, ORIGINAL_LOCALE, Translated, save_versions
from models.users import User, audit

# kind -> its label (translated where it is shown)
KINDS: dict[str, str] = {
    "npo": N_("NPO"),
    "neighbourhood": N_("Neighbourhood group"),  # 町会・自治会
    "company": N_("Company"),
    "school": N_("University or school"),
    "ward": N_("Ward department"),
    "other": N_("Other group"),
}
OWNER, EDITOR = "owner", "editor"
MEMBER_ROLES = (OWNER, EDITOR)
PENDING, VERIFIED, SUSPENDED = "pending", "verified", "suspended"
STATUSES = (PENDING, VERIFIED, SUSPENDED)
NAME_MAX, DESCRIPTION_MAX, CONTACT_MAX, WEBSITE_MAX = 100, 1000, 200, 300
INVITE_DAYS = 7


class Organisation(Translated, Base):
    __tablename__ = "organisations"
    TEXT_KIND = "organisation"
    TEXT_FIELDS = ("name", "description")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="other")
    description: Mapped[str] = mapped_column(Text, default="")
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the organiser's own contact, for staff (from the open data's 連絡先 columns)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # what residents see: a phone number, an address or an e-mail address, as written
    public_contact: Mapped[str] = mapped_column(String(CONTACT_MAX), default="")
    website: Mapped[str] = mapped_column(String(WEBSITE_MAX), default="")
    # its logo (models/logos.py), a photo row without the bytes until they are asked for
    logo_photo_id: Mapped[int | None] = mapped_column(
        ForeignKey("photos.id", ondelete="SET NULL"))
    # registered ones start pending (register); those staff bring in (open data) are verified
    status: Mapped[str] = mapped_column(String(16), default=VERIFIED, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    logo: Mapped[Photo | None] = relationship()
    activities: Mapped[list[Any]] = relationship("Activity", back_populates="organisation")
    members: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", passive_deletes=True)


class Membership(Base):
    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(16), default=EDITOR)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Invitation(Base):
    """A one-time code an owner gave someone to join; only its hash is kept."""

    __tablename__ = "organisation_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default=EDITOR)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Follow(Base):
    """A resident following an organisation: its new activities and initiatives reach them
    through their subscription settings."""

    __tablename__ = "organisation_follows"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotAllowed(PermissionError):
    """The person may not do this to this organisation (the caller audit-logs the refusal)."""


class InvalidInvitation(ValueError):
    """The code is unknown, used or expired (`reason`: "unknown", "used" or "expired")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# -- registering and verifying -----------------------------------------------------------


def register(session: Session, owner: User, *, name: str, kind: str, description: str = "",
             areas: list[str] | None = None, categories: list[str] | None = None,
             public_contact: str = "", website: str = "",
             verification_waived: bool = False,
             original_locale: str | None = None) -> Organisation:
    """A new organisation with `owner` as its owner; pending until staff verify it (unless
    verification is waived). Its name and description are written in `original_locale`
    (by default the ward's language). Raises ValueError for an empty or taken name, an
    unknown kind or language, TooLong for an over-long field."""
    name = bounded("name", name, NAME_MAX)
    if kind not in KINDS:
        raise ValueError("kind")
    original = _original(original_locale or ORIGINAL_LOCALE)
    if find_by_name(session, name) is not None:
        raise ValueError("taken")
    organisation = Organisation(
        name=name, kind=kind, description=bounded("description", description, DESCRIPTION_MAX,
                                                  required=False),
        areas=list(areas or []), categories=list(categories or []),
        public_contact=bounded("contact", public_contact, CONTACT_MAX, required=False),
        website=bounded("website", website, WEBSITE_MAX, required=False),
        original_locale=original, status=VERIFIED if verification_waived else PENDING,
        verified_at=utcnow() if verification_waived else None)
    organisation.members.append(Membership(user=owner, role=OWNER))
    session.add(organisation)
    session.flush()
    audit(session, "organisation.register", actor=owner, organisation=organisation.id)
    return organisation


def update_profile(session: Session, editor: User, organisation: Organisation, *, name: str,
                   kind: str, description: str = "", areas: list[str] | None = None,
                   categories: list[str] | None = None, public_contact: str = "",
                   website: str = "", versions: Mapping[tuple[str, str], str] | None = None,
                   reviewed: Iterable[str] = (), original_locale: str | None = None
                   ) -> list[str]:
    """Change the profile (members only: NotAllowed); the same checks as `register`, and
    the name's and description's versions ((field, locale) -> text, as
    models.texts.save_versions takes them, with the locales whose machine translations
    the member checked). Returns the names of the fields that changed ("description_en"
    for a version), which are audit-logged."""
    if not can_edit(session, editor, organisation.id):
        raise NotAllowed("member")
    name = bounded("name", name, NAME_MAX)
    if kind not in KINDS:
        raise ValueError("kind")
    same_name = find_by_name(session, name)
    if same_name is not None and same_name.id != organisation.id:
        raise ValueError("taken")
    wanted = {
        "name": name, "kind": kind,
        "description": bounded("description", description, DESCRIPTION_MAX, required=False),
        "areas": list(areas or []), "categories": list(categories or []),
        "public_contact": bounded("contact", public_contact, CONTACT_MAX, required=False),
        "website": bounded("website", website, WEBSITE_MAX, required=False),
        "original_locale": _original(original_locale or organisation.original_locale)}
    changed = [field for field, value in wanted.items()
               if getattr(organisation, field) != value]
    for field in changed:
        setattr(organisation, field, wanted[field])
    limits = {"name": NAME_MAX, "description": DESCRIPTION_MAX}
    checked = {(field, locale): bounded(f"{field}_{locale}", text or "", limits[field],
                                        required=False)
               for (field, locale), text in (versions or {}).items()}
    changed += [f"{field}_{locale}" for field, locale
                in save_versions(session, organisation, checked, reviewed)]
    if changed:
        audit(session, "organisation.update", actor=editor, organisation=organisation.id,
              fields=changed)
    return changed


def _original(locale: str | None) -> str:
    """The language a profile is written in (やさしい日本語 is a version of a Japanese one)."""
    if locale not in ORIGINAL_LANGUAGES:
        raise ValueError("original_locale")
    return locale


def find_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(
        func.lower(Organisation.name) == name.strip().lower()))


def verify(session: Session, staff: User, organisation: Organisation) -> bool:
    """Verify (staff only: NotAllowed); False when it already was verified. The row is
    locked first (PostgreSQL), so that of two staff verifying at once one verifies and the
    other finds it done."""
    if not staff.has_role("staff"):
        raise NotAllowed("verify")
    session.refresh(organisation, ["status"], with_for_update=True)
    if organisation.status == VERIFIED:
        return False
    organisation.status, organisation.verified_at = VERIFIED, utcnow()
    audit(session, "organisation.verify", actor=staff, organisation=organisation.id)
    return True


def is_public(organisation: Organisation | None) -> bool:
    """Whether what the organisation posts is shown to residents (activities without an
    organisation are staff's own, always public)."""
    return organisation is None or organisation.status == VERIFIED


def public_clause(organisation_id: Any) -> Any:
    """A WHERE clause on an `organisation_id` column (Activity's, Initiative's): none, or a
    verified organisation, so a pending organisation's posts are never listed for residents.
    A subquery on the indexed status: it adds no statement to a search."""
    verified = select(Organisation.id).where(Organisation.status == VERIFIED)
    return or_(organisation_id.is_(None), organisation_id.in_(verified))


def search(session: Session, *, category: str | None = None, area: str | None = None,
           offset: int = 0, limit: int = 10) -> tuple[list[Organisation], bool]:
    """Verified organisations working in `category` and `area` (an organisation with no
    areas works in the whole ward), by name; (a page, whether there are more).

    Areas and categories are short JSON lists: matched as text (their JSON spelling) within
    the verified ones, a page at a time, which stays fast for thousands of organisations."""
    query = select(Organisation).where(Organisation.status == VERIFIED)
    if category:
        query = query.where(_json_has(Organisation.categories, category))
    if area:
        query = query.where(or_(_json_has(Organisation.areas, area),
                                cast(Organisation.areas, Text).in_(("[]", "null"))))
    rows = list(session.scalars(query.order_by(Organisation.name, Organisation.id)
                                .offset(max(0, offset)).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def listing(session: Session, *, status: str | None = None, name: str = "",
            offset: int = 0, limit: int = 50) -> tuple[list[Organisation], int]:
    """Staff's list: every organisation (or those with `status`, whose name contains `name`,
    any case), those waiting for verification first, then by name; (a page, how many in
    all)."""
    query = select(Organisation)
    if status:
        query = query.where(Organisation.status == status)
    if name.strip():
        query = query.where(func.lower(Organisation.name).contains(name.strip().lower(),
                                                                   autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by((Organisation.status == PENDING).desc(),
                                          Organisation.name, Organisation.id)
                           .offset(max(0, offset)).limit(limit))
    return list(rows), total


def _json_has(column: Any, value: str) -> Any:
    """Whether a JSON list column holds `value`, as its stored text spells it."""
    spelled = json.dumps(value)
    escaped = spelled.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return cast(column, Text).like(f"%{escaped}%", escape="!")


def pending(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(Organisation.status == PENDING)
                                .order_by(Organisation.created_at)))


# -- members ------------------------------------------------------------------------------


def membership(session: Session, user: User, organisation_id: int) -> Membership | None:
    return session.scalar(select(Membership).where(
        Membership.organisation_id == organisation_id, Membership.user_id == user.id))


def can_edit(session: Session, user: User, organisation_id: int | None) -> bool:
    """A member (owner or editor) of the organisation."""
    return organisation_id is not None and membership(session, user, organisation_id) is not None


def organisations_of(session: Session, user: User) -> list[Organisation]:
    return list(session.scalars(
        select(Organisation).join(Membership).where(Membership.user_id == user.id)
        .order_by(Organisation.name)))


def _require_owner(session: Session, user: User, organisation: Organisation) -> None:
    found = membership(session, user, organisation.id)
    if found is None or found.role != OWNER:
        raise NotAllowed("owner")


def add_member(session: Session, organisation: Organisation, user: User, *,
               role: str = EDITOR, actor: User | None = None) -> bool:
    """Make `user` a member (staff or the command line do this; organisers invite); False
    when they already were one."""
    if role not in MEMBER_ROLES:
        raise ValueError("role")
    if membership(session, user, organisation.id) is not None:
        return False
    session.add(Membership(organisation_id=organisation.id, user_id=user.id, role=role))
    audit(session, "organisation.add_member", actor=actor, subject=user,
          organisation=organisation.id, role=role)
    return True


def invite(session: Session, owner: User, organisation: Organisation, *, role: str = EDITOR,
           now: datetime | None = None) -> str:
    """A new one-time code for joining the organisation as `role`, valid INVITE_DAYS."""
    _require_owner(session, owner, organisation)
    if role not in MEMBER_ROLES:
        raise ValueError("role")
    code = secrets.token_hex(4).upper()  # 8 characters, easy to read out
    session.add(Invitation(organisation_id=organisation.id, code_hash=_hash(code), role=role,
                           created_by=owner.id,
                           expires_at=(now or utcnow()) + timedelta(days=INVITE_DAYS)))
    audit(session, "organisation.invite", actor=owner, organisation=organisation.id, role=role)
    return code


def accept(session: Session, user: User, code: str, *, now: datetime | None = None,
           ) -> Organisation:
    """Join with an invitation code; raises InvalidInvitation."""
    now = now or utcnow()
    invitation = session.scalar(select(Invitation).where(
        Invitation.code_hash == _hash(code.strip().upper())).with_for_update())
    if invitation is None:
        raise InvalidInvitation("unknown")
    if invitation.used_at is not None:
        raise InvalidInvitation("used")
    if as_utc(invitation.expires_at) <= now:
        raise InvalidInvitation("expired")
    invitation.used_at = now
    organisation = session.get(Organisation, invitation.organisation_id)
    assert organisation is not None
    if membership(session, user, organisation.id) is None:
        session.add(Membership(organisation_id=organisation.id, user_id=user.id,
                               role=invitation.role))
    audit(session, "organisation.join", actor=user, organisation=organisation.id,
          role=invitation.role)
    return organisation


def leave(session: Session, user: User, organisation: Organisation) -> None:
    """Leave; the last owner must hand ownership over first (NotAllowed)."""
    found = membership(session, user, organisation.id)
    if found is None:
        raise NotAllowed("member")
    if found.role == OWNER and _owners(session, organisation.id) == 1:
        raise NotAllowed("last owner")
    session.delete(found)
    audit(session, "organisation.leave", actor=user, organisation=organisation.id)


def remove_member(session: Session, organisation: Organisation, user: User, *,
                  actor: User | None = None) -> bool:
    """Staff (or the command line) taking `user` out of the organisation; False when they
    were not a member. The last owner stays (NotAllowed): ownership is handed over first."""
    found = membership(session, user, organisation.id)
    if found is None:
        return False
    if found.role == OWNER and _owners(session, organisation.id) == 1:
        raise NotAllowed("last owner")
    session.delete(found)
    audit(session, "organisation.remove_member", actor=actor, subject=user,
          organisation=organisation.id, role=found.role)
    return True


def hand_over(session: Session, owner: User, organisation: Organisation, to: User, *,
              now: datetime | None = None) -> None:
    """Make member `to` the owner; `owner` stays on as an editor. The new owner is told
    (`organisation.handed_over`, once per hand-over)."""
    _require_owner(session, owner, organisation)
    target = membership(session, to, organisation.id)
    if target is None:
        raise NotAllowed("not a member")
    if target.role != OWNER:
        now = as_utc(now or utcnow())
        enqueue(session, user_id=to.id, kind="organisation.handed_over",
                ref=str(organisation.id), due_at=now,
                dedupe_key=f"organisation.handed_over:{organisation.id}:{to.id}:"
                           f"{now.isoformat()}")
    target.role = OWNER
    mine = membership(session, owner, organisation.id)
    assert mine is not None
    if mine.id != target.id:
        mine.role = EDITOR
    audit(session, "organisation.hand_over", actor=owner, subject=to,
          organisation=organisation.id)


def members_of(session: Session, organisation_id: int) -> list[tuple[str | None, str]]:
    """(display name, role) of each member, owners first."""
    return [(name, role) for name, role in session.execute(
        select(User.display_name, Membership.role).join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Membership.role != OWNER, Membership.joined_at, Membership.id))]


def registrants(session: Session, organisation_ids: list[int]) -> dict[int, str | None]:
    """Organisation id -> the display name of its first owner: who registered it, unless
    ownership has been handed over since. One statement for all of them."""
    found: dict[int, str | None] = {}
    for organisation_id, name in session.execute(
            select(Membership.organisation_id, User.display_name)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id.in_(organisation_ids), Membership.role == OWNER)
            .order_by(Membership.joined_at.desc(), Membership.id.desc())):
        found[organisation_id] = name
    return found


def editors_of(session: Session, organisation_id: int) -> list[tuple[int, str | None]]:
    """(user id, display name) of the members who are not owners: whom ownership can be
    handed over to."""
    return [(user_id, name) for user_id, name in session.execute(
        select(User.id, User.display_name).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, Membership.role != OWNER)
        .order_by(Membership.joined_at, Membership.id))]


def member_ids(session: Session, organisation_id: int) -> list[int]:
    """The user ids of its members (owners and editors)."""
    return list(session.scalars(select(Membership.user_id).where(
        Membership.organisation_id == organisation_id).order_by(Membership.user_id)))


def _owners(session: Session, organisation_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organisation_id == organisation_id, Membership.role == OWNER)) or 0


# -- following ----------------------------------------------------------------------------


def follow(session: Session, user: User, organisation: Organisation) -> bool:
    """Follow; False when already following."""
    if is_following(session, user, organisation.id):
        return False
    session.add(Follow(user_id=user.id, organisation_id=organisation.id))
    return True


def unfollow(session: Session, user: User, organisation: Organisation) -> None:
    found = session.scalar(select(Follow).where(Follow.user_id == user.id,
                                                Follow.organisation_id == organisation.id))
    if found is not None:
        session.delete(found)


def is_following(session: Session, user: User, organisation_id: int) -> bool:
    return session.scalar(select(Follow.id).where(
        Follow.user_id == user.id, Follow.organisation_id == organisation_id)) is not None


def follower_count(session: Session, organisation_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Follow).where(
        Follow.organisation_id == organisation_id)) or 0


def followers(session: Session, organisation_id: int) -> list[int]:
    """The user ids following the organisation."""
    return list(session.scalars(select(Follow.user_id).where(
        Follow.organisation_id == organisation_id)))


def erase(session: Session, user: User) -> None:
    """A person's memberships and follows go with their data (their organisations stay)."""
    for model in (Membership, Follow):
        for row in session.scalars(select(model).where(model.user_id == user.id)):
            session.delete(row)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
