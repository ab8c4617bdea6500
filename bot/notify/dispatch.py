"""Notification dispatch: due outbox rows -> rendered messages -> push / multicast, once each.

Features write rows with `models.outbox.enqueue`; how each kind reads is its renderer
(bot/notify/renderers.py), found in the app's table (bot/registries.py).

One dispatch pass (`Dispatcher.run_pass(now)`): claim due batches atomically (rows travel in
batches of up to 500, each with its X-Line-Retry-Key: models/outbox.py); skip rows of
unfollowed or opted-out users (and announcements to people who have not agreed to the
privacy notice); render (a shared renderer once per language and mode for the
whole pass); a batch whose rows read differently is split, identical content staying
together, so that each batch is one multicast (a single recipient goes by push); hand the
batches to a thread pool paced by a token bucket per endpoint, while the pass claims the next
ones. A Settler (settle.py) marks the batches that went through with one UPDATE. 409 counts as
sent; 429 and 5xx are retried with backoff inside the pass and, failing that, in a later pass
with the same rows and the same key (models.outbox_sending.claim_again); after
NOTIFY_MAX_ATTEMPTS the batch is failed with the reason. During quiet hours, and after
LINE's monthly limit answers, only urgent batches are claimed; an urgent message that goes
through again ends that pause.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.kernel.composer import Composer
from bot.line import MAX_MULTICAST_RECIPIENTS, LineClient, LineError
from bot.notify.pacing import QUOTA_KEY, RATE_SAFETY, TokenBucket
from bot.notify.renderers import Renderer
from bot.notify.settle import Batch, Outcome, PassState, PassStats, Settler, Writes
from bot.redis_store import get_redis
from models.outbox import (
    FAILED,
    QUEUED,
    SKIPPED,
    Notification,
    as_utc,
    new_key,
)
from models.outbox_sending import claim_again, claim_fresh
from models.timing import in_quiet_hours
from models.users import User

log = logging.getLogger(__name__)

POLL_SECONDS = 5
# what reaches only people who agreed to the privacy notice (models.announcements.recipients
# selects the same people, so a preview's count is what is sent)
CONSENT_NEEDED = frozenset({"announcements"})


# -- dispatch ------------------------------------------------------------------------------

# What a pass reads of claimed rows (100,000 rows a minute must cost little): one result row
# per group of rows alike in everything a message depends on (ALIKE), which are decided and
# rendered once, with the group's rows as one string "id:user id:LINE id,...".
ALIKE = (Notification.batch_key, Notification.kind, Notification.ref, Notification.urgent,
         User.locale, User.mode, User.active, cast(User.notification_prefs, String),
         User.consented_at.is_not(None))
MEMBERS = func.aggregate_strings(
    cast(Notification.id, String).concat(":").concat(cast(Notification.user_id, String))
    .concat(":").concat(User.line_user_id), ",")
ROW_ID, ROW_USER_ID, ROW_LINE_ID = range(3)  # a member: (row id, user id, LINE id)


class Dispatcher:
    """One per process (`get_dispatcher(app)`): its LINE client and thread pool are reused.

    Three kinds of thread overlap in a pass: the pass's own claims and renders the next rows,
    the sending threads wait for LINE, and a Settler marks the batches that went through.
    At most twice as many batches as sending threads are in flight.
    """

    def __init__(self, app: Flask, line: LineClient | None = None) -> None:
        self.app = app
        self.renderers: dict[str, Renderer] = app.extensions["machibot.renderers"]
        config = app.config
        self.threads = max(1, int(config["NOTIFY_SEND_THREADS"]))
        self.line = line or LineClient(
            config["LINE_CHANNEL_ACCESS_TOKEN"], config["LINE_API_BASE_URL"],
            timeout=config["LINE_TIMEOUT_SECONDS"], max_retries=0, pool_size=self.threads)
        self.tries = int(config["LINE_MAX_RETRIES"]) + 1
        self.backoff_base = 0.2
        self.buckets = {
            "push": TokenBucket(config["LINE_RATE_PUSH"] * RATE_SAFETY),
            "multicast": TokenBucket(config["LINE_RATE_MULTICAST"] * RATE_SAFETY),
        }
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._sqlite = str(config["DATABASE_URL"]).startswith("sqlite")
        self._sqlite_writes = threading.Lock()

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="notify-send")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    # -- one pass ---------------------------------------------------------------------------

    def run_pass(self, now: datetime | None = None) -> PassStats:
        """Send everything due at `now` (default: the present). One pass at a time per process.

        Renderers run inside the app's context: what they need of the configuration (the
        ward's time zone, PUBLIC_BASE_URL for links) is `flask.current_app.config`.
        """
        with self._lock, self.app.app_context():
            return self._run_pass(as_utc(now or datetime.now(UTC)))

    def _run_pass(self, now: datetime) -> PassStats:
        config = self.app.config
        limited = bool(get_redis(self.app).exists(QUOTA_KEY))
        state = PassState(now, limited or in_quiet_hours(config, now), limited)
        inflight: set[Future[Outcome]] = set()
        retries = True  # whole failed or abandoned batches first, then new rows
        settler = Settler(self.app, state, self.writing)
        try:
            with session_scope(self.app) as session:
                while True:
                    done, inflight = _collect(inflight, keep=2 * self.threads)
                    settler.feed(done)
                    with self.writing():
                        claims = self._claim(session, state, retries=retries,
                                             room=2 * self.threads - len(inflight))
                    if claims:
                        batches, writes = self._prepare(session, claims, state,
                                                        fresh=not retries)
                        with self.writing():
                            writes.apply(session, state.stats)
                            session.commit()
                        for batch in batches:
                            inflight.add(self.pool.submit(self._send, batch))
                    elif retries:
                        retries = False
                    elif inflight or settler.unsettled:  # the last batches, then look once
                        done, inflight = _collect(inflight, keep=0)  # more (a staff alert)
                        settler.feed(done)
                        settler.wait()
                    else:
                        break
        finally:
            settler.close()
        if state.stats.claimed:
            log.info("notification pass: %s", state.stats)
        return state.stats

    def writing(self) -> AbstractContextManager[Any]:
        """Held around every write of a pass on SQLite: one writer at a time, waiting on a
        lock rather than in SQLite's busy handler, which sleeps in steps of milliseconds."""
        return self._sqlite_writes if self._sqlite else nullcontext()

    def _claim(self, session: Session, state: PassState, *, retries: bool,
               room: int) -> list[str]:
        """Keys of the batches to send now: failed or abandoned ones (`retries`), else new
        ones, as many as there is `room` for in flight (at most 8), in one UPDATE."""
        wall = datetime.now(UTC)
        if retries:
            stale = wall - timedelta(seconds=self.app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"])
            return claim_again(session, now=state.now, wall_now=wall, stale_before=stale,
                               urgent_only=state.urgent_only)
        return claim_fresh(session, now=state.now, wall_now=wall,
                           limit=min(8, max(1, room)), urgent_only=state.urgent_only)

    def _prepare(self, session: Session, keys: list[str], state: PassState, *,
                 fresh: bool) -> tuple[list[Batch], Writes]:
        """Render the rows of the batches claimed under `keys` and make them sendable.

        Rows alike in everything a message depends on are decided and rendered once. In a
        batch claimed for the first time the largest group of identical content keeps the
        batch and any other group gets a batch of its own (written before anything is sent);
        a batch sent before stays one, whatever its rows read now.
        """
        alike: dict[tuple, list[Any]] = {}
        for *fields, members in session.connection().execute(
                select(*ALIKE, MEMBERS).join(User, User.id == Notification.user_id)
                .where(Notification.batch_key.in_(keys), Notification.status == QUEUED)
                .group_by(*ALIKE)):
            rows = [(int(row_id), int(user_id), line_id) for row_id, user_id, line_id
                    in (member.split(":", 2) for member in members.split(","))]
            alike[tuple(fields)] = rows
            state.stats.claimed += len(rows)
        writes = Writes()
        objects = self._per_user_objects(session, alike)
        # batch key -> content -> (messages, rows)
        by_key: dict[str, dict[str, tuple[list[dict], list[Any]]]] = defaultdict(dict)
        for fields, members in alike.items():
            for content, messages, part in self._render(session, fields, members, objects,
                                                        state, writes.unsent):
                group = by_key[fields[0]].setdefault(content if fresh else "", (messages, []))
                group[1].extend(part)
        batches: list[Batch] = []
        writes.emptied = [key for key in keys if key not in by_key]
        for key, contents in by_key.items():  # (two enqueues at once can overfill a batch)
            parts = [(messages, members[start:start + MAX_MULTICAST_RECIPIENTS])
                     for messages, members in contents.values()
                     for start in range(0, len(members), MAX_MULTICAST_RECIPIENTS)]
            parts.sort(key=lambda part: -len(part[1]))
            for index, (messages, members) in enumerate(parts):
                batch_key = key if index == 0 else new_key()
                if index:
                    writes.moves[batch_key] = (key, [row[ROW_ID] for row in members])
                batches.append(_batch(members, messages, batch_key))
        return batches, writes

    def _per_user_objects(self, session: Session,
                          alike: dict[tuple, list[Any]]) -> dict[tuple[str, int], Any]:
        """The User and Notification objects per-user renderers are given, in two queries."""
        rows = [row for fields, members in alike.items() if fields[6]  # active
                and (found := self.renderers.get(fields[1])) and found.per_user for row in members]
        if not rows:
            return {}
        objects: dict[tuple[str, int], Any] = {}
        for user in session.scalars(select(User).where(
                User.id.in_({row[ROW_USER_ID] for row in rows}))):
            objects["user", user.id] = user
        for note in session.scalars(select(Notification).where(
                Notification.id.in_([row[ROW_ID] for row in rows]))):
            objects["note", note.id] = note
        return objects

    def _render(self, session: Session, fields: tuple, members: list[Any],
                objects: dict[tuple[str, int], Any], state: PassState,
                unsent: dict[tuple[str, str], list[int]]) -> list[tuple[str, list[dict], list]]:
        """(content key, messages, rows) to send for rows alike in `fields`; the rows not to
        send go into `unsent` with the reason."""
        _key, kind, ref, _urgent, locale, mode, active, prefs, consented = fields
        renderer = self.renderers.get(kind)
        if renderer is None:
            unsent[FAILED, f"no renderer for {kind}"].extend(row[ROW_ID] for row in members)
            return []
        if not active or renderer.group in _turned_off(prefs):
            why = "opted out" if active else "unfollowed"
            unsent[SKIPPED, why].extend(row[ROW_ID] for row in members)
            return []
        if renderer.group in CONSENT_NEEDED and not consented:
            unsent[SKIPPED, "no privacy consent"].extend(row[ROW_ID] for row in members)
            return []
        codec = self.app.extensions["machibot.codec"]
        out: list[tuple[str, list[dict], list]] = []
        for part in [members] if not renderer.per_user else [[row] for row in members]:
            first = part[0]
            cache_key = (kind, ref, locale, mode)
            try:
                if renderer.per_user or cache_key not in state.rendered:
                    user = objects.get(("user", first[ROW_USER_ID])) or session.get(
                        User, first[ROW_USER_ID])
                    note = objects.get(("note", first[ROW_ID])) or session.get(
                        Notification, first[ROW_ID])
                    messages = renderer.render(session, user, note,  # type: ignore[arg-type]
                                               Composer(locale, mode, codec))
                    found = (_content_key(messages), messages) if messages else None
                    if not renderer.per_user:
                        state.rendered[cache_key] = found
                else:
                    found = state.rendered[cache_key]
            except Exception as exc:  # a bug in one renderer must not stop the others
                log.exception("rendering a %s notification failed", kind)
                unsent[FAILED, f"render failed: {type(exc).__name__}"].extend(
                    row[ROW_ID] for row in part)
                continue
            if found is None:
                unsent[SKIPPED, "no longer relevant"].extend(row[ROW_ID] for row in part)
            else:
                out.append((found[0], found[1], part))
        return out

    def _send(self, batch: Batch) -> Outcome:
        """Send one batch, retrying 429 and 5xx with backoff (runs in the thread pool)."""
        error = ""
        for attempt in range(self.tries):
            self.buckets[batch.endpoint].acquire()
            try:
                if batch.endpoint == "push":
                    self.line.push(batch.to[0], batch.messages, batch.retry_key)
                else:
                    self.line.multicast(batch.to, batch.messages, batch.retry_key)
                return Outcome(batch, True)
            except LineError as exc:
                if exc.monthly_limit:
                    return Outcome(batch, False, "LINE monthly limit reached", monthly_limit=True)
                error = f"LINE {exc.status}: {exc.reason}"[:200]
                retryable = exc.status is None or exc.status == 429 or exc.status >= 500
                if not retryable:
                    return Outcome(batch, False, error, permanent=True)
            except Exception as exc:  # noqa: BLE001 - report it on the rows, never lose them
                error = f"send failed: {type(exc).__name__}"
            if attempt + 1 < self.tries:
                time.sleep(self.backoff_base * (2**attempt) * (0.5 + random.random()))
        return Outcome(batch, False, error)


def _collect(inflight: set[Future[Outcome]],
             keep: int) -> tuple[list[Outcome], set[Future[Outcome]]]:
    """The outcomes of finished sends, waiting until at most `keep` are in flight; a sending
    thread's error is raised here."""
    done = {f for f in inflight if f.done()}
    pending = inflight - done
    while len(pending) > keep:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        done |= finished
    return [f.result() for f in done], pending


def _turned_off(raw: str | None) -> tuple[str, ...]:
    """The groups a person turned off, from the JSON text of their preferences."""
    if not raw or '"off"' not in raw:
        return ()
    try:
        off = json.loads(raw).get("off")
    except (ValueError, AttributeError):
        return ()
    return tuple(off) if isinstance(off, list) else ()


def _content_key(messages: list[dict]) -> str:
    return json.dumps(messages, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _batch(members: list[Any], messages: list[dict], retry_key: str) -> Batch:
    endpoint = "push" if len(members) == 1 else "multicast"
    return Batch(endpoint, [row[ROW_LINE_ID] for row in members], messages[:5], retry_key)


_dispatchers_lock = threading.Lock()


def get_dispatcher(app: Flask) -> Dispatcher:
    found = app.extensions.get("machibot.dispatcher")
    if found is None:
        with _dispatchers_lock:
            found = app.extensions.get("machibot.dispatcher")
            if found is None:
                found = Dispatcher(app)
                app.extensions["machibot.dispatcher"] = found
    return found


def dispatch(app: Flask, now: datetime | None = None) -> PassStats:
    """One dispatch pass as of `now` (the scheduler job, `machibot notify dispatch`)."""
    return get_dispatcher(app).run_pass(now)


