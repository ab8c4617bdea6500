"""Webhook, worker and end-to-end benchmark of machibot against the LINE simulator.

    .venv/bin/python bench/webhook_bench.py --quick      # < 60 s
    .venv/bin/python bench/webhook_bench.py              # about 3 minutes
    .venv/bin/python bench/webhook_bench.py --redis-url redis://127.0.0.1:6379/14 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

What it starts (all on 127.0.0.1, all stopped on exit, also on Ctrl-C):
- a private `redis-server` (unless --redis-url) and a temporary SQLite database (unless
  --database-url), migrated with `machibot db upgrade`;
- the LINE simulator under uvicorn (bench/sim_host.py: `bot:create_app()` in simulator mode,
  its send endpoints answered on the event loop; needs the bench extra); the bot and the echo
  baseline reach it through LINE_API_BASE_URL;
- the bot's web under gunicorn (`-w 2 -k gthread --threads 8` by default);
- `machibot worker --threads N` processes for the end-to-end run;
- bench/echo_bot.py under the same gunicorn settings, for the baseline.

Phases:
1. ack path: closed-loop senders (1 event per request) for several concurrencies, then an
   open-loop run at a fixed offered load (200 events/s); latency is measured from the
   scheduled send time, so a stalled server cannot hide its queueing (no coordinated
   omission). Redis commands per event come from INFO commandstats deltas; round trips per
   event from MONITOR (commands a client sent, as opposed to those a Lua script ran).
2. per step: one worker in this process (`Worker.drain()`) handles each dialog step of a few
   users; Redis round trips are counted by wrapping the connection's send, SQL statements
   with a `before_cursor_execute` listener, LINE API calls from the simulator's request log.
3. end to end: a population of simulated users who follow, agree to the privacy notice,
   choose a mode and then tap menu buttons, each waiting for the bot's reply (seen in the
   simulator's inbox) before the next tap; the simulator delays every API answer by 50 ms.
   The users are driven from one thread (a selector) over 32 keep-alive connections, spread
   evenly over the bot's gunicorn workers, and see replies through Redis keyspace
   notifications, so that the driver takes little CPU from the bot under test.
4. the same end-to-end run against bench/echo_bot.py.

With --redis-url every key under "machibot:" in that database is deleted (before, between
phases and after); with --database-url the schema is migrated and bench users are added.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib.util
import json
import multiprocessing
import os
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import hiredis  # noqa: E402
import redis  # noqa: E402

from bot.config import SIMULATOR_CHANNEL_SECRET  # noqa: E402
from bot.postback import PostbackCodec  # noqa: E402
from bot.simulator import events as ev  # noqa: E402
from bot.simulator.store import SimulatorStore  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
OUT_DIR = ROOT / "bench" / "out"
HOST = "127.0.0.1"
SECRET = SIMULATOR_CHANNEL_SECRET
CLK_TCK = os.sysconf("SC_CLK_TCK")
INBOX_PREFIX = "machibot:sim:inbox:"  # one entry per reply or push a user received
TOKEN_PREFIX = "machibot:sim:token:"
TOKEN_TTL_MS = 600_000
TOKENS_AHEAD = 16  # reply tokens issued per user in one round trip (end to end)
BENCH_EXTRA = ("uvicorn", "uvloop", "httptools", "a2wsgi")  # bench/sim_host.py serves with them

TARGETS = {
    "ack_p99_ms_at_200": 20.0,
    "ack_round_trips_per_event": 1,
    "turn_round_trips": 2,
}

# The dialog every simulated user walks through; then TAPS round and round.
ONBOARDING = ("follow", "consent", "mode")
TAPS = ("menu", "help", "settings", "menu", "language", "help")


# -- processes --------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Children get SIGTERM if this script dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Procs:
    """Every server this script starts, so that all of them stop however it ends."""

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

    def stop(self, name: str, timeout: float = 10.0) -> None:
        proc = self.running.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, proc._bench_stop)  # type: ignore[attr-defined]
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # its own session: only its children
                proc.wait(5)
        proc._bench_log.close()  # type: ignore[attr-defined]

    def stop_all(self) -> None:
        for name in list(self.running)[::-1]:
            with contextlib.suppress(Exception):
                self.stop(name, timeout=5.0)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children[ppid].append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_pct(before: tuple[float, float]) -> float:
    after = machine_busy()
    return 100 * (after[0] - before[0]) / max(after[1] - before[1], 1)


def not_ours(busy0: tuple[float, float], elapsed: float, servers_cpu: float, run: dict) -> float:
    """Share of the 2 cores used by processes this benchmark did not start (other work on the
    machine), over a run: machine busy minus our servers minus the driver."""
    busy = (machine_busy()[0] - busy0[0]) / CLK_TCK
    driver = run["driver_cpu_pct_of_core"] / 100 * run["duration_s"]
    return round(100 * max(0.0, busy - servers_cpu - driver) / elapsed / 2, 1)


def peak_rss_mb(pids: list[int]) -> list[float]:
    out = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return out


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


# -- a lean keep-alive HTTP/1.1 client (cheaper per request than http.client) ---------------


class Conn:
    def __init__(self, port: int) -> None:
        self.addr = (HOST, port)
        self.sock: socket.socket | None = None
        self.buf = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.sock is None:
                self.sock = socket.create_connection(self.addr, timeout=30)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(raw)
                return self._read()
            except (ConnectionError, EOFError):
                self.close()  # a keep-alive connection the server closed: once more
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _read(self) -> tuple[int, bytes]:
        assert self.sock is not None
        while (answer := parse_answer(self.buf)) is None:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        status, body, self.buf, close = answer
        if close:
            self.close()
        return status, body


def parse_answer(buf: bytes) -> tuple[int, bytes, bytes, bool] | None:
    """(status, body, the bytes after it, whether the server closes) of the HTTP/1.1 answer at
    the start of buf, or None while it is incomplete."""
    head, found, rest = buf.partition(b"\r\n\r\n")
    if not found:
        return None
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
    if len(rest) < length:
        return None
    return status, rest[:length], rest[length:], close


def webhook_request(body: bytes, port: int) -> bytes:
    head = (f"POST /callback HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            f"X-Line-Signature: {ev.sign(SECRET, body)}\r\n\r\n")
    return head.encode() + body


def ack_body(n: int) -> bytes:
    """A text-message webhook like LINE's, with a fresh webhookEventId."""
    user = f"Uack{n % 997:029d}"
    return ev.body([ev.text(user, "menu", reply_token=secrets.token_hex(16))])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


# -- phase 1: the ack path ----------------------------------------------------------------------


def _ack_closed_child(port: int, threads: int, start_at: float, duration: float, out) -> None:
    lat: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads

    def run(i: int) -> None:
        conn, n = Conn(port), i * 10_000_000 + os.getpid() * 100_000_000
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + duration
        while time.time() < end:
            raw = webhook_request(ack_body(n), port)
            n += 1
            t0 = time.perf_counter()
            try:
                status, _ = conn.request(raw)
            except OSError:
                status = 0
            dt = time.perf_counter() - t0
            if status == 200:
                lat[i].append(dt * 1000)
            else:
                errors[i] += 1
        conn.close()

    cpu0 = sum(os.times()[:2])
    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    out.send({"lat": [x for per in lat for x in per], "errors": sum(errors),
              "cpu": sum(os.times()[:2]) - cpu0})
    out.close()


def _ack_rate_child(port: int, threads: int, rate: float, start_at: float, duration: float,
                    out) -> None:
    total = int(rate * duration)
    lat: list[list[float]] = [[] for _ in range(threads)]
    late = [0] * threads
    errors = [0] * threads

    def run(i: int) -> None:
        conn = Conn(port)
        for k in range(i, total, threads):
            raw = webhook_request(ack_body(k), port)
            due = start_at + k / rate
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.001:
                late[i] += 1
            try:
                status, _ = conn.request(raw)
            except OSError:
                status = 0
            if status == 200:
                lat[i].append((time.time() - due) * 1000)
            else:
                errors[i] += 1
        conn.close()

    cpu0 = sum(os.times()[:2])
    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    out.send({"lat": [x for per in lat for x in per], "errors": sum(errors),
              "late": sum(late), "cpu": sum(os.times()[:2]) - cpu0})
    out.close()


def run_generators(target, splits: list[tuple], duration: float) -> list[dict]:
    """Run load generator processes (fork) that start together; collect their results."""
    ctx = multiprocessing.get_context("fork")
    start_at = time.time() + 0.5
    procs, pipes = [], []
    for args in splits:
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(target=target, args=(*args, start_at, duration, child), daemon=True)
        p.start()
        procs.append(p)
        pipes.append(parent)
    results = [pipe.recv() for pipe in pipes]
    for p in procs:
        p.join(10)
    return results


def commandstats(r: redis.Redis) -> tuple[Counter, int, float]:
    stats = r.info("commandstats")
    calls = Counter({k.removeprefix("cmdstat_"): v["calls"] for k, v in stats.items()})
    info = r.info()
    return calls, info["total_commands_processed"], info["used_cpu_sys"] + info["used_cpu_user"]


def ack_closed(port: int, n: int, duration: float, r: redis.Redis, web_pids: list[int]) -> dict:
    procs = 1 if n < 4 else 2
    per = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    c0, t0, rc0 = commandstats(r)
    w0 = cpu_seconds(web_pids)
    busy0 = machine_busy()
    results = run_generators(_ack_closed_child, [(port, k) for k in per], duration)
    busy = (machine_busy()[0] - busy0[0]) / CLK_TCK
    c1, t1, rc1 = commandstats(r)
    web_cpu = cpu_seconds(web_pids) - w0
    lat = [x for res in results for x in res["lat"]]
    events = len(lat)
    delta = {k: v - c0.get(k, 0) for k, v in c1.items() if v - c0.get(k, 0) > 0}
    delta.pop("info", None)
    return {
        "senders": n, "gen_processes": procs, "events": events,
        "events_per_s": events / duration, "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99),
        "errors": sum(res["errors"] for res in results),
        "gen_cpu_pct_of_core": 100 * sum(res["cpu"] for res in results) / duration,
        "gen_cpu_us_per_event": 1e6 * sum(res["cpu"] for res in results) / max(events, 1),
        "web_cpu_us_per_event": 1e6 * web_cpu / max(events, 1),
        "web_cpu_pct_of_2_cores": 100 * web_cpu / duration / 2,
        "redis_cpu_us_per_event": 1e6 * (rc1 - rc0) / max(events, 1),
        "machine_busy_pct_of_2_cores": 100 * busy / duration / 2,
        "not_ours_pct_of_2_cores": 100 * max(0.0, busy - web_cpu - (rc1 - rc0) - sum(
            res["cpu"] for res in results)) / duration / 2,
        "redis_commands_per_event": {k: v / max(events, 1) for k, v in sorted(delta.items())},
        "redis_total_commands_processed_per_event": (t1 - t0 - 2) / max(events, 1),
    }


def ack_fixed_rate(port: int, rate: float, duration: float, web_pids: list[int]) -> dict:
    threads = 8
    w0 = cpu_seconds(web_pids)
    (res,) = run_generators(_ack_rate_child, [(port, threads, rate)], duration)
    web_cpu = cpu_seconds(web_pids) - w0
    lat = res["lat"]
    return {
        "offered_per_s": rate, "events": len(lat), "duration_s": duration,
        "p50_ms": pct(lat, 0.5), "p90_ms": pct(lat, 0.9), "p99_ms": pct(lat, 0.99),
        "max_ms": max(lat) if lat else float("nan"), "errors": res["errors"],
        "late_sends": res["late"], "gen_threads": threads,
        "gen_cpu_pct_of_core": 100 * res["cpu"] / duration,
        "web_cpu_pct_of_2_cores": 100 * web_cpu / duration / 2,
    }


def ack_round_trips(port: int, redis_port: int | None, r: redis.Redis, n: int = 200) -> dict:
    """MONITOR while sending n requests one by one: what clients sent vs what scripts ran."""
    conn_kwargs = r.connection_pool.connection_kwargs
    mon = socket.create_connection((conn_kwargs.get("host", HOST), conn_kwargs.get("port", 6379)))
    if conn_kwargs.get("password"):
        mon.sendall(f"AUTH {conn_kwargs['password']}\r\n".encode())
    if conn_kwargs.get("db"):
        mon.sendall(f"SELECT {conn_kwargs['db']}\r\n".encode())
    mon.sendall(b"MONITOR\r\n")
    lines: list[bytes] = []
    stop = threading.Event()

    def read() -> None:
        buf = b""
        mon.settimeout(0.2)
        while not stop.is_set():
            try:
                chunk = mon.recv(1 << 20)
            except TimeoutError:
                continue
            if not chunk:
                return
            buf += chunk
            *done, buf = buf.split(b"\r\n")
            lines.extend(done)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)
    marker = "bench-monitor-start"
    r.echo(marker)
    conn = Conn(port)
    ok = 0
    for i in range(n):
        status, _ = conn.request(webhook_request(ack_body(10**9 + i), port))
        ok += status == 200
    conn.close()
    r.echo("bench-monitor-stop")
    time.sleep(0.5)
    stop.set()
    reader.join(2)
    mon.close()
    client_cmds, script_cmds = Counter(), Counter()
    counting = False
    for line in lines:
        if b"bench-monitor-start" in line:
            counting = True
            continue
        if b"bench-monitor-stop" in line:
            break
        if not counting or not line.startswith(b"+") or b'"' not in line:
            continue
        source = line.split(b"[", 1)[1].split(b"]", 1)[0]
        command = line.split(b'"', 2)[1].decode().upper()
        (script_cmds if b"lua" in source else client_cmds)[command] += 1
    return {
        "requests": n, "ok": ok,
        "round_trips_per_event": sum(client_cmds.values()) / max(ok, 1),
        "client_commands": dict(client_cmds), "script_commands": dict(script_cmds),
        "commands_per_event": (sum(client_cmds.values()) + sum(script_cmds.values()))
        / max(ok, 1),
    }


# -- the simulated users -------------------------------------------------------------------------


def step_event(codec: PostbackCodec, user: str, index: int, step_no: int, token: str) -> tuple[
        str, dict]:
    """(kind, event) for a user's step_no-th input."""
    if step_no == 0:
        return "follow", ev.follow(user, reply_token=token)
    if step_no == 1:
        return "consent", ev.postback(user, codec.encode(
            "ans", s="onboarding.ask_consent", v="agree"), reply_token=token)
    if step_no == 2:
        mode = "simple" if index % 2 else "standard"
        return "mode", ev.postback(user, codec.encode(
            "ans", s="onboarding.ask_mode", v=mode), reply_token=token)
    tap = TAPS[(step_no - 3 + index) % len(TAPS)]
    return f"tap:{tap}", ev.postback(user, codec.encode(tap), reply_token=token)


def issue_token(r: redis.Redis, user: str) -> str:
    """What SimulatorStore.issue_reply_token does, with a long TTL and in one command."""
    token = secrets.token_hex(16)
    r.set(TOKEN_PREFIX + token, user, px=TOKEN_TTL_MS)
    return token


def add_users(r: redis.Redis, users: list[str]) -> None:
    store = SimulatorStore(r)
    for i, user in enumerate(users):
        store.add_user(user, display_name=f"ベンチ{i}", language="ja" if i % 3 else "en")


class ReplyTokens:
    """Reply tokens for each user's next events, issued TOKENS_AHEAD at a time in one
    pipelined round trip instead of one SET per event (as `issue_token` does each)."""

    def __init__(self, r: redis.Redis) -> None:
        self.r = r
        self.stock: dict[str, list[str]] = defaultdict(list)

    def take(self, user: str) -> str:
        stock = self.stock[user]
        if not stock:
            stock.extend(secrets.token_hex(16) for _ in range(TOKENS_AHEAD))
            pipe = self.r.pipeline(transaction=False)
            for token in stock:
                pipe.set(TOKEN_PREFIX + token, user, px=TOKEN_TTL_MS)
            pipe.execute()
        return stock.pop()


class WebhookConn:
    """A keep-alive connection to the bot's /callback with at most one request in flight,
    read when the driver's selector finds it readable. The socket blocks: a request goes
    into an empty send buffer (the last answer is in), and recv is called only when
    something is there."""

    def __init__(self, port: int, selector: selectors.BaseSelector,
                 sock: socket.socket | None = None) -> None:
        self.addr = (HOST, port)
        self.selector = selector
        self.sock: socket.socket | None = None
        self.buf = b""
        self.raw = b""  # the request in flight, b"" when idle
        self.user = ""
        self.resent = False
        if sock is not None:
            self._attach(sock)

    def _attach(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.selector.register(sock, selectors.EVENT_READ, self)
        self.sock = sock

    def send(self, raw: bytes, user: str) -> None:
        self.raw, self.user, self.resent = raw, user, False
        self._send()

    def _send(self) -> None:
        if self.sock is None:
            self._attach(socket.create_connection(self.addr))
        self.buf = b""
        self.sock.sendall(self.raw)

    def read(self) -> int | None:
        """The status of the answer once it is whole (0: none came), else None."""
        assert self.sock is not None
        try:
            chunk = self.sock.recv(65536)
        except ConnectionError:
            chunk = b""
        if not chunk:
            self.close()
            if not self.raw:
                return None  # an idle keep-alive connection the server closed
            if self.buf or self.resent:
                return self._done(0)
            self.resent = True  # the server closed it as the request went out: once more
            try:
                self._send()
            except OSError:
                return self._done(0)
            return None
        self.buf += chunk
        answer = parse_answer(self.buf)
        if answer is None:
            return None
        if answer[3]:
            self.close()
        return self._done(answer[0])

    def _done(self, status: int) -> int:
        self.raw = b""
        return status

    def close(self) -> None:
        if self.sock is not None:
            self.selector.unregister(self.sock)
            self.sock.close()
        self.sock, self.buf = None, b""


class InboxPushes:
    """Users whose simulator inbox just got an entry, from Redis keyspace notifications: one
    PSUBSCRIBE on a raw socket that the driver's selector watches, parsed by hiredis. Seeing
    a reply costs no request to Redis."""

    def __init__(self, r: redis.Redis, db: int) -> None:
        kwargs = r.connection_pool.connection_kwargs
        if "path" in kwargs:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(kwargs["path"])
        else:
            self.sock = socket.create_connection((kwargs.get("host", HOST),
                                                  kwargs.get("port", 6379)))
        self.reader = hiredis.Reader(encoding="utf-8")
        self.channel_prefix = f"__keyspace@{db}__:{INBOX_PREFIX}"
        if kwargs.get("password"):
            self._call("AUTH", *filter(None, (kwargs.get("username"), kwargs["password"])))
        self._call("PSUBSCRIBE", self.channel_prefix + "*")

    def _call(self, *args: str) -> None:
        self.sock.sendall(hiredis.pack_command(args))
        while (reply := self.reader.gets()) is False:
            self._feed()
        if isinstance(reply, hiredis.ReplyError):
            raise reply

    def _feed(self) -> None:
        data = self.sock.recv(1 << 16)
        if not data:
            raise redis.ConnectionError("Redis closed the keyspace subscription")
        self.reader.feed(data)

    def users(self) -> list[str]:
        """Once the socket is readable: whose inbox got an entry (one name per entry)."""
        self._feed()
        found = []
        while (message := self.reader.gets()) is not False:
            if message[0] == "pmessage" and message[3] == "rpush":
                found.append(message[2][len(self.channel_prefix):])
        return found

    def close(self) -> None:
        self.sock.close()


def open_spread(port: int, n: int, workers: list[int]) -> tuple[list[socket.socket], list[int]]:
    """n connections to a pre-forked server, as evenly spread over its worker processes as a
    bounded number of tries allows; and how many each worker holds.

    Which worker accepts a connection is up to the kernel, and gunicorn's two workers often
    end up with 28 and 4, or 32 and 0. For a bot that answers inside the webhook (echo, 8
    threads a worker) that halves the concurrency it is offered, so its events/s would
    depend on luck. Connections that land on a worker already holding its share are closed."""
    share = -(-n // max(len(workers), 1))
    held: Counter = Counter()
    kept: list[socket.socket] = []
    for _ in range(20 * n):
        if len(kept) == n:
            break
        sock = socket.create_connection((HOST, port))
        owner = accepting_worker(sock, workers)
        if owner is not None and held[owner] >= share:
            sock.close()
            continue
        held[owner] += 1
        kept.append(sock)
    kept += [socket.create_connection((HOST, port)) for _ in range(n - len(kept))]
    return kept, sorted(held.values(), reverse=True)


def accepting_worker(sock: socket.socket, workers: list[int], timeout: float = 0.5) -> int | None:
    """Which of the server's processes accepted this loopback connection, from /proc: the
    inode of the server's end in /proc/net/tcp (0 until accepted), then the process that has
    that socket open."""
    ours, theirs = sock.getsockname()[1], sock.getpeername()[1]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inode = _server_end_inode(ours, theirs)
        if inode:
            target = f"socket:[{inode}]"
            for pid in workers:
                with contextlib.suppress(OSError):
                    if any(os.readlink(f"/proc/{pid}/fd/{fd}") == target
                           for fd in os.listdir(f"/proc/{pid}/fd")):
                        return pid
        time.sleep(0.001)
    return None


def _server_end_inode(client_port: int, server_port: int) -> str | None:
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (int(fields[1].rsplit(":", 1)[1], 16) == server_port
                and int(fields[2].rsplit(":", 1)[1], 16) == client_port):
            return fields[9]
    return None


class DialogDriver:
    """The simulated users, in one thread: a selector over `senders` keep-alive connections
    to the bot (each with at most one webhook request in flight, so the bot is offered the
    same concurrency as by as many blocking sender threads) and the inbox notifications.

    A user waits for its reply before its next event: a turn ends when the user's inbox in
    the simulator grew beyond its length when the event was sent."""

    def __init__(self, port: int, r: redis.Redis, users: list[str], senders: int,
                 notify_db: int | None, web_workers: list[int]) -> None:
        self.port, self.r = port, r
        self.codec = PostbackCodec(SECRET)
        self.index = {u: i for i, u in enumerate(users)}
        self.step_no = dict.fromkeys(users, 0)
        # An inbox's length is known to be at least the entries counted from notifications
        # and the LLEN of the last sweep. Two counts, not one: an entry that a sweep saw may
        # have its notification still on the way, and must not count twice.
        self.pushed = dict.fromkeys(users, 0)
        self.swept = dict.fromkeys(users, 0)
        self.awaiting: dict[str, tuple[int, float, str]] = {}  # inbox length, sent at, kind
        self.ready = deque(users)
        self.done: list[tuple[float, float, str]] = []  # (when, latency s, kind)
        self.counters: Counter = Counter()
        self.tokens = ReplyTokens(r)
        self.selector = selectors.DefaultSelector()
        socks, self.spread = open_spread(port, senders, web_workers)
        self.conns = [WebhookConn(port, self.selector, sock) for sock in socks]
        self.idle = deque(self.conns)
        self.in_flight = 0
        self.retry: deque[tuple[float, str, WebhookConn]] = deque()  # after a failed request
        self.pushes = None if notify_db is None else InboxPushes(r, notify_db)
        if self.pushes is not None:
            self.selector.register(self.pushes.sock, selectors.EVENT_READ, self.pushes)
        # The sweep catches replies whose notification was missed (none on a healthy
        # connection: a sweep of 300 inboxes would cost more than all the notifications), or
        # every reply without notifications; it also gives up on lost turns.
        self.sweep_every = 2.0 if self.pushes is not None else 0.01
        self.next_sweep = 0.0

    def run(self, duration: float) -> tuple[float, float, float]:
        """(start, end, the driver's CPU seconds while it sent, answers in flight included)."""
        cpu0 = sum(os.times()[:2])
        start = time.time()
        end = start + duration
        self.next_sweep = start + self.sweep_every
        self._run_until(end, sending=True, finished=lambda: False)
        self._run_until(end + 30, sending=False, finished=lambda: self.in_flight == 0)
        cpu = sum(os.times()[:2]) - cpu0
        # let the turns in flight finish, so the next phase starts clean
        self._run_until(time.time() + 20, sending=False, finished=lambda: not self.awaiting)
        return start, end, cpu

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        if self.pushes is not None:
            self.selector.unregister(self.pushes.sock)
            self.pushes.close()
        self.selector.close()

    def _run_until(self, deadline: float, sending: bool, finished: Callable[[], bool]) -> None:
        while not finished() and (now := time.time()) < deadline:
            if sending:
                while self.retry and self.retry[0][0] <= now:
                    _, user, conn = self.retry.popleft()
                    self.ready.append(user)
                    self.idle.append(conn)
                self._send_ready()
            wake = min(deadline, self.next_sweep, self.retry[0][0] if self.retry else deadline)
            for key, _ in self.selector.select(max(wake - time.time(), 0)):
                if key.data is self.pushes:
                    self._pushed(self.pushes.users())
                else:
                    self._answered(key.data)
            if time.time() >= self.next_sweep:
                self._sweep()
                self.next_sweep = time.time() + self.sweep_every

    def _send_ready(self) -> None:
        while self.ready and self.idle:
            user, conn = self.ready.popleft(), self.idle.popleft()
            token = self.tokens.take(user)
            kind, event = step_event(self.codec, user, self.index[user], self.step_no[user],
                                     token)
            raw = webhook_request(ev.body([event]), self.port)
            self.awaiting[user] = (self.inbox_len(user), time.time(), kind)
            self.in_flight += 1
            try:
                conn.send(raw, user)
            except OSError:
                conn.close()
                self._failed(conn)

    def _answered(self, conn: WebhookConn) -> None:
        status = conn.read()
        if status == 200:
            self.in_flight -= 1
            self.idle.append(conn)
        elif status is not None:
            self._failed(conn)

    def _failed(self, conn: WebhookConn) -> None:
        """A webhook request that failed: its user sends the same step again after 50 ms, and
        the connection waits as long (as a blocking sender would)."""
        self.in_flight -= 1
        self.counters["webhook_errors"] += 1
        self.awaiting.pop(conn.user, None)
        self.retry.append((time.time() + 0.05, conn.user, conn))

    def _pushed(self, users: list[str]) -> None:
        now = time.time()
        for user in users:
            if user in self.pushed:
                self.pushed[user] += 1
                waiting = self.awaiting.get(user)
                if waiting is not None and self.inbox_len(user) > waiting[0]:
                    self._complete(user, now)

    def _sweep(self) -> None:
        """LLEN of every awaited inbox in one pipeline; a turn is given up after 20 s."""
        if not self.awaiting:
            return
        users = list(self.awaiting)
        pipe = self.r.pipeline(transaction=False)
        for user in users:
            pipe.llen(INBOX_PREFIX + user)
        now = time.time()
        for user, length in zip(users, pipe.execute(), strict=True):
            self.swept[user] = length
            if self.inbox_len(user) > self.awaiting[user][0]:
                self._complete(user, now)
            elif now - self.awaiting[user][1] > 20:
                del self.awaiting[user]
                self.counters["lost_turns"] += 1
                self.step_no[user] += 1
                self.ready.append(user)

    def inbox_len(self, user: str) -> int:
        return max(self.pushed[user], self.swept[user])

    def _complete(self, user: str, now: float) -> None:
        _, sent_at, kind = self.awaiting.pop(user)
        self.step_no[user] += 1
        self.done.append((now, now - sent_at, kind))
        self.ready.append(user)


def run_dialogs(port: int, r: redis.Redis, users: list[str], duration: float, warmup: float,
                senders: int, notify_db: int | None, label: str, web_workers: list[int]) -> dict:
    """Closed loop: each user sends its next input once the previous reply reached its inbox.
    web_workers: the bot's gunicorn worker processes, over which the connections are spread."""
    driver = DialogDriver(port, r, users, senders, notify_db, web_workers)
    try:
        start, end, gen_cpu = driver.run(duration)
    finally:
        driver.close()
    window = [d for d in driver.done if start + warmup <= d[0] <= end]
    kinds = Counter(d[2].split(":")[0] for d in window)
    lat = [d[1] * 1000 for d in window]
    menu_lat = [d[1] * 1000 for d in window if d[2].startswith("tap:")]
    return {
        "label": label, "users": len(users), "senders": senders, "duration_s": duration,
        "connections_per_web_worker": driver.spread, "warmup_s": warmup,
        "turns_in_window": len(window),
        "events_per_s": len(window) / (duration - warmup),
        "turns_by_kind": dict(kinds), "turns_total": len(driver.done),
        "e2e_p50_ms": pct(lat, 0.5), "e2e_p99_ms": pct(lat, 0.99),
        "menu_tap_p50_ms": pct(menu_lat, 0.5), "menu_tap_p99_ms": pct(menu_lat, 0.99),
        "unfinished_after_drain": len(driver.awaiting),
        "lost_turns": driver.counters["lost_turns"],
        "webhook_errors": driver.counters["webhook_errors"],
        "driver_cpu_pct_of_core": 100 * gen_cpu / duration,
    }


# -- phase 2: one worker in this process --------------------------------------------------------


class Counting:
    """Redis round trips (one send per command or per pipeline) in this process."""

    def __init__(self) -> None:
        self.round_trips = 0
        self.on = False

    def install(self) -> None:
        original = redis.connection.AbstractConnection.send_packed_command
        counting = self

        def send_packed_command(conn, command, check_health=True):  # type: ignore[no-untyped-def]
            if counting.on:
                counting.round_trips += 1
            return original(conn, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = send_packed_command


def _package(filename: str) -> str:
    """'sqlalchemy', 'linebot', 'bot', 'handlers', '(builtins)'... for a profiled function."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)) + 1:].split("/", 1)[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "(builtins: sockets, json, hmac...)"
    return "(stdlib)"


def per_step(web_port: int, r: redis.Redis, users_n: int, profile: bool) -> dict:
    from sqlalchemy import event as sa_event

    from bot import create_app
    from bot.db import get_engine
    from bot.worker import Worker

    app = create_app()
    counting = Counting()
    counting.install()
    sql: list[str] = []

    def before_cursor_execute(conn, cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if counting.on:
            sql.append(statement.split(None, 1)[0].upper())

    sa_event.listen(get_engine(app), "before_cursor_execute", before_cursor_execute)
    per_event: list[dict] = []

    class CountingWorker(Worker):
        def handle(self, entry_id, fields):  # type: ignore[no-untyped-def]
            # the CPU of the whole process (nothing else runs in it now)
            rt0, sql0, cpu0 = counting.round_trips, len(sql), time.process_time()
            t0 = time.perf_counter()
            super().handle(entry_id, fields)
            per_event.append({"round_trips": counting.round_trips - rt0,
                              "sql": sql[sql0:], "cpu_ms": (time.process_time() - cpu0) * 1000,
                              "wall_ms": (time.perf_counter() - t0) * 1000})

    worker = CountingWorker(app, name="bench-inprocess")
    sim_store = SimulatorStore(r)
    codec = PostbackCodec(SECRET)
    users = [f"Ustep{secrets.token_hex(13)}" for _ in range(users_n + 1)]
    add_users(r, users)
    conn = Conn(web_port)
    rows: dict[str, list[dict]] = defaultdict(list)
    errors: list[str] = []
    profiler = None
    profiled_turns = 0
    steps = len(ONBOARDING) + len(TAPS)
    for u_index, user in enumerate(users):
        warm = u_index == 0  # the first user pays one-off costs (script load, connections)
        if profile and not warm and profiler is None:
            import cProfile

            profiler = cProfile.Profile(time.thread_time)  # CPU time, not waiting
        for step in range(steps):
            token = issue_token(r, user)
            kind, event = step_event(codec, user, u_index, step, token)
            seen = len(sim_store.messages(user))
            log0 = r.llen("machibot:sim:requests")
            status, _ = conn.request(webhook_request(ev.body([event]), web_port))
            if status != 200:
                errors.append(f"webhook answered {status}")
            before = len(per_event)
            counting.on = True
            rt_drain0 = counting.round_trips
            if profiler is not None:
                profiler.enable()
            worker.drain()
            if profiler is not None:
                profiler.disable()
            counting.on = False
            if len(per_event) != before + 1:
                errors.append(f"{kind}: worker handled {len(per_event) - before} entries")
                continue
            log1 = r.llen("machibot:sim:requests")
            calls = [json.loads(x)["endpoint"] for x in
                     r.lrange("machibot:sim:requests", log0 - log1, -1)] if log1 > log0 else []
            replies = sim_store.messages(user, after_seq=seen)
            text = json.dumps(replies, ensure_ascii=False)
            if not replies:
                errors.append(f"{kind}: no reply")
            if "went wrong" in text or "問題が発生" in text:
                errors.append(f"{kind}: error reply")
            if warm:
                continue
            profiled_turns += 1
            rec = dict(per_event[-1])
            rec["drain_round_trips"] = counting.round_trips - rt_drain0
            rec["line_calls"] = calls
            rec["reply_messages"] = [m["message"]["type"] for m in replies]
            rows[kind].append(rec)
    conn.close()
    summary = {}
    for kind, recs in rows.items():
        summary[kind] = {
            "samples": len(recs),
            "redis_round_trips": sum(x["round_trips"] for x in recs) / len(recs),
            "redis_round_trips_incl_poll": sum(x["drain_round_trips"] for x in recs) / len(recs),
            "sql_statements": sum(len(x["sql"]) for x in recs) / len(recs),
            "sql_by_verb": dict(Counter(v for x in recs for v in x["sql"])),
            "line_calls": dict(Counter(c for x in recs for c in x["line_calls"])),
            "line_calls_per_turn": sum(len(x["line_calls"]) for x in recs) / len(recs),
            "worker_cpu_ms": sum(x["cpu_ms"] for x in recs) / len(recs),
            "reply_messages": recs[0]["reply_messages"],
        }
    result: dict[str, Any] = {"users": users_n, "steps": summary, "errors": errors}
    if profiler is not None:
        import io
        import pstats

        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.sort_stats("tottime").print_stats(15)
        result["profile_top_tottime"] = buf.getvalue()
        by_package: Counter = Counter()
        for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
            by_package[_package(filename)] += tottime
        total = sum(by_package.values()) or 1.0
        result["profile_cpu_by_package"] = {
            k: {"ms_per_turn": round(1000 * v / profiled_turns, 2), "share": round(v / total, 3)}
            for k, v in by_package.most_common()}
    from bot import db as bot_db
    from bot import redis_store

    bot_db.close(app)
    redis_store.close(app)
    return result


# -- the run ------------------------------------------------------------------------------------


def gunicorn_argv(app_spec: str, port: int, workers: int, threads: int, extra=()) -> list[str]:
    return [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads",
            str(threads), "-b", f"{HOST}:{port}", "--keep-alive", "10", "--backlog", "2048",
            "--log-level", "warning", *extra, app_spec]


# `machibot worker` with another Worker batch size (diagnostic only; see --worker-batch)
BATCH_LAUNCHER = """
import sys
import bot.worker
original = bot.worker.Worker.__init__
def init(self, app, name=None, batch=int(sys.argv[1])):
    original(self, app, name, batch)
bot.worker.Worker.__init__ = init
from bot.cli import main
main(["worker", "--threads", sys.argv[2]])
"""


def reset_redis(r: redis.Redis, private: bool) -> None:
    if private:
        r.flushdb()
        return
    batch = []
    for name in r.scan_iter("machibot:*", count=1000):
        batch.append(name)
        if len(batch) >= 1000:
            r.unlink(*batch)
            batch = []
    if batch:
        r.unlink(*batch)


def main() -> int:  # noqa: C901 - one straight script, phase after phase
    missing = [m for m in BENCH_EXTRA if importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(f"webhook_bench: {', '.join(missing)} missing; "
                 "run .venv/bin/pip install -e '.[bench]'")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a shorter run (< 60 s)")
    parser.add_argument("--redis-url", help="use this Redis (keys machibot:* are deleted)")
    parser.add_argument("--database-url", help="use this database (migrated; users added)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--worker-procs", type=int, default=2)
    parser.add_argument("--worker-threads", type=int, default=16,
                        help="threads per worker process (default: the Procfile's 16)")
    parser.add_argument("--worker-batch", type=int, default=None,
                        help="diagnostic: start workers with this XREADGROUP COUNT instead of "
                             "the bot's default (patched in a launcher; the bot is unchanged)")
    parser.add_argument("--what-if-batch", type=int, default=0,
                        help="also run end to end with workers patched to this batch size "
                             "(default 0: no)")
    parser.add_argument("--sim-latency-ms", type=float, default=50.0)
    parser.add_argument("--senders", default=None, help="ack concurrencies, e.g. 1,8,32")
    parser.add_argument("--ack-seconds", type=float, default=None)
    parser.add_argument("--rate", type=float, default=200.0, help="fixed offered load, events/s")
    parser.add_argument("--rate-seconds", type=float, default=None)
    parser.add_argument("--users", type=int, default=None, help="simulated users end to end")
    parser.add_argument("--e2e-seconds", type=float, default=None)
    parser.add_argument("--skip-echo", action="store_true")
    parser.add_argument("--skip-ack", action="store_true", help="only per-step and end to end")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process worker")
    parser.add_argument("--step-users", type=int, default=None,
                        help="users walked through the per-step phase (default 3; --quick 3)")
    parser.add_argument("--keep-tmp", action="store_true", help="keep logs and the database")
    args = parser.parse_args()
    quick = args.quick
    senders = [int(x) for x in (args.senders or ("1,16" if quick else "1,8,32,64")).split(",")]
    ack_seconds = args.ack_seconds or (3.0 if quick else 10.0)
    rate_seconds = args.rate_seconds or (6.0 if quick else 20.0)
    e2e_seconds = args.e2e_seconds or (10.0 if quick else 30.0)
    warmup = 2.5 if quick else 6.0
    users_n = args.users or (150 if quick else 300)

    tmp = Path(tempfile.mkdtemp(prefix="machibot-bench-"))
    procs = Procs(tmp)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": quick, "cpus": os.cpu_count(),
        "targets": TARGETS,
        "settings": {"web": f"gunicorn -w {args.web_workers} -k gthread --threads "
                            f"{args.web_threads}",
                     "workers": f"{args.worker_procs} x machibot worker --threads "
                                f"{args.worker_threads}" + (
                                    f" (batch patched to {args.worker_batch})"
                                    if args.worker_batch else ""),
                     "simulator": "uvicorn (bench/sim_host.py)",
                     "simulator_latency_ms": args.sim_latency_ms},
    }
    t_begin = time.monotonic()
    private_redis = not args.redis_url
    try:
        # Redis
        if private_redis:
            redis_port = free_port()
            procs.start("redis", [shutil.which("redis-server") or "redis-server", "--port",
                                  str(redis_port), "--bind", HOST, "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp)], dict(os.environ))
            redis_url = f"redis://{HOST}:{redis_port}/0"
        else:
            redis_url = args.redis_url
        r = redis.Redis.from_url(redis_url, decode_responses=True)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                r.ping()
                break
            time.sleep(0.05)
        reset_redis(r, private_redis)
        notify_db: int | None = r.connection_pool.connection_kwargs.get("db", 0)
        try:
            old_notify = r.config_get("notify-keyspace-events").get("notify-keyspace-events", "")
            r.config_set("notify-keyspace-events", "Kl")
        except redis.ResponseError:
            old_notify, notify_db = None, None  # fall back to polling inboxes

        database_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        sim_port, web_port, echo_port = free_port(), free_port(), free_port()
        env = dict(os.environ)
        for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
            env.pop(name, None)
        env.update(DATABASE_URL=database_url, REDIS_URL=redis_url,
                   MACHIBOT_INSTANCE=str(tmp / "instance"),
                   LINE_API_BASE_URL=f"http://{HOST}:{sim_port}/simulator",
                   PYTHONDONTWRITEBYTECODE="1")
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "MACHIBOT_INSTANCE",
                                                "LINE_API_BASE_URL")})
        for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
            os.environ.pop(name, None)
        subprocess.run([str(VENV_BIN / "machibot"), "db", "upgrade"], env=env, cwd=ROOT,
                       check=True, capture_output=True)

        # the LINE simulator, then the bot's web
        sim_argv = [str(VENV_BIN / "python"), str(ROOT / "bench" / "sim_host.py"), "--host",
                    HOST, "--port", str(sim_port)]
        sim = procs.start("simulator", sim_argv, env, stop_signal=signal.SIGINT)
        web = procs.start("web", gunicorn_argv("bot:create_app()", web_port, args.web_workers,
                                               args.web_threads), env, stop_signal=signal.SIGINT)
        wait_http(f"http://{HOST}:{sim_port}/simulator/admin/settings", proc=sim)
        wait_http(f"http://{HOST}:{web_port}/healthz", proc=web)
        web_pids = tree(web.pid)
        web_hwm = {"after_start": sum(peak_rss_mb(web_pids))}
        sim_url = f"http://{HOST}:{sim_port}/simulator"
        http_json(f"{sim_url}/admin/settings", {"latency_ms": 0, "reply_token_ttl": 600})
        print(f"servers up in {time.monotonic() - t_begin:.1f} s; "
              f"redis {'private' if private_redis else redis_url}, database "
              f"{'temporary SQLite' if not args.database_url else args.database_url}",
              flush=True)

        busy0 = machine_busy()
        time.sleep(1.0)
        results["machine_busy_pct_before"] = round(busy_pct(busy0), 1)
        if results["machine_busy_pct_before"] > 10:
            print(f"  WARNING: the machine is {results['machine_busy_pct_before']:.0f}% busy "
                  "before the benchmark starts (other work); figures will be lower and noisier",
                  flush=True)

        # 1. ack path
        if not args.skip_ack:
            conn = Conn(web_port)  # warm up every gunicorn thread and the script cache
            for i in range(200):
                conn.request(webhook_request(ack_body(5 * 10**9 + i), web_port))
            conn.close()
            ack = []
            for n in senders:
                ack.append(ack_closed(web_port, n, ack_seconds, r, web_pids))
                a = ack[-1]
                print(f"  ack {n:>3} senders: {a['events_per_s']:7.0f} events/s  "
                      f"p50 {a['p50_ms']:.2f} ms  p99 {a['p99_ms']:.2f} ms", flush=True)
            fixed = ack_fixed_rate(web_port, args.rate, rate_seconds, web_pids)
            print(f"  ack at {args.rate:.0f}/s: p50 {fixed['p50_ms']:.2f} ms  "
                  f"p99 {fixed['p99_ms']:.2f} ms", flush=True)
            rts = ack_round_trips(web_port, None, r)
            results["ack"] = {"closed_loop": ack, "fixed_rate": fixed, "monitor": rts}

        web_hwm["after_ack"] = sum(peak_rss_mb(web_pids))

        # 2. per step, one worker in this process (no simulator latency)
        reset_redis(r, private_redis)
        steps = per_step(web_port, r, args.step_users or (3 if quick else 6), args.profile)
        results["per_step"] = steps
        print(f"  per-step figures from {steps['users']} users "
              f"({len(steps['errors'])} errors)", flush=True)

        # 3. end to end, machibot (and, as a what-if, with the worker batch patched)
        def e2e_machibot(batch: int | None, label: str) -> tuple[dict, dict]:
            reset_redis(r, private_redis)
            http_json(f"{sim_url}/admin/settings",
                      {"latency_ms": args.sim_latency_ms, "reply_token_ttl": 600})
            names = []
            for i in range(args.worker_procs):
                name = f"{label}-worker{i}"
                if batch:
                    argv = [str(VENV_BIN / "python"), "-c", BATCH_LAUNCHER, str(batch),
                            str(args.worker_threads)]
                else:
                    argv = [str(VENV_BIN / "machibot"), "worker", "--threads",
                            str(args.worker_threads)]
                procs.start(name, argv, env)
                names.append(name)
            users = [f"Ue2e{secrets.token_hex(14)}" for _ in range(users_n)]
            add_users(r, users)
            time.sleep(1.0)  # workers import and create the consumer group
            groups = {
                "web": web_pids, "workers": [p for n in names
                                             for p in tree(procs.running[n].pid)],
                "simulator": tree(sim.pid),
            }
            if private_redis:
                groups["redis"] = tree(procs.running["redis"].pid)
            cpu0 = {k: cpu_seconds(v) for k, v in groups.items()}
            busy0 = machine_busy()
            t0 = time.time()
            run = run_dialogs(web_port, r, users, e2e_seconds, warmup, 32, notify_db, label,
                              web_pids[1:])
            elapsed = time.time() - t0
            run["worker_batch"] = batch or "bot default (1)"
            run["machine_busy_pct"] = round(busy_pct(busy0), 1)
            run["not_ours_pct_of_2_cores"] = not_ours(busy0, elapsed, sum(
                cpu_seconds(v) - cpu0[k] for k, v in groups.items()), run)
            run["cpu_pct_of_2_cores"] = {
                k: round(100 * (cpu_seconds(v) - cpu0[k]) / elapsed / 2, 1)
                for k, v in groups.items()}
            run["cpu_ms_per_turn"] = {k: round(1000 * (cpu_seconds(v) - cpu0[k])
                                               / max(run["turns_total"], 1), 2)
                                      for k, v in groups.items()}
            with contextlib.suppress(redis.ResponseError):
                # a turn is acknowledged once LINE has answered its reply, after the reply
                # was seen: give the last ones a moment, then count what is left
                settle = time.monotonic() + 5
                while True:
                    info = r.xinfo_groups("machibot:events")
                    if not info[0].get("pending") or time.monotonic() > settle:
                        break
                    time.sleep(0.05)
                run["stream_after"] = {"lag": info[0].get("lag"),
                                       "pending": info[0].get("pending")}
            run["worker_log_errors"] = sum(
                procs.log_tail(n, 100000).count(" ERROR ") for n in names)
            peaks = {"web_mb": peak_rss_mb(web_pids),
                     "workers_mb": [x for n in names
                                    for x in peak_rss_mb(tree(procs.running[n].pid))],
                     "simulator_mb": peak_rss_mb(tree(sim.pid))}
            print(f"  e2e {label}: {run['events_per_s']:.0f} events/s", flush=True)
            for name in names:
                procs.stop(name)
            return run, peaks

        e2e, rss = e2e_machibot(args.worker_batch, "machibot")
        web_hwm["after_e2e"] = sum(peak_rss_mb(web_pids))
        rss["web_peak_by_phase_mb"] = web_hwm
        results["e2e"] = e2e
        if args.what_if_batch and not args.worker_batch:
            results["e2e_what_if"], _ = e2e_machibot(args.what_if_batch,
                                                     f"batch={args.what_if_batch}")
        procs.stop("web")
        groups = {"simulator": tree(sim.pid)}

        # 4. end to end, the echo bot
        if not args.skip_echo:
            reset_redis(r, private_redis)
            http_json(f"{sim_url}/admin/settings",
                      {"latency_ms": args.sim_latency_ms, "reply_token_ttl": 600})
            echo = procs.start("echo", gunicorn_argv(
                "echo_bot:app", echo_port, args.web_workers, args.web_threads,
                ["--chdir", str(ROOT / "bench")]), env, stop_signal=signal.SIGINT)
            wait_http(f"http://{HOST}:{echo_port}/", proc=echo)
            users = [f"Uecho{secrets.token_hex(14)}" for _ in range(users_n)]
            add_users(r, users)
            echo_pids = tree(echo.pid)
            cpu0 = {"echo_web": cpu_seconds(echo_pids), "simulator": cpu_seconds(groups[
                "simulator"])}
            redis_info = r.info("cpu")
            redis_cpu0 = redis_info["used_cpu_sys"] + redis_info["used_cpu_user"]
            busy0 = machine_busy()
            t0 = time.time()
            base = run_dialogs(echo_port, r, users, e2e_seconds, warmup, 32, notify_db, "echo",
                               echo_pids[1:])
            elapsed = time.time() - t0
            base["machine_busy_pct"] = round(busy_pct(busy0), 1)
            base["not_ours_pct_of_2_cores"] = not_ours(busy0, elapsed, (
                cpu_seconds(echo_pids) - cpu0["echo_web"] + cpu_seconds(groups["simulator"])
                - cpu0["simulator"] + (r.info("cpu")["used_cpu_sys"] + r.info("cpu")[
                    "used_cpu_user"] - redis_cpu0)), base)
            base["cpu_ms_per_turn"] = {
                "echo_web": round(1000 * (cpu_seconds(echo_pids) - cpu0["echo_web"])
                                  / max(base["turns_total"], 1), 2),
                "simulator": round(1000 * (cpu_seconds(groups["simulator"]) - cpu0["simulator"])
                                   / max(base["turns_total"], 1), 2)}
            base["cpu_pct_of_2_cores"] = {
                "echo_web": round(100 * (cpu_seconds(echo_pids) - cpu0["echo_web"])
                                  / elapsed / 2, 1),
                "simulator": round(100 * (cpu_seconds(groups["simulator"]) - cpu0["simulator"])
                                   / elapsed / 2, 1)}
            rss["echo_web_mb"] = peak_rss_mb(echo_pids)
            results["echo"] = base
            results["ratio_e2e_ours_over_echo"] = e2e["events_per_s"] / max(
                base["events_per_s"], 1e-9)
            ours_ms = e2e["cpu_ms_per_turn"]["web"] + e2e["cpu_ms_per_turn"]["workers"]
            results["events_per_bot_cpu_second"] = {
                "machibot (web + workers)": round(1000 / ours_ms, 1),
                "echo (web)": round(1000 / base["cpu_ms_per_turn"]["echo_web"], 1),
                "ratio": round(base["cpu_ms_per_turn"]["echo_web"] / ours_ms, 2)}
            print(f"  e2e echo: {base['events_per_s']:.0f} events/s", flush=True)
            procs.stop("echo")
        results["rss"] = rss
        if old_notify is not None:
            with contextlib.suppress(redis.ResponseError):
                r.config_set("notify-keyspace-events", old_notify)
        reset_redis(r, private_redis)
    except KeyboardInterrupt:
        print("interrupted; stopping servers", file=sys.stderr)
        return 130
    except Exception:
        for name in list(procs.running):
            tail = procs.log_tail(name, 15)
            if tail:
                print(f"--- {name} log (last lines) ---\n{tail}", file=sys.stderr)
        raise
    finally:
        procs.stop_all()
        if not args.keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs and database kept in {tmp}", file=sys.stderr)

    results["wall_s"] = round(time.monotonic() - t_begin, 1)
    report(results, args)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"webhook_bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


def report(res: dict, args: argparse.Namespace) -> None:
    def ok(flag: bool) -> str:
        return "ok  " if flag else "MISS"

    print()
    print(f"machibot webhook bench ({'quick' if res['quick'] else 'default'} run, "
          f"{res['cpus']} CPUs, {res['wall_s']} s)")
    print(f"machine busy before start: {res.get('machine_busy_pct_before', 0):.0f}% "
          "(other work on the machine lowers every figure)")
    print(f"web: {res['settings']['web']}; workers: {res['settings']['workers']}; simulator: "
          f"{res['settings']['simulator']}, {res['settings']['simulator_latency_ms']:.0f} ms per "
          f"API answer end to end")
    if "ack" in res:
        print("\nACK PATH  POST /callback, 1 event per request, closed loop")
        print(f"  {'senders':>7} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'web CPU':>8} "
              f"{'web µs/ev':>9} {'gen CPU':>8} {'gen µs/ev':>9} {'errors':>6}")
        for a in res["ack"]["closed_loop"]:
            print(f"  {a['senders']:>7} {a['events_per_s']:>9.0f} {a['p50_ms']:>7.2f} "
                  f"{a['p99_ms']:>7.2f} {a['web_cpu_pct_of_2_cores']:>7.0f}% "
                  f"{a['web_cpu_us_per_event']:>9.0f} {a['gen_cpu_pct_of_core']:>7.0f}% "
                  f"{a['gen_cpu_us_per_event']:>9.0f} {a['not_ours_pct_of_2_cores']:>7.0f}% "
                  f"{a['errors']:>6}")
        print("  (web CPU and 'not ours' = other processes on the machine, in % of both cores;"
              " gen = the load generator, in % of one core)")
        f = res["ack"]["fixed_rate"]
        target = res["targets"]["ack_p99_ms_at_200"]
        print(f"  fixed {f['offered_per_s']:.0f} events/s for {f['duration_s']:.0f} s "
              f"({f['events']} events, latency from the scheduled send time): "
              f"p50 {f['p50_ms']:.2f}  p90 {f['p90_ms']:.2f}  p99 {f['p99_ms']:.2f}  "
              f"max {f['max_ms']:.1f} ms")
        print(f"    [{ok(f['p99_ms'] <= target)}] p99 {f['p99_ms']:.2f} ms   "
              f"target ≤ {target:.0f} ms; late sends {f['late_sends']}, errors {f['errors']}, "
              f"generator "
              f"{f['gen_cpu_pct_of_core']:.0f}% of a core, web {f['web_cpu_pct_of_2_cores']:.0f}%")
        m = res["ack"]["monitor"]
        last = res["ack"]["closed_loop"][-1]
        per_event = last["redis_commands_per_event"]
        cmds = ", ".join(f"{k.upper()} {v:.2f}" for k, v in per_event.items())
        print(f"  Redis per event (MONITOR, {m['ok']} requests): round trips "
              f"{m['round_trips_per_event']:.2f} {m['client_commands']}, commands "
              f"{m['commands_per_event']:.2f} (in scripts: {m['script_commands']})")
        print(f"    [{ok(m['round_trips_per_event'] <= 1.0)}] round trips/event "
              f"{m['round_trips_per_event']:.2f}   target 1 (DESIGN.md)")
        print(f"  Redis per event (INFO commandstats, {last['senders']} senders): {cmds}; "
              f"total_commands_processed {last['redis_total_commands_processed_per_event']:.2f}; "
              f"Redis CPU {last['redis_cpu_us_per_event']:.0f} µs/event")

    print("\nPER STEP  one worker in-process (Worker.drain), simulator without latency"
          + ("; CPU ms include cProfile's overhead" if args.profile else ""))
    print(f"  {'step':<14} {'Redis RT':>8} {'RT+poll':>7} {'SQL':>5} {'SQL verbs':<32} "
          f"{'LINE calls':<24} {'CPU ms':>6}")
    for kind, s in res["per_step"]["steps"].items():
        n = s["samples"]
        verbs = " ".join(f"{k}:{v / n:.1f}" for k, v in sorted(s["sql_by_verb"].items()))
        calls = " ".join(f"{k}:{v / n:.0f}" for k, v in sorted(s["line_calls"].items()))
        print(f"  {kind:<14} {s['redis_round_trips']:>8.1f} "
              f"{s['redis_round_trips_incl_poll']:>7.1f} {s['sql_statements']:>5.1f} "
              f"{verbs:<32} {calls:<24} {s['worker_cpu_ms']:>6.1f}")
    turn_rt = max(s["redis_round_trips"] for s in res["per_step"]["steps"].values())
    print(f"    [{ok(turn_rt <= res['targets']['turn_round_trips'])}] Redis round trips per turn "
          f"(max over steps) {turn_rt:.0f}   target 2 (handlers/events.py)")
    if res["per_step"]["errors"]:
        print(f"  errors: {res['per_step']['errors'][:5]}")
    if res["per_step"].get("profile_cpu_by_package"):
        print("  worker CPU per turn by package (cProfile, thread CPU time, self time):")
        print("    " + ", ".join(f"{k} {v['ms_per_turn']:.2f} ms ({100 * v['share']:.0f}%)"
                                 for k, v in res["per_step"]["profile_cpu_by_package"].items()
                                 if v["share"] >= 0.01))

    e = res["e2e"]
    print(f"\nEND TO END  webhook -> worker -> reply recorded by the simulator; {e['users']} "
          f"users (follow, agree, mode, then menu taps), closed loop")
    rows = [e] + [res[k] for k in ("e2e_what_if", "echo") if k in res]
    print(f"  {'bot':<9} {'events/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'turns':>6} {'lost':>5} "
          f"{'machine':>7} {'not ours':>8} {'driver':>6}  CPU ms per turn (share of 2 cores)")
    for row in rows:
        cpu = ", ".join(f"{k} {row['cpu_ms_per_turn'][k]:.2f} ({v:.0f}%)"
                        for k, v in row["cpu_pct_of_2_cores"].items())
        print(f"  {row['label']:<9} {row['events_per_s']:>8.1f} {row['e2e_p50_ms']:>7.0f} "
              f"{row['e2e_p99_ms']:>7.0f} {row['turns_in_window']:>6} {row['lost_turns']:>5} "
              f"{row['machine_busy_pct']:>6.0f}% {row['not_ours_pct_of_2_cores']:>7.0f}% "
              f"{row['driver_cpu_pct_of_core']:>5.0f}%  {cpu}")
    print("  (machine = all CPUs busy; driver = the simulated users, % of one core; e2e latency "
          "= send to reply seen, includes queueing of the closed loop)")
    print("  connections per web worker: " + ", ".join(
        f"{row['label']} {row['connections_per_web_worker']}" for row in rows))
    print(f"  machibot turns in window by kind: {e['turns_by_kind']}; stream after: "
          f"{e.get('stream_after')}; worker log errors: {e['worker_log_errors']}")
    if "ratio_e2e_ours_over_echo" in res:
        ratio = res["ratio_e2e_ours_over_echo"]
        print(f"    [{ok(ratio >= 2.0)}] ours/echo end-to-end events/s = {ratio:.2f}   "
              f"target ≥ 2 (issue 2)")
    if "events_per_bot_cpu_second" in res:
        c = res["events_per_bot_cpu_second"]
        print(f"    events per CPU-second of the bot's own processes (independent of other load "
              f"on the machine): machibot {c['machibot (web + workers)']:.0f}, echo "
              f"{c['echo (web)']:.0f}, ratio {c['ratio']:.2f}")
    if "e2e_what_if" in res and "echo" in res:
        w = res["e2e_what_if"]
        print(f"    what-if: workers with XREADGROUP COUNT {w['worker_batch']} (patched in the "
              f"bench's launcher, bot code unchanged): {w['events_per_s']:.1f} events/s, "
              f"{w['events_per_s'] / max(res['echo']['events_per_s'], 1e-9):.2f} x echo")
    rss = res["rss"]
    print("\nPEAK RSS (VmHWM)")
    print(f"  web (gunicorn master + {len(rss['web_mb']) - 1} workers): "
          f"{sum(rss['web_mb']):.0f} MB = {' + '.join(f'{x:.0f}' for x in rss['web_mb'])}")
    if "web_peak_by_phase_mb" in rss:
        by = rss["web_peak_by_phase_mb"]
        print("  web peak after start / ack phase / end to end: "
              + " / ".join(f"{by[k]:.0f}" for k in ("after_start", "after_ack", "after_e2e")
                           if k in by) + " MB")
    print(f"  workers: {' + '.join(f'{x:.0f}' for x in rss['workers_mb'])} = "
          f"{sum(rss['workers_mb']):.0f} MB")
    if "echo_web_mb" in rss:
        print(f"  echo web: {sum(rss['echo_web_mb']):.0f} MB; simulator: "
              f"{sum(rss['simulator_mb']):.0f} MB")
    print("\nLOAD GENERATOR  raw-socket keep-alive HTTP/1.1 clients in forked processes; its CPU"
          " is shown beside each row. On 2 cores it shares the CPU with the servers, so the "
          "closed-loop events/s are a floor, not the web's ceiling.")


if __name__ == "__main__":
    sys.exit(main())
