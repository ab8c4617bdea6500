"""The notification outbox: every push the bot makes on its own is a row here first.

Domain code writes rows (`enqueue`, `enqueue_many`) and takes them back (`cancel`); the
scheduler's dispatcher (bot/notify.py) is the only reader. A row says who, what kind, what it
refers to and when; the message itself is rendered at send time, so a changed venue or time
is never sent stale.

Row life: pending -> sending (claimed by one dispatcher) -> sent; or skipped (unfollowed,
opted out, no longer relevant), failed (gave up after NOTIFY_MAX_ATTEMPTS, `last_error` says
why) or cancelled (by the domain, while pending).

The retry key is the claim: `claim_fresh` takes up to one multicast's worth of due rows and
writes a new X-Line-Retry-Key on them in the same UPDATE, so a batch's key is stored before
it is sent without a write of its own, and `mark_sent` / `record_failure` settle a whole
batch with one UPDATE by key. A row that failed a send keeps its key and goes back to
pending; `claim_keyed` takes such rows back a whole key at a time, so a retry is always the
same rows under the same key and one that LINE had in fact accepted answers 409 and delivers
nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    and_,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

PENDING, SENDING, SENT, SKIPPED, FAILED, CANCELLED = (
    "pending", "sending", "sent", "skipped", "failed", "cancelled")
STATUSES = (PENDING, SENDING, SENT, SKIPPED, FAILED, CANCELLED)

FRESH_INDEX, FRESH_WHERE = ("ix_notifications_fresh_due_at",
                            "status = 'pending' AND retry_key IS NULL")
RETRY_INDEX, RETRY_WHERE = ("ix_notifications_retry_due_at",
                            "status = 'pending' AND retry_key IS NOT NULL")
SENDING_INDEX, SENDING_WHERE = "ix_notifications_sending_claimed_at", "status = 'sending'"


def as_utc(value: datetime) -> datetime:
    """Aware UTC. SQLite keeps a datetime's fields without the offset, so every time written
    to these tables is UTC first; a naive value read back from SQLite is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Notification(Base):
    __tablename__ = "notifications"
    # Partial indexes: a row is in one of the first three only while it waits, waits for a
    # retry or is being sent, so the millions of sent rows cost the dispatcher nothing and
    # each row touches few index entries on its way through. Queries name the status as a
    # literal: SQLite uses a partial index only then. The retry key index leaves out rows
    # without a key, else SQLite's planner takes "retry_key IS NULL" on it for a selective
    # test and sorts every waiting row at each claim.
    __table_args__ = (
        Index(FRESH_INDEX, "due_at", sqlite_where=text(FRESH_WHERE),
              postgresql_where=text(FRESH_WHERE)),
        Index(RETRY_INDEX, "due_at", sqlite_where=text(RETRY_WHERE),
              postgresql_where=text(RETRY_WHERE)),
        Index(SENDING_INDEX, "claimed_at", sqlite_where=text(SENDING_WHERE),
              postgresql_where=text(SENDING_WHERE)),
        Index("ix_notifications_retry_key", "retry_key",
              sqlite_where=text("retry_key IS NOT NULL"),
              postgresql_where=text("retry_key IS NOT NULL")),
        Index("ix_notifications_kind_ref", "kind", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))  # what it refers to, e.g. "signup:12"
    due_at: Mapped[datetime]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    urgent: Mapped[bool] = mapped_column(default=False)  # urgent rows ignore quiet hours
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    retry_key: Mapped[str | None] = mapped_column(String(36))
    retry_at: Mapped[datetime | None]
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
        if row.retry_key is not None and as_utc(row.due_at) != due_at:
            # new details at a new time are a new message, never a retry of the old one
            row.retry_key, row.retry_at = None, None
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
    after_bulk_insert(session, total)
    return total


ANALYZE_AFTER_ROWS = 10_000


def after_bulk_insert(session: Session, rows: int) -> None:
    """Refresh PostgreSQL's statistics of the outbox after a large insert (an announcement to
    everyone): autovacuum gets to it only later, and until then the planner takes the table
    for the small one it was and picks slow plans for the dispatch that follows at once."""
    if rows >= ANALYZE_AFTER_ROWS and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE notifications"))


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


def _is(status: str):  # type: ignore[no-untyped-def]
    # a literal, not a bound parameter: the partial indexes are used only then
    return Notification.status == literal_column(f"'{status}'")


def _due(now: datetime, urgent_only: bool):  # type: ignore[no-untyped-def]
    due = and_(_is(PENDING), Notification.due_at <= now,
               or_(Notification.retry_at.is_(None), Notification.retry_at <= now))
    return and_(due, Notification.urgent.is_(True)) if urgent_only else due


def claim_fresh(session: Session, *, now: datetime, wall_now: datetime, limit: int,
                urgent_only: bool, claims: int = 1) -> list[str]:
    """Claim due rows that were never tried, up to `claims` times `limit`, in one commit;
    returns the new retry key of each claim.

    Each claim is one UPDATE whose inner SELECT takes `FOR UPDATE SKIP LOCKED` on PostgreSQL,
    so two dispatchers never wait on or claim the same rows; on SQLite the UPDATE takes the
    database's write lock and re-checks the status, which is just as exclusive. The key it
    writes is the X-Line-Retry-Key of the batch these rows become.
    """
    now = as_utc(now)
    fresh = and_(_due(now, urgent_only), Notification.retry_key.is_(None))
    candidates = (select(Notification.id).where(fresh).order_by(Notification.due_at)
                  .limit(limit).with_for_update(skip_locked=True))
    if session.get_bind().dialect.name == "postgresql":
        # picked once, then joined by primary key: as `id IN (...)`, a plan made with stale
        # statistics (100,000 rows just written) re-ran the subquery for every waiting row
        picked = candidates.cte("picked").prefix_with("MATERIALIZED")
        claim = update(Notification).where(Notification.id == picked.c.id)
    else:
        claim = update(Notification).where(Notification.id.in_(candidates.scalar_subquery()),
                                           fresh)
    keys = []
    for _ in range(claims):
        key = str(uuid.uuid4())
        result = session.execute(
            claim.values(status=SENDING, retry_key=key, claimed_at=as_utc(wall_now)),
            execution_options={"synchronize_session": False})
        if not result.rowcount:
            break
        keys.append(key)
    session.commit()
    return keys


def claim_keyed(session: Session, *, now: datetime, wall_now: datetime, stale_before: datetime,
                urgent_only: bool, limit: int = 50) -> list[str]:
    """Claim rows to send again, a whole retry key at a time; returns the keys claimed.

    Those are rows whose send failed (pending again, past `retry_at`) and rows left in
    `sending` by a dispatcher that died (claimed before `stale_before`). Taking every row of
    a key together means a retry never splits a batch: were part of it sent under the key
    first, the rest would be answered 409 and never delivered.
    """
    now, stale_before = as_utc(now), as_utc(stale_before)
    waiting = and_(_due(now, urgent_only), Notification.retry_key.is_not(None))
    stale = and_(_is(SENDING), Notification.claimed_at < stale_before)
    if urgent_only:
        stale = and_(stale, Notification.urgent.is_(True))
    keys = session.scalars(  # UNION: each half uses its own partial index, and no key twice
        select(Notification.retry_key).where(waiting)
        .union(select(Notification.retry_key).where(stale)).limit(limit)).all()
    claimed = []
    for key in keys:
        result = session.execute(
            update(Notification)
            .where(Notification.retry_key == key,
                   or_(_is(PENDING), and_(_is(SENDING), Notification.claimed_at < stale_before)))
            .values(status=SENDING, claimed_at=as_utc(wall_now)),
            execution_options={"synchronize_session": False})
        if result.rowcount:
            claimed.append(key)
    session.commit()
    return claimed


def rekey(session: Session, keys: dict[int, str]) -> None:
    """Give claimed rows other retry keys (row id -> key): a claim that became several
    batches, one key each."""
    if keys:
        session.execute(update(Notification),
                        [{"id": row_id, "retry_key": key} for row_id, key in keys.items()])


def mark_sent(session: Session, retry_keys: Sequence[str], at: datetime) -> int:
    """The batches sent under `retry_keys` were accepted (or answered 409): their rows are
    sent. Returns how many rows."""
    total = 0
    for part in _parts(retry_keys):
        result = session.execute(
            update(Notification).where(Notification.retry_key.in_(part), _is(SENDING))
            .values(status=SENT, sent_at=as_utc(at)),
            execution_options={"synchronize_session": False})
        total += result.rowcount or 0
    return total


def release(session: Session, retry_key: str, retry_at: datetime) -> int:
    """Back to pending, no attempt counted and the key dropped: LINE refused the batch
    without looking at it (its monthly limit), so it can be batched anew later."""
    result = session.execute(
        update(Notification).where(Notification.retry_key == retry_key, _is(SENDING))
        .values(status=PENDING, retry_key=None, retry_at=as_utc(retry_at)),
        execution_options={"synchronize_session": False})
    return result.rowcount or 0


def record_failure(session: Session, retry_key: str, error: str, *, retry_at: datetime,
                   max_attempts: int, give_up: bool = False) -> tuple[int, int]:
    """Count an attempt on every row of the batch: failed for good at `max_attempts` (or with
    `give_up`), else pending again from `retry_at` under the same key. Returns (to retry,
    failed)."""
    batch = and_(Notification.retry_key == retry_key, _is(SENDING))
    values = {"attempts": Notification.attempts + 1, "last_error": error[:200]}
    last = batch if give_up else and_(batch, Notification.attempts + 1 >= max_attempts)
    failed = session.execute(update(Notification).where(last).values(status=FAILED, **values),
                             execution_options={"synchronize_session": False}).rowcount or 0
    retried = session.execute(
        update(Notification).where(batch)
        .values(status=PENDING, retry_at=as_utc(retry_at), **values),
        execution_options={"synchronize_session": False}).rowcount or 0
    return retried, failed


def set_status(session: Session, ids: Sequence[int], status: str, *,
               error: str | None = None, sent_at: datetime | None = None) -> None:
    for part in _parts(ids):
        values: dict[str, Any] = {"status": status}
        if error is not None:
            values["last_error"] = error[:200]
        if sent_at is not None:
            values["sent_at"] = sent_at
        session.execute(update(Notification).where(Notification.id.in_(part)).values(**values),
                        execution_options={"synchronize_session": False})


def _parts(ids: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    # SQLite allows a limited number of bound parameters per statement
    return [ids[i:i + size] for i in range(0, len(ids), size)]
