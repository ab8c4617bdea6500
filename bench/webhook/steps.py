"""Phase 2, per step: what one turn of each dialog step costs the worker.

A few users walk through the onboarding and the menu taps one event at a time: each event is
posted to the running web (as LINE would), then one worker in this process handles it with
`Worker.drain()`. Counted meanwhile, in this process: Redis round trips (where redis-py
writes to its socket; the worker's reads of the event stream apart), SQL statements (a
`before_cursor_execute` listener on every engine), CPU time; and the LINE API calls from the
simulator's request log. The simulator answers without latency."""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import secrets
import threading
import time
from collections import Counter, defaultdict
from typing import Any

import redis
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from bot import keys
from bot.app import create_app
from bot.kernel.postback import PostbackCodec
from bot.worker import Worker
from simulator import events as ev
from simulator.store import SimulatorStore

from .driver import ONBOARDING, TAPS, add_users, step_event
from .stack import ROOT
from .wire import SECRET, Conn, webhook_request

# the commands with which a worker waits for work or watches the other workers, as opposed
# to those a turn makes
POLLING = frozenset({b"XREADGROUP", b"XAUTOCLAIM", b"XINFO"})
HEARTBEAT = keys.worker_alive("").encode()  # what the heartbeat thread SETs starts so


class RoundTrips:
    """Redis round trips of this process while `on`: one per command, or per pipeline, sent."""

    def __init__(self) -> None:
        self.turn = 0  # everything but polling
        self.polling = 0
        self.on = False
        self._lock = threading.Lock()  # the worker's waiter thread ends turns too

    def install(self) -> None:
        original = redis.connection.AbstractConnection.send_packed_command
        counting = self

        def send_packed_command(conn, command, check_health=True):  # type: ignore[no-untyped-def]
            if counting.on:
                counting.count(command)
            return original(conn, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = send_packed_command

    def count(self, command: bytes | str | list[bytes]) -> None:
        first = command[0] if isinstance(command, list) else command
        if isinstance(first, str):
            first = first.encode()
        # RESP: *<n>\r\n$<len>\r\n<NAME>\r\n... (for a pipeline: its first command)
        name = first.split(b"\r\n", 3)[2].upper() if first.count(b"\r\n") >= 3 else b""
        with self._lock:
            if name in POLLING or (name == b"SET" and HEARTBEAT in first):
                self.polling += 1
            else:
                self.turn += 1


def _package(filename: str) -> str:
    """'sqlalchemy', 'linebot', 'bot', 'handlers', '(builtins)'... for a profiled function."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)) + 1:].split("/", 1)[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "(builtins: sockets, json, hmac...)"
    return "(stdlib)"


def run(web_port: int, r: redis.Redis, users_n: int, profile: bool) -> dict:
    app = create_app()
    trips = RoundTrips()
    trips.install()
    sql: list[str] = []

    def before_cursor_execute(conn, cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if trips.on:
            sql.append(statement.split(None, 1)[0].upper())

    sa_event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    worker = Worker(app, name="bench-inprocess")
    store = SimulatorStore(r)
    requests_log = store.k("requests")
    codec = PostbackCodec(SECRET)
    users = [f"Ustep{secrets.token_hex(13)}" for _ in range(users_n + 1)]
    add_users(r, users)
    conn = Conn(web_port)
    rows: dict[str, list[dict]] = defaultdict(list)
    errors: list[str] = []
    profiler = None
    profiled_turns = 0
    for u_index, user in enumerate(users):
        warm = u_index == 0  # the first user pays one-off costs (script load, connections)
        if profile and not warm and profiler is None:
            profiler = cProfile.Profile(time.thread_time)  # CPU time, not waiting
        for step in range(len(ONBOARDING) + len(TAPS)):
            token = store.issue_reply_token(user)
            kind, event = step_event(codec, user, u_index, step, token)
            seen = len(store.messages(user))
            log0 = r.llen(requests_log)
            status, _ = conn.request(webhook_request(ev.body([event]), web_port))
            if status != 200:
                errors.append(f"{kind}: webhook answered {status}")
            turn0, poll0, sql0 = trips.turn, trips.polling, len(sql)
            cpu0 = time.process_time()
            trips.on = True
            if profiler is not None:
                profiler.enable()
            handled = worker.drain()  # until LINE has answered and the turn is acknowledged
            if profiler is not None:
                profiler.disable()
            trips.on = False
            cpu_ms = (time.process_time() - cpu0) * 1000
            if handled != 1:
                errors.append(f"{kind}: worker handled {handled} entries")
                continue
            log1 = r.llen(requests_log)
            calls = [json.loads(x)["endpoint"] for x in
                     r.lrange(requests_log, log0 - log1, -1)] if log1 > log0 else []
            replies = store.messages(user, after_seq=seen)
            text = json.dumps(replies, ensure_ascii=False)
            if not replies:
                errors.append(f"{kind}: no reply")
            if "went wrong" in text or "問題が発生" in text:
                errors.append(f"{kind}: error reply")
            if warm:
                continue
            profiled_turns += 1
            rows[kind].append({
                "round_trips": trips.turn - turn0,
                "drain_round_trips": trips.turn - turn0 + trips.polling - poll0,
                "sql": sql[sql0:], "cpu_ms": cpu_ms, "line_calls": calls,
                "reply_messages": [m["message"]["type"] for m in replies]})
    conn.close()
    sa_event.remove(Engine, "before_cursor_execute", before_cursor_execute)
    result: dict[str, Any] = {"users": users_n, "steps": _summary(rows), "errors": errors}
    if profiler is not None:
        result.update(_profile(profiler, profiled_turns))
    return result


def _summary(rows: dict[str, list[dict]]) -> dict[str, dict]:
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
    return summary


def _profile(profiler: cProfile.Profile, turns: int) -> dict[str, Any]:
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(15)
    by_package: Counter = Counter()
    for (filename, _line, _func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        by_package[_package(filename)] += tottime
    total = sum(by_package.values()) or 1.0
    return {"profile_top_tottime": buf.getvalue(), "profile_cpu_by_package": {
        k: {"ms_per_turn": round(1000 * v / max(turns, 1), 2), "share": round(v / total, 3)}
        for k, v in by_package.most_common()}}
