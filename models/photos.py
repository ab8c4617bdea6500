"""Photos people send: an initiative's optional photo, an idea sent as a photo; and an
organisation's logo, uploaded in the console (models/logos.py), which has no owner: it is the
organisation's, and stays when the member who uploaded it deletes their data.

A photo is kept for its owner (whose initiative or idea it illustrates) under LINE's message
id; initiatives and ideas keep that message id (`photo_message_id`). Its sender is the owner,
or the digital supporter who sent it while acting for the owner: an unsend event comes from
the sender's account, so unsending matches the sender. The bytes are a row of their own
(`photos`), not a file under the instance folder: every process of a scaled-out deployment
(web instances serving the photo, workers storing it) sees the same rows on SQLite and
PostgreSQL alike, and storing, unsending and "delete my data" are each one transaction,
so a photo is never half stored or left behind. PHOTO_MAX_BYTES bounds each photo.

A photo is stored when it is sent, before the dialog that asked for it is confirmed; one
that no initiative or idea took up (the person cancelled, or walked away) is deleted by the
`photos.sweep` job after a day.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    LargeBinary,
    Select,
    String,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.users import User

# what LINE delivers for an image message (JPEG), and what a phone may send besides
PHOTO_TYPES = ("image/jpeg", "image/png")
DRAFT_HOURS = 24  # an unclaimed photo is kept this long (longer than any dialog's TTL)


class Photo(Base):
    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("owner_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for an organisation's logo
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                 index=True)
    message_id: Mapped[str] = mapped_column(String(32))
    # who sent it: the owner, or a supporter acting for them (None once the sender is erased)
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # the address of the photo for LINE's Flex hero image: unguessable, like a calendar link
    token: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TooBig(ValueError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes; at most {limit}")
        self.size, self.limit = size, limit


class NotAPhoto(ValueError):
    """The content is not an image type the bot keeps."""


def store(session: Session, owner: User, message_id: str, data: bytes, content_type: str, *,
          max_bytes: int, sender: User | None = None) -> Photo:
    """Keep the photo for `owner` (again: the same message replaces its bytes); `sender` is
    the supporter who sent it for them, if not the owner. Raises TooBig or NotAPhoto before
    anything is written."""
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in PHOTO_TYPES:
        raise NotAPhoto(content_type)
    if len(data) > max_bytes:
        raise TooBig(len(data), max_bytes)
    photo = photo_of(session, owner.id, message_id)
    if photo is None:
        photo = Photo(owner_id=owner.id, message_id=message_id[:32],
                      sender_id=(sender or owner).id, token=secrets.token_urlsafe(32))
        session.add(photo)
    photo.data, photo.size, photo.content_type = data, len(data), content_type
    session.flush()
    return photo


def photo_of(session: Session, owner_id: int | None, message_id: str | None) -> Photo | None:
    if owner_id is None or not message_id:
        return None
    return session.scalar(select(Photo).where(Photo.owner_id == owner_id,
                                              Photo.message_id == message_id))


def token_of(session: Session, owner_id: int | None, message_id: str | None) -> str | None:
    """The photo's address token, without loading its bytes."""
    if owner_id is None or not message_id:
        return None
    return session.scalar(select(Photo.token).where(Photo.owner_id == owner_id,
                                                    Photo.message_id == message_id))


def by_token(session: Session, token: str) -> Photo | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Photo).where(Photo.token == token))


def discard(session: Session, owner_id: int, message_id: str | None) -> None:
    """The person stopped before using the photo: do not keep it."""
    if message_id:
        session.execute(delete(Photo).where(Photo.owner_id == owner_id,
                                            Photo.message_id == message_id))


def owners_of_sent(line_user_id: str, message_id: str) -> Select[tuple[int]]:
    """The ids of the people the photo message the person sent is kept for (themselves, or
    the residents they sent it for as a supporter): what the unsend hooks match."""
    sender = select(User.id).where(User.line_user_id == line_user_id).scalar_subquery()
    return select(Photo.owner_id).where(Photo.sender_id == sender,
                                        Photo.message_id == message_id)


def forget(session: Session, line_user_id: str, message_id: str) -> None:
    """Unsend hook: the sender unsent the photo message; its stored bytes go, whoever they
    were kept for. (Registered after the hooks that find owners through owners_of_sent.)"""
    sender = select(User.id).where(User.line_user_id == line_user_id).scalar_subquery()
    session.execute(delete(Photo).where(Photo.sender_id == sender,
                                        Photo.message_id == message_id),
                    execution_options={"synchronize_session": False})


def sweep(session: Session, *, in_use: Iterable[ColumnElement[bool]],
          now: datetime | None = None) -> int:
    """Delete photos older than DRAFT_HOURS that nothing took up. `in_use`: for each kind of
    row that keeps photos (an initiative, an idea), a clause true of the photos it keeps
    (`models.initiatives.keeps_photo`, `models.ideas.keeps_photo`)."""
    cutoff = (now or utcnow()) - timedelta(hours=DRAFT_HOURS)
    kept = [~clause for clause in in_use]
    result = session.execute(delete(Photo).where(Photo.created_at < cutoff, *kept),
                             execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)


def erase(session: Session, user: Any) -> None:
    """Delete my data: every photo I sent (ideas the ward keeps lose theirs)."""
    session.execute(delete(Photo).where(Photo.owner_id == user.id),
                    execution_options={"synchronize_session": False})

