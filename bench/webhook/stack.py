"""The servers of a run: start them on 127.0.0.1 with their own ports, and stop every one of
them however the run ends. bench/notify_bench.py starts its servers with these too."""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import redis

from bot import keys
from bot.config import SIMULATOR_ACCESS_TOKEN, SIMULATOR_CHANNEL_SECRET

from .measure import tree

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # where `machibot` and `gunicorn` are installed
HOST = "127.0.0.1"
WEB_APP = "bot.app:create_app()"  # what gunicorn serves, as in the Procfile
BENCH_EXTRA = ("uvicorn", "uvloop", "httptools", "a2wsgi")  # bench/sim_host.py serves with them


def check_bench_extra(name: str) -> None:
    missing = [m for m in BENCH_EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(f"{name}: {', '.join(missing)} missing; run .venv/bin/pip install -e '.[bench]'")


def _die_with_parent() -> None:
    """Children get SIGTERM if the bench dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Procs:
    """Every server the bench starts, so that all of them stop however it ends."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path = ROOT,
              stop_signal: int = signal.SIGTERM) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=_die_with_parent)
        proc._bench_log = log  # type: ignore[attr-defined]
        proc._bench_stop = stop_signal  # type: ignore[attr-defined]
        self.running[name] = proc
        return proc

    def pids(self, name: str) -> list[int]:
        """The process and its children (gunicorn's workers, uvicorn's...)."""
        return tree(self.running[name].pid)

    def stop(self, *names: str, timeout: float = 10.0) -> None:
        """Signal every one of them, then wait for each (killed after timeout)."""
        procs = [proc for name in names if (proc := self.running.pop(name, None)) is not None]
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, proc._bench_stop)  # type: ignore[attr-defined]
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # its own session: only its children
                proc.wait(5)
            proc._bench_log.close()  # type: ignore[attr-defined]

    def stop_all(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(*list(self.running)[::-1], timeout=5.0)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def print_log_tails(self, lines: int = 15) -> None:
        for name in list(self.running):
            tail = self.log_tail(name, lines)
            if tail:
                print(f"--- {name} log (last lines) ---\n{tail}", file=sys.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


def http_json(url: str, body: dict | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.loads(answer.read() or b"null")


def gunicorn_argv(app_spec: str, port: int, workers: int, threads: int, extra=()) -> list[str]:
    return [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads",
            str(threads), "-b", f"{HOST}:{port}", "--keep-alive", "10", "--backlog", "2048",
            "--log-level", "warning", *extra, app_spec]


def start_redis(procs: Procs, tmp: Path) -> str:
    """A private redis-server without persistence; its URL once it answers."""
    port = free_port()
    procs.start("redis", [shutil.which("redis-server") or "redis-server", "--port", str(port),
                          "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                dict(os.environ))
    url = f"redis://{HOST}:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        with contextlib.suppress(redis.ConnectionError):
            client.ping()
            break
        time.sleep(0.05)
    client.close()
    return url


def bot_env(tmp: Path, redis_url: str, database_url: str, sim_port: int) -> dict[str, str]:
    """The environment of the bot's processes: this Redis and database, the simulator at
    sim_port, no LINE credentials. The bench's own process takes it over too (the per-step
    phase runs the bot's app in it)."""
    env = dict(os.environ)
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        env.pop(name, None)
        os.environ.pop(name, None)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url,
               MACHIBOT_INSTANCE=str(tmp / "instance"),
               LINE_API_BASE_URL=f"http://{HOST}:{sim_port}/simulator",
               PYTHONDONTWRITEBYTECODE="1")
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "MACHIBOT_INSTANCE",
                                            "LINE_API_BASE_URL")})
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([str(VENV_BIN / "machibot"), "db", "upgrade"], env=env, cwd=ROOT,
                   check=True, capture_output=True)


def reset_redis(r: redis.Redis, private: bool) -> None:
    """Forget the bot's and the simulator's keys: the whole database when it is the bench's
    own, else every key under the project's prefix."""
    if private:
        r.flushdb()
        return
    batch = []
    for name in r.scan_iter(keys.key("*"), count=1000):
        batch.append(name)
        if len(batch) >= 1000:
            r.unlink(*batch)
            batch = []
    if batch:
        r.unlink(*batch)


# `machibot worker` with another Worker batch size (diagnostic only; see --worker-batch)
BATCH_LAUNCHER = """
import functools, sys
import bot.worker
bot.worker.Worker.__init__ = functools.partialmethod(bot.worker.Worker.__init__,
                                                     batch=int(sys.argv[1]))
from bot.app import main
main(["worker", "--threads", sys.argv[2]])
"""


class Stack:
    """Redis, the database, the simulator (uvicorn), the bot's web (gunicorn), and on demand
    `machibot worker` processes and the echo baseline."""

    def __init__(self, tmp: Path, redis_url: str | None, database_url: str | None) -> None:
        self.tmp = tmp
        self.procs = Procs(tmp)
        self.private_redis = not redis_url
        self.redis_url = redis_url or ""
        self.database_url = database_url or f"sqlite:///{tmp / 'bench.db'}"
        self.sim_port, self.web_port, self.echo_port = free_port(), free_port(), free_port()
        self.sim_url = f"http://{HOST}:{self.sim_port}/simulator"
        self.env: dict[str, str] = {}  # the simulator's (no LINE credentials)
        self.bot_env: dict[str, str] = {}  # the bot's processes' (see `start`)
        self.r: redis.Redis | None = None
        self.notify_db: int | None = None  # the db whose keyspace notifications are on
        self._old_notify: str | None = None

    @property
    def redis(self) -> redis.Redis:
        assert self.r is not None, "Stack.start first"
        return self.r

    def start(self, web_workers: int, web_threads: int) -> None:
        if self.private_redis:
            self.redis_url = start_redis(self.procs, self.tmp)
        self.r = r = redis.Redis.from_url(self.redis_url, decode_responses=True)
        r.ping()
        self.reset_redis()
        try:
            self._old_notify = r.config_get("notify-keyspace-events").get(
                "notify-keyspace-events", "")
            r.config_set("notify-keyspace-events", "Kl")
            self.notify_db = r.connection_pool.connection_kwargs.get("db", 0)
        except redis.ResponseError:
            self.notify_db = None  # CONFIG refused: the driver polls the inboxes instead
        self.env = bot_env(self.tmp, self.redis_url, self.database_url, self.sim_port)
        # the bot's web and workers run as a deployment does, with a channel's credentials
        # (the simulator's: it checks them) and LINE_API_BASE_URL, not in simulator mode,
        # which would add the simulator's pages and send endpoints to the web
        self.bot_env = dict(self.env, LINE_CHANNEL_SECRET=SIMULATOR_CHANNEL_SECRET,
                            LINE_CHANNEL_ACCESS_TOKEN=SIMULATOR_ACCESS_TOKEN)
        # the servers import while the database is migrated: neither touches it at start
        sim = self.procs.start("simulator", [
            str(VENV_BIN / "python"), str(ROOT / "bench" / "sim_host.py"), "--host", HOST,
            "--port", str(self.sim_port)], self.env, stop_signal=signal.SIGINT)
        web = self.procs.start("web", gunicorn_argv(WEB_APP, self.web_port, web_workers,
                                                    web_threads), self.bot_env,
                               stop_signal=signal.SIGINT)
        migrate(self.env)
        wait_http(f"{self.sim_url}/admin/settings", proc=sim)
        wait_http(f"http://{HOST}:{self.web_port}/healthz", proc=web)
        self.simulator_settings(latency_ms=0)

    def simulator_settings(self, latency_ms: float) -> None:
        """The simulator's answer latency; reply tokens that live long enough for any turn."""
        http_json(f"{self.sim_url}/admin/settings",
                  {"latency_ms": latency_ms, "reply_token_ttl": 600})

    def reset_redis(self) -> None:
        reset_redis(self.redis, self.private_redis)

    def start_workers(self, label: str, count: int, threads: int,
                      batch: int | None = None) -> list[str]:
        names = []
        for i in range(count):
            name = f"{label}-worker{i}"
            if batch:
                argv = [str(VENV_BIN / "python"), "-c", BATCH_LAUNCHER, str(batch), str(threads)]
            else:
                argv = [str(VENV_BIN / "machibot"), "worker", "--threads", str(threads)]
            self.procs.start(name, argv, self.bot_env)
            names.append(name)
        return names

    def start_echo(self, web_workers: int, web_threads: int) -> None:
        """bench/echo_bot.py, with the simulator's channel, under the web's gunicorn settings."""
        echo = self.procs.start("echo", gunicorn_argv(
            "echo_bot:app", self.echo_port, web_workers, web_threads,
            ["--chdir", str(ROOT / "bench")]), self.bot_env, stop_signal=signal.SIGINT)
        wait_http(f"http://{HOST}:{self.echo_port}/", proc=echo)

    def close(self, keep_tmp: bool) -> None:
        """Leave a shared Redis as it was found, stop every server, remove the files."""
        if self.r is not None and not self.private_redis:
            with contextlib.suppress(redis.RedisError):
                if self._old_notify is not None:
                    self.r.config_set("notify-keyspace-events", self._old_notify)
                self.reset_redis()
        self.procs.stop_all()
        if keep_tmp:
            print(f"logs and database kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
