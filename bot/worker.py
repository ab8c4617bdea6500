"""The worker: reads the event stream through a consumer group and handles each event.

Delivery is at-least-once, handling exactly once: an entry is acknowledged (and deleted: it
holds what the person sent) only after its turn is saved and its replies are sent, and an
entry handed out again finds what its turn did kept with its writes (models/turns.py), so
nothing is done twice. Replies count as delivered when their token was already used, pushes
carry a retry key derived from the event, so LINE shows each answer once.

A worker process keeps a heartbeat key while it runs (`Heartbeat`). Entries a dead process
left (even by kill -9) are taken over by another worker within seconds, and so are the
per-user locks it held (handlers/events.py); entries of a live worker that seems stuck, once
idle for WORKER_CLAIM_IDLE_MS. A worker that lost Redis mid-turn handles its own unfinished
entries first when Redis is back.

An entry that keeps failing is not retried forever: once it has been delivered
WORKER_MAX_DELIVERIES times, the next claim moves it to a dead-letter stream
(keys.DEAD_LETTER_STREAM) for a person to look at, acknowledges it, and tells the person,
where there is one, that something went wrong.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from typing import Any

import redis
from flask import Flask

from bot import keys
from bot.redis_store import get_redis, own_connection
from handlers.events import Turn, acknowledge, apologise, handle_event

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
# how long a process's heartbeat key outlives its last beat: a process silent this long is
# taken for dead (a false alarm costs nothing: its turns are recorded and replies deduped)
HEARTBEAT_LEASE_MS = 3_000
DEAD_CLAIM_IDLE_MS = 1_000  # a dead worker's entry idle this long is taken over
DEAD_CHECK_SECONDS = 1.0


def process_id() -> str:
    """This process, as the heartbeat names it (a consumer name starts with it)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def process_of(consumer: str) -> str | None:
    """The process of a consumer name ("host-pid/thread"); None for other names."""
    process, slash, _thread = consumer.rpartition("/")
    return process if slash and process else None


class Heartbeat:
    """Keeps keys.worker_alive(process) present while the process runs: one thread a
    process, started by its first worker, stopped (and the key removed) with `stop`."""

    _lock = threading.Lock()
    _running: dict[int, threading.Thread] = {}

    @classmethod
    def ensure(cls, client: redis.Redis, stop: threading.Event) -> None:
        with cls._lock:
            thread = cls._running.get(os.getpid())
            if thread is not None and thread.is_alive():
                return
            name = keys.worker_alive(process_id())
            cls._beat(client, name)  # at once: a new worker is alive before it reads
            thread = threading.Thread(target=cls._run, args=(client, name, stop),
                                      name="heartbeat", daemon=True)
            cls._running[os.getpid()] = thread
            thread.start()

    @staticmethod
    def _beat(client: redis.Redis, name: str) -> None:
        # Redis away: the workers log it; the beat resumes with it
        with contextlib.suppress(redis.RedisError):
            client.set(name, "1", px=HEARTBEAT_LEASE_MS)

    @classmethod
    def _run(cls, client: redis.Redis, name: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            cls._beat(client, name)
        with contextlib.suppress(redis.RedisError):  # a clean stop: others take over at once
            client.delete(name)


class Worker:
    # One entry a read: an event waits on LINE for tens of milliseconds, so a thread holding
    # a batch would keep events queued behind it while other threads sit idle. A busy thread
    # reads its next entry in the round trip that acknowledges the last (END_EVENT in
    # handlers/events.py): one Redis round trip a turn less, 7 % of a worker's CPU for a menu
    # tap (16 threads, LINE answering after 50 ms: 1.52 against 1.64 ms a turn, medians of
    # 10 alternating rounds of 300 taps, as bench/worker_threads.py measures).
    def __init__(self, app: Flask, name: str | None = None, batch: int = 1) -> None:
        self.app = app
        self.name = name or f"{process_id()}/{threading.get_ident()}"
        self.batch = batch
        self.redis = own_connection(app)  # held for the worker's life
        self._group_ready = False
        self._last_claim = 0.0
        self._own_pending = False  # set when Redis failed mid-turn
        self.read_next = True  # read the next entry with each acknowledgement
        self._ready: list[tuple[str, dict[str, Any]]] = []  # read so, not yet handled

    def ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self.redis.xgroup_create(keys.EVENT_STREAM, keys.WORKER_GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def run(self, stop: threading.Event | None = None) -> None:
        """Handle events until `stop` is set (or forever)."""
        stop = stop or threading.Event()
        Heartbeat.ensure(get_redis(self.app), stop)
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                self.poll(block_ms=self.app.config["WORKER_BLOCK_MS"])
            except redis.RedisError as exc:
                log.error("worker cannot reach Redis (%s); retrying", type(exc).__name__)
                self._group_ready = False
                self._own_pending = True
                self._ready = []  # pending for this worker: resume_own reads them again
                stop.wait(0.2)
        # what was read with the last acknowledgement is handled before stopping
        self.read_next = False
        with contextlib.suppress(redis.RedisError):  # else taken over: no heartbeat now
            while self._ready:
                self.handle(*self._ready.pop(0))

    def poll(self, block_ms: int | None = None, count: int | None = None) -> int:
        """One read of new entries (and, now and then, of abandoned ones). Returns the count."""
        self.ensure_group()
        handled = 0
        if self._own_pending:
            handled += self.resume_own()
        if self._dead_check_due():
            handled += self.take_over_dead()
        idle_ms = self.app.config["WORKER_CLAIM_IDLE_MS"]
        if time.monotonic() - self._last_claim > min(idle_ms / 1000, 15):
            self._last_claim = time.monotonic()
            handled += self.reclaim(idle_ms)
        if self._ready:  # read with the last acknowledgement
            entries, self._ready = self._ready, []
        else:
            response = self.redis.xreadgroup(
                keys.WORKER_GROUP, self.name, {keys.EVENT_STREAM: ">"},
                count=count or self.batch, block=block_ms,
            )
            entries = [entry for _stream, read in response or [] for entry in read]
        for entry_id, fields in entries:
            self.handle(entry_id, fields)
            handled += 1
        return handled

    def handle(self, entry_id: str, fields: dict[str, Any], *, again: bool = False) -> None:
        """Handle one entry (`again`: it was handed out before); on an unexpected failure
        leave it pending to be claimed again."""
        try:
            self._handle(entry_id, fields, again)
        except redis.RedisError:
            raise
        except Exception:
            log.exception("event left pending after an unexpected failure")

    def reclaim(self, min_idle_ms: int) -> int:
        """Take over entries a worker read but never acknowledged for `min_idle_ms` (it died
        without a heartbeat, or seems stuck); move those delivered too often to the dead
        letters."""
        handled, start = 0, "0-0"
        while True:
            result = self.redis.xautoclaim(keys.EVENT_STREAM, keys.WORKER_GROUP, self.name,
                                           min_idle_time=min_idle_ms, start_id=start, count=50)
            start, entries = result[0], result[1]
            handled += self._take(entries)
            if start in ("0-0", b"0-0") or not entries:
                return handled

    # The check for dead workers is made once a second per process, by whichever of its
    # worker threads polls first: each thread checking (16 a process) cost 2 % of the CPU.
    _dead_check_lock = threading.Lock()
    _last_dead_check = 0.0

    @classmethod
    def _dead_check_due(cls) -> bool:
        with cls._dead_check_lock:
            now = time.monotonic()
            if now - cls._last_dead_check < DEAD_CHECK_SECONDS:
                return False
            cls._last_dead_check = now
            return True

    def take_over_dead(self) -> int:
        """Take over at once the entries of consumers whose process has no heartbeat (it
        died, or stopped), and forget such consumers once nothing of theirs is left."""
        consumers = self.redis.xinfo_consumers(keys.EVENT_STREAM, keys.WORKER_GROUP)
        others = [(c["name"], c["pending"], process_of(c["name"])) for c in consumers
                  if c["name"] != self.name and process_of(c["name"])]
        if not others:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for _name, _pending, process in others:
            pipe.exists(keys.worker_alive(process))
        handled = 0
        for (name, pending, _process), alive in zip(others, pipe.execute(), strict=True):
            if alive:
                continue
            if not pending:
                self.redis.xgroup_delconsumer(keys.EVENT_STREAM, keys.WORKER_GROUP, name)
                continue
            rows = self.redis.xpending_range(keys.EVENT_STREAM, keys.WORKER_GROUP, min="-",
                                             max="+", count=100, consumername=name)
            if not rows:
                continue
            log.info("taking over what a stopped worker left")
            # min_idle_time: of workers doing this at once, one wins each entry
            entries = self.redis.xclaim(keys.EVENT_STREAM, keys.WORKER_GROUP, self.name,
                                        min_idle_time=DEAD_CLAIM_IDLE_MS,
                                        message_ids=[row["message_id"] for row in rows])
            handled += self._take(entries)
        return handled

    def resume_own(self) -> int:
        """After losing Redis: the entries this worker read and did not finish, first."""
        handled = 0
        response = self.redis.xreadgroup(keys.WORKER_GROUP, self.name,
                                         {keys.EVENT_STREAM: "0"}, count=100)
        for _stream, entries in response or []:
            handled += self._take(entries)
        self._own_pending = False
        return handled

    def _take(self, entries: list) -> int:
        """Handle entries handed out before; an entry delivered too often goes to the dead
        letters, one trimmed away (no fields) is only acknowledged."""
        limit = self.app.config["WORKER_MAX_DELIVERIES"]
        deliveries = self._deliveries([entry_id for entry_id, fields in entries if fields])
        handled = 0
        for entry_id, fields in entries:
            if not fields:  # trimmed away, or deleted with its sender's data
                self.redis.xack(keys.EVENT_STREAM, keys.WORKER_GROUP, entry_id)
                continue
            if deliveries.get(entry_id, 0) > limit:
                self.dead_letter(entry_id, fields, deliveries[entry_id])
                continue
            log.info("handling an event again (its worker died or failed)")
            self.handle(entry_id, fields, again=True)
            handled += 1
        return handled

    def _deliveries(self, entry_ids: list[str]) -> dict[str, int]:
        """How many times each entry was delivered, this claim included (one round trip)."""
        if not entry_ids:
            return {}
        pipe = self.redis.pipeline(transaction=False)
        for entry_id in entry_ids:
            pipe.xpending_range(keys.EVENT_STREAM, keys.WORKER_GROUP, min=entry_id,
                                max=entry_id, count=1)
        return {row["message_id"]: row["times_delivered"]
                for rows in pipe.execute() for row in rows}

    def dead_letter(self, entry_id: str, fields: dict[str, Any], deliveries: int) -> None:
        """Give up on an entry: keep it in the dead-letter stream, acknowledge it, and say
        sorry to the person who sent it. Logged by type and id only, never the body."""
        turn = self._turn(entry_id, fields)
        log.error("gave up on a %s event (%s, entry %s) after %d deliveries; kept in %s",
                  _str_or_none(turn.event.get("type")), turn.event_key, entry_id, deliveries,
                  keys.DEAD_LETTER_STREAM)
        self.redis.xadd(keys.DEAD_LETTER_STREAM,
                        {**fields, "entry": entry_id, "deliveries": deliveries},
                        maxlen=self.app.config["STREAM_MAXLEN"], approximate=True)
        try:
            with self.app.app_context():
                apologise(self.app, turn)
        except Exception:  # the apology is a courtesy: the entry is given up on regardless
            log.exception("could not apologise for a %s event",
                          _str_or_none(turn.event.get("type")))
        acknowledge(self.app, self.redis, turn)

    def drain(self, max_rounds: int = 1000) -> int:
        """Handle everything waiting now, without blocking (tests and benchmarks)."""
        total = 0
        for _ in range(max_rounds):
            handled = self.poll(block_ms=None, count=100)
            total += handled
            if not handled:
                break
        return total

    def _handle(self, entry_id: str, fields: dict[str, Any], again: bool) -> None:
        turn = self._turn(entry_id, fields)
        turn.redelivered, turn.consumer, turn.read_next = again, self.name, self.read_next
        try:
            with self.app.app_context():
                handle_event(self.app, self.redis, turn)
        finally:  # read with its acknowledgement, even if something failed after it
            self._ready += turn.following

    @staticmethod
    def _turn(entry_id: str, fields: dict[str, Any]) -> Turn:
        try:
            event = json.loads(fields.get("event", "{}"))
            received_at = int(fields.get("at", 0))
            seq = int(fields.get("seq", 0))
        except (ValueError, TypeError):
            event, received_at, seq = {}, 0, 0
        if not isinstance(event, dict):
            event = {}
        event_key = event.get("webhookEventId")
        if not isinstance(event_key, str) or not event_key:
            event_key = f"entry-{entry_id}"
        return Turn(event, event_key, received_at, seq, entry_id)


def _str_or_none(value: object) -> str | None:
    return value[:40] if isinstance(value, str) else None


def start_in_thread(app: Flask, stop: threading.Event, name: str = "worker") -> threading.Thread:
    worker = Worker(app)
    thread = threading.Thread(target=worker.run, args=(stop,), name=name, daemon=True)
    thread.start()
    return thread
