"""The notification outbox: every push the bot makes on its own is a row here first.

Domain code writes rows (`enqueue`, `enqueue_many`) and takes them back (`cancel`); the
scheduler's dispatcher (bot/notify.py) is the only reader. A row says who, what kind, what it
refers to and when; the message itself is rendered at send time, so a changed venue or time
is never sent stale.

Row life: pending -> sending (claimed by one dispatcher, with a claim token) -> sent; or
skipped (unfollowed, opted out, no longer relevant), failed (gave up after
NOTIFY_MAX_ATTEMPTS, `last_error` says why) or cancelled (by the domain, while pending).
A row that failed a send keeps its `retry_key` and goes back to pending with `retry_at`;
it is always re-sent together with the same rows under the same X-Line-Retry-Key, so a retry
that LINE had in fact accepted answers 409 and delivers nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

PENDING, SENDING, SENT, SKIPPED, FAILED, CANCELLED = (
    "pending", "sending", "sent", "skipped", "failed", "cancelled")
STATUSES = (PENDING, SENDING, SENT, SKIPPED, FAILED, CANCELLED)


def as_utc(value: datetime) -> datetime:
    """Aware UTC. SQLite keeps a datetime's fields without the offset, so every time written
    to these tables is UTC first; a naive value read back from SQLite is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_due_at", "status", "due_at"),
                      Index("ix_notifications_kind_ref", "kind", "ref"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))  # what it refers to, e.g. "signup:12"
    due_at: Mapped[datetime]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    urgent: Mapped[bool] = mapped_column(default=False)  # urgent rows ignore quiet hours
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    retry_key: Mapped[str | None] = mapped_column(String(36), index=True)
    retry_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} {self.status}>"


def enqueue(session: Session, *, user_id: int, kind: str, ref: str, due_at: datetime,
            dedupe_key: str, urgent: bool = False) -> Notification:
    """Add a notification, once per `dedupe_key`.

    Enqueueing a key again moves a pending row to the new due time (an item's time changed),
    revives a cancelled one (signed up again) and leaves a sent, skipped or failed one alone.
    """
    due_at = as_utc(due_at)
    row = session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))
    if row is None:
        row = Notification(user_id=user_id, kind=kind, ref=ref, due_at=due_at,
                           dedupe_key=dedupe_key, urgent=urgent, status=PENDING, attempts=0)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another transaction enqueued the same key just now
            row = session.scalars(
                select(Notification).where(Notification.dedupe_key == dedupe_key)).one()
        else:
            return row
    if row.status == CANCELLED:
        row.status, row.attempts, row.retry_key, row.retry_at = PENDING, 0, None, None
        row.last_error = None
    if row.status == PENDING:
        row.due_at, row.urgent = due_at, urgent
    return row


def enqueue_many(session: Session, rows: Iterable[dict[str, Any]], *, chunk: int = 5_000) -> int:
    """Insert many notifications at once (announcements, new items), skipping known keys.

    Each row is a dict with user_id, kind, ref, due_at, dedupe_key and optionally urgent.
    Returns how many rows were new.
    """
    insert = _insert_ignoring_duplicates(session)
    total = 0
    batch: list[dict[str, Any]] = []
    now = utcnow()

    def flush() -> int:
        if not batch:
            return 0
        new = len(session.execute(insert, batch).all())
        batch.clear()
        return new

    for row in rows:
        batch.append({"urgent": False, **row, "due_at": as_utc(row["due_at"]),
                      "status": PENDING, "attempts": 0, "created_at": now})
        if len(batch) >= chunk:
            total += flush()
    total += flush()
    return total


def _insert_ignoring_duplicates(session: Session):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the bot runs on SQLite and PostgreSQL
        raise RuntimeError(f"enqueue_many does not support {dialect}")
    return (insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.id))


def cancel(session: Session, *, dedupe_key: str | None = None, ref: str | None = None,
           kind: str | None = None) -> int:
    """Cancel pending notifications by key, or by what they refer to (optionally one kind)."""
    if dedupe_key is None and ref is None:
        raise ValueError("cancel needs a dedupe_key or a ref")
    statement = update(Notification).where(Notification.status == PENDING)
    if dedupe_key is not None:
        statement = statement.where(Notification.dedupe_key == dedupe_key)
    if ref is not None:
        statement = statement.where(Notification.ref == ref)
    if kind is not None:
        statement = statement.where(Notification.kind == kind)
    result = session.execute(statement.values(status=CANCELLED),
                             execution_options={"synchronize_session": False})
    return result.rowcount or 0


def claim_due(session: Session, *, now: datetime, wall_now: datetime, limit: int,
              urgent_only: bool, stale_before: datetime) -> str | None:
    """Claim up to `limit` due rows for this dispatcher; returns the claim token, or None.

    One UPDATE whose inner SELECT takes `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
    dispatchers never wait on or claim the same rows; on SQLite the UPDATE takes the
    database's write lock and re-checks the status, which is just as exclusive. Rows left in
    `sending` by a dispatcher that died (claimed before `stale_before`) are claimed again.
    """
    token = uuid.uuid4().hex
    now, wall_now, stale_before = as_utc(now), as_utc(wall_now), as_utc(stale_before)
    due = and_(Notification.status == PENDING, Notification.due_at <= now,
               or_(Notification.retry_at.is_(None), Notification.retry_at <= now))
    if urgent_only:
        due = and_(due, Notification.urgent.is_(True))
    stale = and_(Notification.status == SENDING, Notification.claimed_at < stale_before)
    if urgent_only:
        stale = and_(stale, Notification.urgent.is_(True))
    candidates = (select(Notification.id).where(or_(due, stale))
                  .order_by(Notification.due_at).limit(limit)
                  .with_for_update(skip_locked=True))
    result = session.execute(
        update(Notification)
        .where(Notification.id.in_(candidates.scalar_subquery()), or_(due, stale))
        .values(status=SENDING, claim_token=token, claimed_at=wall_now),
        execution_options={"synchronize_session": False})
    session.commit()
    return token if result.rowcount else None


def set_status(session: Session, ids: Sequence[int], status: str, *,
               error: str | None = None, sent_at: datetime | None = None) -> None:
    for part in _parts(ids):
        values: dict[str, Any] = {"status": status, "claim_token": None}
        if error is not None:
            values["last_error"] = error[:200]
        if sent_at is not None:
            values["sent_at"] = sent_at
        session.execute(update(Notification).where(Notification.id.in_(part)).values(**values),
                        execution_options={"synchronize_session": False})


def _parts(ids: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    # SQLite allows a limited number of bound parameters per statement
    return [ids[i:i + size] for i in range(0, len(ids), size)]
