"""The worker: reads the event stream through a consumer group and handles each event.

Delivery is at-least-once: an entry is acknowledged (and deleted: it holds what the person
sent) only after its turn is saved and its replies are sent. Entries left pending by a
worker that died (even by kill -9) are claimed by another worker once they have been idle
for WORKER_CLAIM_IDLE_MS. Re-handling is safe: the webhook never enqueues an event twice,
and pushes carry a retry key derived from the event, so LINE delivers a re-sent push only
once.

An entry that keeps failing is not retried forever: once it has been delivered
WORKER_MAX_DELIVERIES times, the next claim moves it to a dead-letter stream
(keys.DEAD_LETTER_STREAM) for a person to look at, acknowledges it, and tells the person,
where there is one, that something went wrong.
"""

from __future__ import annotations

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
from bot.redis_store import get_redis
from handlers.events import Turn, acknowledge, apologise, handle_event

log = logging.getLogger(__name__)


class Worker:
    # One entry a read: an event waits on LINE for tens of milliseconds, so a thread holding
    # a batch would keep events queued behind it while other threads sit idle.
    def __init__(self, app: Flask, name: str | None = None, batch: int = 1) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"
        self.batch = batch
        # a connection of its own, held for the worker's life: taking one from the shared
        # pool and giving it back costs about a third of each Redis call
        self.redis = redis.Redis(connection_pool=get_redis(app).connection_pool,
                                 single_connection_client=True)
        self._group_ready = False
        self._last_claim = 0.0

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
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                self.poll(block_ms=self.app.config["WORKER_BLOCK_MS"])
            except redis.RedisError as exc:
                log.error("worker cannot reach Redis (%s); retrying", type(exc).__name__)
                self._group_ready = False
                stop.wait(1.0)

    def poll(self, block_ms: int | None = None, count: int | None = None) -> int:
        """One read of new entries (and, now and then, of abandoned ones). Returns the count."""
        self.ensure_group()
        handled = 0
        idle_ms = self.app.config["WORKER_CLAIM_IDLE_MS"]
        if time.monotonic() - self._last_claim > min(idle_ms / 1000, 15):
            self._last_claim = time.monotonic()
            handled += self.reclaim(idle_ms)
        response = self.redis.xreadgroup(
            keys.WORKER_GROUP, self.name, {keys.EVENT_STREAM: ">"}, count=count or self.batch,
            block=block_ms,
        )
        for _stream, entries in response or []:
            for entry_id, fields in entries:
                self.handle(entry_id, fields)
                handled += 1
        return handled

    def handle(self, entry_id: str, fields: dict[str, Any]) -> None:
        """Handle one entry; on an unexpected failure leave it pending to be claimed again."""
        try:
            self._handle(entry_id, fields)
        except redis.RedisError:
            raise
        except Exception:
            log.exception("event left pending after an unexpected failure")

    def reclaim(self, min_idle_ms: int) -> int:
        """Take over entries a worker read but never acknowledged (it died, or the handling
        failed); move those delivered too often to the dead letters."""
        handled, start = 0, "0-0"
        limit = self.app.config["WORKER_MAX_DELIVERIES"]
        while True:
            result = self.redis.xautoclaim(keys.EVENT_STREAM, keys.WORKER_GROUP, self.name,
                                           min_idle_time=min_idle_ms, start_id=start, count=50)
            start, entries = result[0], result[1]
            deliveries = self._deliveries([entry_id for entry_id, fields in entries if fields])
            for entry_id, fields in entries:
                if not fields:  # trimmed away before it was claimed
                    self.redis.xack(keys.EVENT_STREAM, keys.WORKER_GROUP, entry_id)
                    continue
                if deliveries.get(entry_id, 0) > limit:
                    self.dead_letter(entry_id, fields, deliveries[entry_id])
                    continue
                log.info("reclaimed an event left pending (its worker died or failed)")
                self.handle(entry_id, fields)
                handled += 1
            if start in ("0-0", b"0-0") or not entries:
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

    def _handle(self, entry_id: str, fields: dict[str, Any]) -> None:
        turn = self._turn(entry_id, fields)
        with self.app.app_context():
            handle_event(self.app, self.redis, turn)

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
