"""A dispatcher or scheduler process for the two-process notification tests.

    python tests/bot/notify_proc.py dispatch ISO_NOW [START_EPOCH]  # passes until none left
    python tests/bot/notify_proc.py scheduler          # the real scheduler, until SIGTERM

The database, Redis and simulator come from DATABASE_URL, REDIS_URL and LINE_API_BASE_URL.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import notify_kind  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.notify.dispatch import dispatch  # noqa: E402


def main() -> None:
    app = create_app()
    notify_kind.install(app)
    if sys.argv[1] == "dispatch":
        now = datetime.fromisoformat(sys.argv[2])
        if len(sys.argv) > 3:  # start together with the other process
            time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
        total = 0
        while True:
            stats = dispatch(app, now)
            total += stats.sent
            if not stats.claimed:
                break
        print(f"sent {total}", flush=True)
        return
    from bot.scheduler import Scheduler

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    Scheduler(app).run(stop)


if __name__ == "__main__":
    main()
