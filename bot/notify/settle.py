"""What a dispatch pass carries and what came of it: the batches it sends and their
outcomes, its figures, the writes a claim decided, and the Settler, which writes the outcomes
of sent batches in a thread of its own while the pass claims the next ones."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from queue import Queue
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.notify.pacing import lift_monthly_limit, pause_for_monthly_limit
from models.outbox import SKIPPED
from models.outbox_sending import mark_sent, record_failure, release, set_status, split

log = logging.getLogger(__name__)


@dataclass
class Batch:
    endpoint: str  # push | multicast
    to: list[str]
    messages: list[dict]
    retry_key: str


@dataclass
class Outcome:
    batch: Batch
    ok: bool
    error: str = ""
    permanent: bool = False
    monthly_limit: bool = False


@dataclass
class PassStats:
    claimed: int = 0
    sent: int = 0  # recipients
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    requests: int = 0
    monthly_limit: bool = False

    def __str__(self) -> str:
        return (f"claimed {self.claimed}, sent {self.sent}, skipped {self.skipped}, "
                f"to retry {self.retried}, failed {self.failed}, {self.requests} requests")


@dataclass
class PassState:
    """What one pass carries from claim to claim."""

    now: datetime
    urgent_only: bool
    limited: bool  # LINE's monthly limit was known to be reached when the pass began
    stats: PassStats = field(default_factory=PassStats)
    rendered: dict[tuple[str, str, str, str], tuple[str, list[dict]] | None] = field(
        default_factory=dict)  # (kind, ref, locale, mode) -> content of a shared renderer


@dataclass
class Writes:
    """What preparing a claim decided, written before its batches are sent."""

    unsent: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list))  # (status, why) -> row ids
    # new batch key -> (the claimed batch its rows leave, their ids)
    moves: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    emptied: list[str] = field(default_factory=list)  # claimed batches with nothing to send

    def apply(self, session: Session, stats: PassStats) -> None:
        for (status, why), ids in self.unsent.items():
            set_status(session, ids, status, error=why)
            if status == SKIPPED:
                stats.skipped += len(ids)
            else:
                stats.failed += len(ids)
                log.warning("gave up on %d notification(s): %s", len(ids), why)
        split(session, self.moves, datetime.now(UTC))
        mark_sent(session, self.emptied, datetime.now(UTC))


class Settler:
    """Writes what came of sent batches, in a thread and session of its own, so that marking
    rows sent overlaps claiming the next ones; everything that arrived since its last write
    goes in one UPDATE."""

    def __init__(self, app: Flask, state: PassState,
                 writing: Callable[[], AbstractContextManager[Any]]) -> None:
        self.app = app
        self.state = state
        self.writing = writing  # the dispatcher's lock around writes (Dispatcher.writing)
        self.queue: Queue[Outcome | None] = Queue()
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.unsettled = 0  # fed since the last wait()

    def feed(self, outcomes: list[Outcome]) -> None:
        self.unsettled += len(outcomes)
        if outcomes:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="notify-settle",
                                               daemon=True)
                self.thread.start()
            for outcome in outcomes:
                self.queue.put(outcome)

    def wait(self) -> None:
        """Until everything fed so far is written."""
        self.queue.join()
        self.unsettled = 0
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _run(self) -> None:
        with session_scope(self.app) as session:
            while True:
                items = [self.queue.get()]
                while not self.queue.empty():
                    items.append(self.queue.get_nowait())
                outcomes = [item for item in items if item is not None]
                try:
                    if outcomes and self.error is None:
                        with self.writing():
                            self.record(session, outcomes)
                            session.commit()
                except BaseException as exc:  # noqa: BLE001 - raised in the pass's thread
                    session.rollback()
                    self.error = exc
                for _ in items:
                    self.queue.task_done()
                if None in items:
                    return

    def record(self, session: Session, outcomes: list[Outcome]) -> None:
        """Write what came of sent batches: those that went through with one UPDATE."""
        state = self.state
        stats = state.stats
        stats.requests += len(outcomes)
        accepted = [o.batch for o in outcomes if o.ok]
        if accepted:
            mark_sent(session, [batch.retry_key for batch in accepted], datetime.now(UTC))
            stats.sent += sum(len(batch.to) for batch in accepted)
            if state.limited:  # something went through: LINE's monthly limit is lifted
                lift_monthly_limit(self.app)
                state.limited = False
        for outcome in outcomes:
            if outcome.ok:
                continue
            if outcome.monthly_limit:
                stats.monthly_limit = state.urgent_only = True
                release(session, outcome.batch.retry_key,
                        retry_at=state.now + timedelta(minutes=10))
                pause_for_monthly_limit(self.app, session, state.now)
                continue
            failed = record_failure(
                session, outcome.batch.retry_key, outcome.error, now=state.now,
                max_attempts=self.app.config["NOTIFY_MAX_ATTEMPTS"], give_up=outcome.permanent)
            recipients = len(outcome.batch.to)
            if failed:
                stats.failed += recipients
                log.warning("gave up on %d notification(s): %s", recipients, outcome.error)
            else:
                stats.retried += recipients
