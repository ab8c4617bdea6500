"""The notification outbox: every push the bot makes on its own is a row here first.

Domain code writes rows (`enqueue`, `enqueue_many`) and takes them back (`cancel`); the
scheduler's dispatcher (bot/notify/dispatch.py) is the only reader, claiming and settling
batches through models/outbox_sending.py. A row says who, what
kind, what it refers to and when; the message itself is rendered at send time, so a
changed venue or time is never sent stale.

Rows travel in batches. A batch is up to one multicast's worth of rows of one kind, reference,
due time and urgency; its key is the X-Line-Retry-Key it is sent under, and it holds the
sending state:

    pending -> sending (claimed by one dispatcher) -> sent
                       -> pending again, to be retried under the same key
                       -> failed (gave up after NOTIFY_MAX_ATTEMPTS; `last_error` says why)

An announcement to 100,000 people is 200 batches, so claiming it and marking it sent take 200
row writes, not 200,000. A retry is always the same batch under the same key, so one that
LINE had in fact accepted answers 409 and delivers nothing twice.

A row's own `status` is `queued` while its batch speaks for it. It changes only when the row
parts from its batch: skipped (unfollowed, opted out, no longer relevant) or failed (could
not be rendered), written by the dispatcher, and cancelled, written by the domain while the
batch waits. `Notification.state` is where a row stands: its own status, else its batch's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    and_,
    case,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow
from models.writes import wrote_to_database

PENDING, SENDING, SENT, SKIPPED, FAILED, CANCELLED = (
    "pending", "sending", "sent", "skipped", "failed", "cancelled")
QUEUED = "queued"  # a row's own status while its batch speaks for it
STATES = (PENDING, SENDING, SENT, SKIPPED, FAILED, CANCELLED)
BATCH_SIZE = 500  # one multicast

DUE_INDEX, DUE_WHERE = "ix_notification_batches_pending_due_at", "status = 'pending'"
SENDING_INDEX, SENDING_WHERE = ("ix_notification_batches_sending_claimed_at",
                                "status = 'sending'")


def as_utc(value: datetime) -> datetime:
    """Aware UTC. SQLite keeps a datetime's fields without the offset, so every time written
    to these tables is UTC first; a naive value read back from SQLite is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_key() -> str:
    return str(uuid.uuid4())


class NotificationBatch(Base):
    __tablename__ = "notification_batches"
    # Partial indexes: a batch is in one only while it waits or is being sent, so the sent
    # ones cost the dispatcher nothing. Queries name the status as a literal: SQLite uses a
    # partial index only then.
    __table_args__ = (
        Index(DUE_INDEX, "due_at", sqlite_where=text(DUE_WHERE),
              postgresql_where=text(DUE_WHERE)),
        Index(SENDING_INDEX, "claimed_at", sqlite_where=text(SENDING_WHERE),
              postgresql_where=text(SENDING_WHERE)),
    )

    key: Mapped[str] = mapped_column(String(36), primary_key=True)  # the X-Line-Retry-Key
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    urgent: Mapped[bool] = mapped_column(default=False)  # urgent batches ignore quiet hours
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]  # first claimed: a batch once claimed is never split
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationBatch {self.key} {self.kind} {self.status}>"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_kind_ref", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # deferred: an INSERT ... SELECT of an announcement's rows comes before their batches
    batch_key: Mapped[str] = mapped_column(
        ForeignKey("notification_batches.key", deferrable=True, initially="DEFERRED"),
        index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(64))  # what it refers to, e.g. "signup:12"
    due_at: Mapped[datetime]
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    last_error: Mapped[str | None] = mapped_column(String(200))  # why skipped or failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[NotificationBatch] = relationship()

    @hybrid_property
    def state(self) -> str:
        """pending, sending, sent, skipped, failed or cancelled."""
        return self.batch.status if self.status == QUEUED else self.status

    @state.inplace.expression
    @classmethod
    def _state_expression(cls):  # type: ignore[no-untyped-def]
        batch_status = (select(NotificationBatch.status)
                        .where(NotificationBatch.key == cls.batch_key).scalar_subquery())
        return case((cls.status == QUEUED, batch_status), else_=cls.status)

    @property
    def error(self) -> str | None:
        """Why the row was not sent, if it was not."""
        return self.last_error or (self.batch.last_error if self.status == QUEUED else None)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} {self.status}>"


# Every kind of notification the platform writes. Each has a renderer that says how it reads
# (bot/registries.py RENDERERS; a test keeps the two in step); writing another kind fails.
KINDS: frozenset[str] = frozenset({
    "announcement", "new_item", "digest", "quota_alert",
    "activity.reminder", "activity.feedback", "waitlist.offer", "waitlist.offer_expiry",
    "gathering.invite", "gathering.reminder", "gathering.changed", "gathering.cancelled",
    "initiative.interest", "initiative.message", "initiative.contact_request",
    "initiative.contacts", "initiative.reviewed",
    "idea.status", "idea.adopted", "idea_call.deadline",
    "support.unanswered",
    "slot.cancelled", "slot.changed",
    "organisation.verified", "organisation.handed_over",
    "speech",
})


def known_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a notification kind (models.outbox.KINDS)")
    return kind


def _hold_off_claims(session: Session) -> None:
    """Keep dispatchers from claiming a batch until this session commits, so that no row
    joins a batch that has been read for sending: such a row would be marked sent with its
    batch without ever having been sent.

    PostgreSQL locks the batch a row joins (`_batch_for`, FOR UPDATE), and a claim skips it.
    SQLite has no row locks, and its Python driver reads outside any transaction until the
    first write: a batch found waiting could be claimed and its rows read before the row
    joining it was written. So on SQLite the database's write lock is taken first, by a
    write that changes nothing; it is held until the session commits, and a claim (an
    UPDATE) waits for it. The row then also belongs to the caller's transaction, as on
    PostgreSQL: without a transaction open, the driver committed the outermost SAVEPOINT of
    `enqueue` at once, beyond the reach of a rollback.
    """
    if session.get_bind().dialect.name == "sqlite" and not wrote_to_database(session):
        # (a transaction that wrote holds the lock already)
        session.execute(update(NotificationBatch).where(false()).values(status=PENDING),
                        execution_options={"synchronize_session": False})


def _batch_for(session: Session, kind: str, ref: str, due_at: datetime,
               urgent: bool) -> NotificationBatch:
    """A waiting batch of rows like this one with room left, else a new one. It cannot be
    claimed before the session commits (`_hold_off_claims`): on PostgreSQL a claim under
    way is waited for, and the batch, found claimed, is passed over."""
    rows = (select(func.count()).where(Notification.batch_key == NotificationBatch.key)
            .scalar_subquery())
    found = session.scalars(select(NotificationBatch).where(
        NotificationBatch.kind == kind, NotificationBatch.ref == ref,
        NotificationBatch.due_at == due_at, NotificationBatch.urgent.is_(urgent), batch_is(PENDING),
        NotificationBatch.claimed_at.is_(None), rows < BATCH_SIZE)
        .limit(1).with_for_update()).first()
    return found or NotificationBatch(key=new_key(), kind=kind, ref=ref, due_at=due_at,
                                      urgent=urgent, status=PENDING, attempts=0)


def _still_waiting(session: Session, row: Notification) -> bool:
    """Whether the row still waits to be sent, as its batch is now, not as this session read
    it earlier: a pass may have claimed the batch since, and a row moved out of a batch that
    is being sent would go out twice. The batch is locked (PostgreSQL) until this session
    commits, so that no pass claims it in between."""
    if row.status != QUEUED:
        return False
    status = session.scalar(
        select(NotificationBatch.status).where(NotificationBatch.key == row.batch_key,
                                               NotificationBatch.claimed_at.is_(None))
        .with_for_update())
    return status == PENDING


def enqueue(session: Session, *, user_id: int, kind: str, ref: str, due_at: datetime,
            dedupe_key: str, urgent: bool = False) -> Notification:
    """Add a notification, once per `dedupe_key`.

    The row joins a waiting batch of the same kind, ref, due time and urgency (the
    invitations to one gathering go out as one multicast), or starts one.

    Enqueueing a key again moves a waiting row to the new due time (an item's time changed),
    revives a cancelled one (signed up again) and leaves a sent, skipped or failed one alone.
    A row that moves changes batch: new details at a new time are a new message, never a
    retry of the old one.
    """
    known_kind(kind)
    due_at = as_utc(due_at)
    _hold_off_claims(session)
    row = session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))
    if row is None:
        row = Notification(user_id=user_id, kind=kind, ref=ref, due_at=due_at,
                           dedupe_key=dedupe_key, urgent=urgent, status=QUEUED,
                           batch=_batch_for(session, kind, ref, due_at, urgent))
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another transaction enqueued the same key just now
            row = session.scalars(
                select(Notification).where(Notification.dedupe_key == dedupe_key)).one()
        else:
            return row
    if row.status == CANCELLED:
        row.status, row.last_error = QUEUED, None
        row.batch = _batch_for(session, kind, ref, due_at, urgent)
    elif (as_utc(row.due_at) != due_at or row.urgent != urgent) and _still_waiting(session, row):
        row.batch = _batch_for(session, kind, ref, due_at, urgent)
    else:
        return row
    row.due_at, row.urgent = due_at, urgent
    return row


def enqueue_again_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """`enqueue` for many rows at once (a slot's new time for everyone on it), in four
    statements whatever their number: the rows known by key, read with their batches' state
    under lock; the new batches; the rows new by key; the rows that move. As in `enqueue`:
    a row still waiting moves to its new due time (and urgency) in a new batch, a cancelled
    one is revived in a new batch, a sent, skipped or failed one is left alone, and so is
    one whose batch a pass has claimed (it is being sent with it). Rows of one kind, ref,
    due time and urgency share new batches of up to 500 (a slot's change told to everyone on
    it goes out as one multicast).

    Each row is a dict with user_id, kind, ref, due_at, dedupe_key and urgent."""
    if not rows:
        return
    _hold_off_claims(session)
    wanted = {row["dedupe_key"]: {**row, "due_at": as_utc(row["due_at"]),
                                  "urgent": bool(row.get("urgent", False))} for row in rows}
    for row in wanted.values():
        known_kind(row["kind"])
    known = session.execute(
        select(Notification.id, Notification.dedupe_key, Notification.status,
               Notification.due_at, Notification.urgent, NotificationBatch.status,
               NotificationBatch.claimed_at)
        .join(NotificationBatch, NotificationBatch.key == Notification.batch_key)
        .where(Notification.dedupe_key.in_(list(wanted)))
        .with_for_update(of=NotificationBatch)).all()
    now, batches, moves, new = utcnow(), [], [], []
    filling: dict[tuple, list[Any]] = {}  # (kind, ref, due, urgent) -> [open batch key, rows]

    def batch_key(row: dict[str, Any]) -> str:
        group = (row["kind"], row["ref"], row["due_at"], row["urgent"])
        batch = filling.get(group)
        if batch is None or batch[1] >= BATCH_SIZE:
            batches.append(_new_batch(row, now))
            batch = filling[group] = [batches[-1]["key"], 0]
        batch[1] += 1
        return batch[0]

    seen = set()
    for row_id, key, status, due_at, urgent, batch_status, claimed_at in known:
        seen.add(key)
        row = wanted[key]
        waiting_here = (status == QUEUED and batch_status == PENDING and claimed_at is None
                        and (as_utc(due_at) != row["due_at"] or bool(urgent) != row["urgent"]))
        if status == CANCELLED or waiting_here:
            moves.append({"id": row_id, "batch_key": batch_key(row), "due_at": row["due_at"],
                          "urgent": row["urgent"], "status": QUEUED, "last_error": None})
    for key, row in wanted.items():
        if key not in seen:
            new.append({**row, "batch_key": batch_key(row), "status": QUEUED,
                        "created_at": now})
    if batches:
        session.execute(insert(NotificationBatch), batches)
    if new:
        session.execute(_insert_ignoring_duplicates(session), new).all()
    if moves:
        session.execute(update(Notification), moves)


def _new_batch(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"key": new_key(), "kind": row["kind"], "ref": row["ref"], "due_at": row["due_at"],
            "urgent": row["urgent"], "status": PENDING, "attempts": 0, "created_at": now}


def enqueue_many(session: Session, rows: Iterable[dict[str, Any]], *, chunk: int = 5_000) -> int:
    """Insert many notifications at once (new items, a sign-up's notices), skipping known
    keys; rows of the same kind, ref, due time and urgency share batches of up to 500.

    Each row is a dict with user_id, kind, ref, due_at, dedupe_key and optionally urgent.
    Returns how many rows were new.
    """
    insert_rows = _insert_ignoring_duplicates(session)
    now = utcnow()
    total = tried = 0
    batches: list[dict[str, Any]] = []
    filling: dict[tuple, list[Any]] = {}  # (kind, ref, due, urgent) -> [open batch key, rows]
    chunk_rows: list[dict[str, Any]] = []

    def flush() -> int:
        new = len(session.execute(insert_rows, chunk_rows).all()) if chunk_rows else 0
        chunk_rows.clear()
        return new

    for row in rows:
        due, urgent = as_utc(row["due_at"]), bool(row.get("urgent", False))
        group = (known_kind(row["kind"]), row["ref"], due, urgent)
        batch = filling.get(group)
        if batch is None or batch[1] >= BATCH_SIZE:
            batch = filling[group] = [new_key(), 0]
            batches.append({"key": batch[0], "kind": row["kind"], "ref": row["ref"],
                            "due_at": due, "urgent": urgent, "status": PENDING, "attempts": 0,
                            "created_at": now})
        batch[1] += 1
        chunk_rows.append({**row, "urgent": urgent, "due_at": due, "batch_key": batch[0],
                           "status": QUEUED, "created_at": now})
        tried += 1
        if len(chunk_rows) >= chunk:
            total += flush()
    total += flush()
    if batches:  # after their rows: the foreign key is checked at commit
        session.execute(NotificationBatch.__table__.insert(), batches)
    if total < tried:  # known keys left some batches with fewer rows, perhaps none
        for part in in_parts([batch["key"] for batch in batches]):
            session.execute(delete(NotificationBatch).where(
                NotificationBatch.key.in_(part),
                ~exists().where(Notification.batch_key == NotificationBatch.key)))
    after_bulk_insert(session, total)
    return total


def enqueue_select(session: Session, users: Any, *, kind: str, ref: str, due_at: datetime,
                   dedupe_prefix: str, urgent: bool = False) -> int:
    """One row for each user `users` selects (a subquery with an `id` column), in batches of
    500, with two INSERT ... SELECTs: an announcement to a whole segment. Returns how many.

    Each row's batch key is a random prefix of this call and the row's batch number in 12
    hex digits (still a UUID); the batches are then taken from the rows themselves.
    """
    known_kind(kind)
    due_at, now = as_utc(due_at), utcnow()
    number = (func.row_number().over(order_by=users.c.id) - 1) // BATCH_SIZE
    if session.get_bind().dialect.name == "sqlite":
        digits = func.printf("%012x", number)
    else:
        digits = func.lpad(func.to_hex(cast(number, BigInteger)), 12, "0")
    prefix = new_key()[:24]
    key = literal(prefix, String).concat(digits)
    when = Notification.due_at.type
    session.execute(insert(Notification).from_select(
        ["user_id", "kind", "ref", "due_at", "dedupe_key", "urgent", "status", "batch_key",
         "created_at"],
        select(users.c.id, literal(kind), literal(ref), literal(due_at, when),
               literal(dedupe_prefix, String).concat(cast(users.c.id, String)),
               literal(urgent), literal(QUEUED), key,
               literal(now, Notification.created_at.type))))
    ours = and_(Notification.kind == kind, Notification.ref == ref)
    session.execute(insert(NotificationBatch).from_select(
        ["key", "kind", "ref", "due_at", "urgent", "status", "attempts", "created_at"],
        select(Notification.batch_key, literal(kind), literal(ref), literal(due_at, when),
               literal(urgent), literal(PENDING), literal(0),
               literal(now, NotificationBatch.created_at.type))
        .where(ours, Notification.batch_key.startswith(prefix)).distinct()))
    # counted, not taken from rowcount: drivers do not all report it for INSERT ... SELECT
    total = session.scalar(select(func.count()).where(ours)) or 0
    after_bulk_insert(session, total)
    return total


ANALYZE_AFTER_ROWS = 10_000


def after_bulk_insert(session: Session, rows: int) -> None:
    """Refresh PostgreSQL's statistics of the outbox after a large insert (an announcement to
    everyone): autovacuum gets to it only later, and until then the planner takes the table
    for the small one it was and picks slow plans for the dispatch that follows at once."""
    if rows >= ANALYZE_AFTER_ROWS and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE notifications"))
        session.execute(text("ANALYZE notification_batches"))


def _insert_ignoring_duplicates(session: Session):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    # INSERT ... ON CONFLICT DO NOTHING is each dialect's own construct
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if upsert is None:  # pragma: no cover - the bot runs on SQLite and PostgreSQL
        raise RuntimeError(f"enqueue_many does not support {dialect}")
    return (upsert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.id))


def _waiting(lock: bool = False):  # type: ignore[no-untyped-def]
    """Rows still to be sent: queued in a batch that no dispatcher has claimed. With `lock`,
    their batches are locked on PostgreSQL (FOR UPDATE), so a claim under way finishes
    first and its batches then no longer count as waiting."""
    unclaimed = (select(NotificationBatch.key)
                 .where(NotificationBatch.key == Notification.batch_key, batch_is(PENDING),
                        NotificationBatch.claimed_at.is_(None)))
    if lock:
        unclaimed = unclaimed.with_for_update()
    return and_(Notification.status == QUEUED, unclaimed.exists())


def waiting(*, kind: str, ref: str) -> Any:
    """A SELECT of the user ids whose `kind` notification about `ref` is still to be sent."""
    return select(Notification.user_id).where(
        Notification.kind == kind, Notification.ref == ref, _waiting())


def cancel(session: Session, *, dedupe_key: str | None = None, ref: str | None = None,
           kind: str | None = None) -> int:
    """Cancel notifications still to be sent, by key, or by what they refer to (optionally one
    kind). A batch a dispatcher has claimed is being sent: its rows are no longer cancelled."""
    if dedupe_key is None and ref is None:
        raise ValueError("cancel needs a dedupe_key or a ref")
    statement = update(Notification).where(_waiting(lock=True))
    if dedupe_key is not None:
        statement = statement.where(Notification.dedupe_key == dedupe_key)
    if ref is not None:
        statement = statement.where(Notification.ref == ref)
    if kind is not None:
        statement = statement.where(Notification.kind == kind)
    result = session.execute(statement.values(status=CANCELLED),
                             execution_options={"synchronize_session": False})
    return result.rowcount or 0


def batch_is(status: str):  # type: ignore[no-untyped-def]
    # a literal, not a bound parameter: the partial indexes are used only then
    return NotificationBatch.status == literal_column(f"'{status}'")


def counts(session: Session, *, kind: str, ref: str) -> dict[str, int]:
    """How many rows about `ref` stand in each state (sent, failed, ...)."""
    state = case((Notification.status == QUEUED, NotificationBatch.status),
                 else_=Notification.status)
    return dict(session.execute(  # type: ignore[arg-type]
        select(state, func.count()).select_from(Notification)
        .join(NotificationBatch, NotificationBatch.key == Notification.batch_key)
        .where(Notification.kind == kind, Notification.ref == ref).group_by(state)).all())


def in_parts(ids: Sequence[Any], size: int = 900) -> list[Sequence[Any]]:
    # SQLite allows a limited number of bound parameters per statement
    return [ids[i:i + size] for i in range(0, len(ids), size)]
