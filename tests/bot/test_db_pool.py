"""The SQL connection pool holds as many connections as the process has threads that use the
database at once: a busy `machibot worker` reuses its connections instead of opening new ones
(and closing them again) whenever more of its threads are in a turn than the pool keeps."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import event

from bot import db
from bot.app import create_app
from bot.config import ConfigError, load_config


def _app(tmp_path, database_url, redis_url):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                       "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                       "DATABASE_POOL_SIZE": 5}, pages=False)


def _all_at_once(engine, threads: int) -> None:
    """`threads` threads, each holding a connection at the same moment (a busy worker)."""
    together = threading.Barrier(threads)

    def turn() -> None:
        with engine.connect():
            together.wait(timeout=30)

    pool = [threading.Thread(target=turn) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def test_a_pool_sized_for_the_threads_opens_no_connection_twice(tmp_path, database_url,
                                                                redis_url):
    app = _app(tmp_path, database_url, redis_url)
    db.size_pool(app, 12)
    engine = db.get_engine(app)
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    try:
        _all_at_once(engine, 12)
        first = len(opened)
        assert first == 12
        _all_at_once(engine, 12)
        _all_at_once(engine, 12)
        assert len(opened) == first  # the same twelve, kept
    finally:
        db.close(app)


def test_sizing_after_the_engine_was_made_makes_it_again_and_never_shrinks(
        tmp_path, database_url, redis_url):
    app = _app(tmp_path, database_url, redis_url)
    try:
        small = db.get_engine(app)
        assert small.pool.size() == app.config["DATABASE_POOL_SIZE"] == 5
        db.size_pool(app, 3)  # fewer threads than the configured pool: as configured
        assert db.get_engine(app) is small
        db.size_pool(app, 16)
        assert db.get_engine(app).pool.size() == 16
    finally:
        db.close(app)


_POOL_OF_WORKER = """
import os, sys, threading
import bot.worker
from bot.app import main
from bot.db import get_engine

first = threading.Lock()  # the worker runs one Worker.run a thread: only the first reports

def run(self, stop):
    if first.acquire(blocking=False):
        sys.stdout.write(f"pool: {get_engine(self.app).pool.size()}\\n")
        sys.stdout.flush()
        os._exit(0)
    stop.wait()

bot.worker.Worker.run = run
main(["worker", "--threads", sys.argv[1]])
"""


def test_machibot_worker_sizes_the_pool_for_its_threads(database_url, redis_url):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "DATABASE_POOL_SIZE": "5"}
    done = subprocess.run([sys.executable, "-c", _POOL_OF_WORKER, "16"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert "pool: 16" in done.stdout, done.stdout + done.stderr


def test_a_pool_of_no_connection_is_refused_at_start():
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE must be 1 or more"):
        load_config(environ={"DATABASE_POOL_SIZE": "0"})
