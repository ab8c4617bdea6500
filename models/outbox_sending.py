"""The dispatcher's side of the outbox (models/outbox.py): claiming due batches, exclusively
(`claim_fresh`, `claim_again`), and settling them after the send (`mark_sent`, `release`,
`record_failure`, `split`, `set_status`). Only bot/notify/ calls these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from models.base import utcnow
from models.outbox import (
    FAILED,
    PENDING,
    SENDING,
    SENT,
    Notification,
    NotificationBatch,
    as_utc,
    batch_is,
    in_parts,
)


def _due(now: datetime, urgent_only: bool):  # type: ignore[no-untyped-def]
    due = and_(batch_is(PENDING), NotificationBatch.due_at <= now,
               or_(NotificationBatch.retry_at.is_(None), NotificationBatch.retry_at <= now))
    return and_(due, NotificationBatch.urgent.is_(True)) if urgent_only else due


def _claim(session: Session, candidates: Any, also: Any, wall_now: datetime) -> list[str]:
    """Set the batches `candidates` selects (a SELECT of keys, FOR UPDATE SKIP LOCKED) to
    sending in one UPDATE; returns their keys."""
    if session.get_bind().dialect.name == "postgresql":
        # picked once, then joined by primary key: as `key IN (...)`, a plan made with stale
        # statistics re-ran the subquery for every waiting batch
        picked = candidates.cte("picked").prefix_with("MATERIALIZED")
        claim = update(NotificationBatch).where(NotificationBatch.key == picked.c.key)
    else:  # SQLite: the UPDATE holds the write lock; `also` re-checks the state under it
        claim = update(NotificationBatch).where(
            NotificationBatch.key.in_(candidates.scalar_subquery()), also)
    claimed = session.execute(
        claim.values(status=SENDING, claimed_at=as_utc(wall_now))
        .returning(NotificationBatch.key)).scalars().all()
    session.commit()
    return list(claimed)


def claim_fresh(session: Session, *, now: datetime, wall_now: datetime, limit: int,
                urgent_only: bool) -> list[str]:
    """Claim up to `limit` due batches that were never claimed; returns their keys.

    One UPDATE whose inner SELECT takes `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
    dispatchers never wait on or claim the same batches; on SQLite the UPDATE takes the
    database's write lock and re-checks the state, which is just as exclusive.
    """
    fresh = and_(_due(as_utc(now), urgent_only), NotificationBatch.claimed_at.is_(None))
    candidates = (select(NotificationBatch.key).where(fresh).order_by(NotificationBatch.due_at)
                  .limit(limit).with_for_update(skip_locked=True))
    return _claim(session, candidates, fresh, wall_now)


def claim_again(session: Session, *, now: datetime, wall_now: datetime,
                stale_before: datetime, urgent_only: bool, limit: int = 50) -> list[str]:
    """Claim batches to send again under their key; returns the keys.

    Those are batches whose send failed (pending again, past `retry_at`) and batches left in
    `sending` by a dispatcher that died (claimed before `stale_before`).
    """
    now, stale_before = as_utc(now), as_utc(stale_before)
    retry = and_(_due(now, urgent_only), NotificationBatch.claimed_at.is_not(None))
    stale = and_(batch_is(SENDING), NotificationBatch.claimed_at < stale_before)
    if urgent_only:
        stale = and_(stale, NotificationBatch.urgent.is_(True))
    # UNION: each half uses its own partial index
    keys = (select(NotificationBatch.key).where(retry)
            .union(select(NotificationBatch.key).where(stale)).subquery())
    candidates = (select(NotificationBatch.key).where(NotificationBatch.key.in_(select(keys.c.key)))
                  .limit(limit).with_for_update(skip_locked=True))
    return _claim(session, candidates, or_(retry, stale), wall_now)


def split(session: Session, moves: dict[str, tuple[str, list[int]]],
          wall_now: datetime) -> None:
    """Give claimed rows batches of their own (new key -> (the claimed batch they leave, row
    ids)), claimed like the batch they came from: a claimed batch whose rows read
    differently."""
    if not moves:
        return
    olds = {row.key: row for row in session.scalars(select(NotificationBatch).where(
        NotificationBatch.key.in_({old for old, _ in moves.values()})))}
    session.execute(NotificationBatch.__table__.insert(), [
        {"key": key, "kind": olds[old].kind, "ref": olds[old].ref, "due_at": olds[old].due_at,
         "urgent": olds[old].urgent, "status": SENDING, "attempts": 0,
         "claimed_at": as_utc(wall_now), "created_at": utcnow()}
        for key, (old, _) in moves.items()])
    session.execute(update(Notification), [
        {"id": row_id, "batch_key": key} for key, (_, ids) in moves.items() for row_id in ids])


def mark_sent(session: Session, keys: Sequence[str], at: datetime) -> int:
    """The batches sent under `keys` were accepted (or answered 409), or had nothing left to
    send. Returns how many batches."""
    total = 0
    for part in in_parts(keys):
        result = session.execute(
            update(NotificationBatch).where(NotificationBatch.key.in_(part), batch_is(SENDING))
            .values(status=SENT, sent_at=as_utc(at)),
            execution_options={"synchronize_session": False})
        total += result.rowcount or 0
    return total


def release(session: Session, key: str, retry_at: datetime) -> int:
    """Back to pending, no attempt counted: LINE refused the batch without looking at it (its
    monthly limit), so the key is unused and the batch goes again from `retry_at`."""
    result = session.execute(
        update(NotificationBatch).where(NotificationBatch.key == key, batch_is(SENDING))
        .values(status=PENDING, retry_at=as_utc(retry_at)),
        execution_options={"synchronize_session": False})
    return result.rowcount or 0


def record_failure(session: Session, key: str, error: str, *, now: datetime,
                   max_attempts: int, give_up: bool = False) -> bool:
    """Count an attempt on the batch: failed for good at `max_attempts` (or with `give_up`),
    else pending again under the same key, after a backoff that doubles with each attempt
    (30 s, 1 min, 2 min, ... at most an hour). Returns whether it gave up."""
    batch = session.get(NotificationBatch, key)
    if batch is None or batch.status != SENDING:
        return False
    batch.attempts += 1
    batch.last_error = error[:200]
    failed = give_up or batch.attempts >= max_attempts
    batch.status = FAILED if failed else PENDING
    backoff = timedelta(seconds=min(3600, 30 * 2 ** (batch.attempts - 1)))
    batch.retry_at = None if failed else as_utc(now) + backoff
    return failed


def set_status(session: Session, ids: Sequence[int], status: str, *,
               error: str | None = None) -> None:
    """Rows that part from their batch (skipped, failed), with the reason."""
    for part in in_parts(ids):
        values: dict[str, Any] = {"status": status}
        if error is not None:
            values["last_error"] = error[:200]
        session.execute(update(Notification).where(Notification.id.in_(part)).values(**values),
                        execution_options={"synchronize_session": False})
