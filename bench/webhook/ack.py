"""Phase 1, the ack path: how fast POST /callback verifies, dedupes, enqueues and answers.

Load comes from forked generator processes (threads with blocking keep-alive connections);
the figures are what the senders saw, the web's and Redis's CPU, and what Redis ran."""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import time
from collections import Counter

import redis

from .measure import CLK_TCK, cpu_seconds, machine_busy, pct
from .stack import HOST
from .wire import Conn, ack_body, webhook_request


def run(port: int, r: redis.Redis, web_pids: list[int], senders: list[int], seconds: float,
        rate: float, rate_seconds: float, monitored: int, warmup: int) -> dict:
    """Warm up, then closed loop at each concurrency, a fixed rate, and MONITOR."""
    conn = Conn(port)  # warm up every gunicorn thread and the script cache
    for i in range(warmup):
        conn.request(webhook_request(ack_body(5 * 10**9 + i), port))
    conn.close()
    closed = []
    for n in senders:
        closed.append(a := ack_closed(port, n, seconds, r, web_pids))
        print(f"  ack {n:>3} senders: {a['events_per_s']:7.0f} events/s  "
              f"p50 {a['p50_ms']:.2f} ms  p99 {a['p99_ms']:.2f} ms", flush=True)
    fixed = ack_fixed_rate(port, rate, rate_seconds, web_pids)
    print(f"  ack at {rate:.0f}/s: p50 {fixed['p50_ms']:.2f} ms  p99 {fixed['p99_ms']:.2f} ms",
          flush=True)
    return {"closed_loop": closed, "fixed_rate": fixed,
            "monitor": ack_round_trips(port, r, monitored)}


def _ack_closed_child(port: int, threads: int, start_at: float, duration: float, out) -> None:
    lat: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads

    def send(i: int) -> None:
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
    _run_threads(send, threads)
    out.send({"lat": [x for per in lat for x in per], "errors": sum(errors),
              "cpu": sum(os.times()[:2]) - cpu0})
    out.close()


def _ack_rate_child(port: int, threads: int, rate: float, start_at: float, duration: float,
                    out) -> None:
    total = int(rate * duration)
    lat: list[list[float]] = [[] for _ in range(threads)]
    late = [0] * threads
    errors = [0] * threads

    def send(i: int) -> None:
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
    _run_threads(send, threads)
    out.send({"lat": [x for per in lat for x in per], "errors": sum(errors),
              "late": sum(late), "cpu": sum(os.times()[:2]) - cpu0})
    out.close()


def _run_threads(target, count: int) -> None:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


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
    gen_cpu = sum(res["cpu"] for res in results)
    lat = [x for res in results for x in res["lat"]]
    events = len(lat)
    delta = {k: v - c0.get(k, 0) for k, v in c1.items() if v - c0.get(k, 0) > 0}
    delta.pop("info", None)
    return {
        "senders": n, "gen_processes": procs, "events": events,
        "events_per_s": events / duration, "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99),
        "errors": sum(res["errors"] for res in results),
        "gen_cpu_pct_of_core": 100 * gen_cpu / duration,
        "gen_cpu_us_per_event": 1e6 * gen_cpu / max(events, 1),
        "web_cpu_us_per_event": 1e6 * web_cpu / max(events, 1),
        "web_cpu_pct_of_2_cores": 100 * web_cpu / duration / 2,
        "redis_cpu_us_per_event": 1e6 * (rc1 - rc0) / max(events, 1),
        "machine_busy_pct_of_2_cores": 100 * busy / duration / 2,
        "not_ours_pct_of_2_cores": 100 * max(0.0, busy - web_cpu - (rc1 - rc0) - gen_cpu)
        / duration / 2,
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


def ack_round_trips(port: int, r: redis.Redis, n: int = 200) -> dict:
    """MONITOR while sending n requests one by one: what clients sent vs what scripts ran."""
    lines = []
    with _Monitor(r) as monitor:
        r.echo("bench-monitor-start")
        conn = Conn(port)
        ok = 0
        for i in range(n):
            status, _ = conn.request(webhook_request(ack_body(10**9 + i), port))
            ok += status == 200
        conn.close()
        r.echo("bench-monitor-stop")
        time.sleep(0.5)
        lines = monitor.lines
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


class _Monitor:
    """Redis MONITOR on a raw socket, its lines collected by a thread."""

    def __init__(self, r: redis.Redis) -> None:
        kwargs = r.connection_pool.connection_kwargs
        self.sock = socket.create_connection((kwargs.get("host", HOST), kwargs.get("port", 6379)))
        if kwargs.get("password"):
            self.sock.sendall(f"AUTH {kwargs['password']}\r\n".encode())
        if kwargs.get("db"):
            self.sock.sendall(f"SELECT {kwargs['db']}\r\n".encode())
        self.lines: list[bytes] = []
        self.stop = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> _Monitor:
        self.sock.sendall(b"MONITOR\r\n")
        self.reader.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.reader.join(2)
        self.sock.close()

    def _read(self) -> None:
        buf = b""
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            if not chunk:
                return
            buf += chunk
            *done, buf = buf.split(b"\r\n")
            self.lines.extend(done)
