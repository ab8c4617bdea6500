"""The scheduler: one leader at a time, chosen by a Redis lease.

APScheduler runs a few named jobs at fixed intervals in the ward's time zone. Every copy
runs the lease job; only the copy that holds the lease runs the others, and a copy takes
over within the lease time when the leader dies. Features never schedule jobs one by one:
their jobs are the app's table (bot/registries.py JOBS; the notification dispatch reads due
rows from the outbox).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from bot import keys
from bot.redis_store import get_redis

log = logging.getLogger(__name__)

LEASE_KEY = keys.key("scheduler", "leader")
# renew only while we hold it; take it when free
RENEW_LUA = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] or not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Job:
    name: str
    seconds: int
    run: Callable[[Flask], None]


class Scheduler:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.redis = get_redis(app)
        self.identity = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_ms = app.config["SCHEDULER_LEASE_SECONDS"] * 1000
        self.is_leader = False
        self._renew = self.redis.register_script(RENEW_LUA)
        self.scheduler = BackgroundScheduler(timezone=app.config["BOT_TIMEZONE"])

    def renew_lease(self) -> bool:
        held = bool(self._renew(keys=[LEASE_KEY], args=[self.identity, self.lease_ms]))
        if held != self.is_leader:
            log.info("scheduler %s", "is now the leader" if held else "lost the lease")
        self.is_leader = held
        return held

    def _guarded(self, job: Job) -> Callable[[], None]:
        def run() -> None:
            if not self.is_leader:
                return
            with self.app.app_context():
                try:
                    job.run(self.app)
                except Exception:
                    log.exception("scheduled job %s failed", job.name)

        return run

    def start(self) -> None:
        interval = max(1, self.lease_ms // 3000)
        self.scheduler.add_job(self.renew_lease, "interval", seconds=interval, id="lease",
                               name="lease", max_instances=1, coalesce=True)
        for job in self.app.extensions["machibot.jobs"]:
            # first run at once: a leader that just took over does not wait a whole interval
            self.scheduler.add_job(self._guarded(job), "interval", seconds=job.seconds,
                                   id=job.name, name=job.name, max_instances=1, coalesce=True,
                                   next_run_time=datetime.now(self.scheduler.timezone))
        self.renew_lease()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        if self.is_leader:
            self.redis.eval(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                "return redis.call('DEL', KEYS[1]) end return 0", 1, LEASE_KEY, self.identity)

    def run(self, stop: threading.Event) -> None:
        self.start()
        log.info("scheduler %s started", self.identity)
        stop.wait()
        self.stop()


def start_in_thread(app: Flask, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=Scheduler(app).run, args=(stop,), name="scheduler",
                              daemon=True)
    thread.start()
    return thread
