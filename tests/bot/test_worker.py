"""The worker: order, acknowledgement, reclaiming what a dead worker left, no double push,
giving up on an entry that keeps failing."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import keys
from bot.db import session_scope
from bot.kernel.engine import Reply
from bot.kernel.i18n import gettext
from bot.line import get_line, retry_key_for
from bot.worker import Worker
from handlers.events import SORRY, Turn, handle_event
from handlers.router import Pattern
from models.users import follow, record_consent
from simulator import events as ev

ROOT = Path(__file__).resolve().parents[2]


def add_pattern(app, monkeypatch, regex: str, handler) -> None:  # type: ignore[no-untyped-def]
    """A test-only text pattern on the app's router, removed after the test."""
    router = app.extensions["machibot.router"]
    monkeypatch.setattr(router, "patterns", [*router.patterns, Pattern(re.compile(regex), handler)])


def echo(ctx, inp, match):  # type: ignore[no-untyped-def]
    return Reply([{"type": "text", "text": f"echo {match.group(1)}"}])


def texts(sim, user_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["message"].get("text", "") for m in sim.messages(user_id)]


def post(person, *events: dict) -> None:  # type: ignore[no-untyped-def]
    body = ev.body(list(events))
    response = person.client.post("/callback", data=body, headers={
        "X-Line-Signature": ev.sign(person.app.config["LINE_CHANNEL_SECRET"], body)})
    assert response.status_code == 200


def pending(redis_client) -> int:  # type: ignore[no-untyped-def]
    return redis_client.xpending(keys.EVENT_STREAM, keys.WORKER_GROUP)["pending"]


def consented_user(app, make_user):  # type: ignore[no-untyped-def]
    """A person who agreed to the privacy notice earlier (made directly, for speed)."""
    person = make_user()
    with session_scope(app) as session:
        row, _ = follow(session, person.user_id, locale="ja", display_name="t")
        record_consent(row)
    return person


# -- order and acknowledgement -----------------------------------------------------------------


def test_events_of_one_user_are_handled_in_order(app, resident, worker, monkeypatch):
    add_pattern(app, monkeypatch, r"echo (\d+)", echo)
    seen = resident.seen
    for n in range(8):
        post(resident, ev.text(resident.user_id, f"echo {n}", reply_token=resident.token()))
    worker.drain()
    answers = [m["message"]["text"] for m in resident.sim.messages(resident.user_id, seen)]
    assert answers == [f"echo {n}" for n in range(8)]


def test_events_of_one_user_stay_in_order_with_two_workers(app, resident, monkeypatch):
    """Two workers sharing the stream answer one person's messages in the order sent."""

    def slow_echo(ctx, inp, match):  # type: ignore[no-untyped-def]
        time.sleep(0.03)
        return echo(ctx, inp, match)

    add_pattern(app, monkeypatch, r"echo (\d+)", slow_echo)
    monkeypatch.setitem(app.config, "WORKER_BLOCK_MS", 50)
    seen = resident.seen
    stop = threading.Event()
    threads = [threading.Thread(target=Worker(app, name=f"w{i}").run, args=(stop,), daemon=True)
               for i in range(2)]
    for thread in threads:
        thread.start()
    try:
        for n in range(10):
            post(resident, ev.text(resident.user_id, f"echo {n}", reply_token=resident.token()))
            time.sleep(0.01)
        deadline = time.monotonic() + 10
        while len(resident.sim.messages(resident.user_id, seen)) < 10:
            assert time.monotonic() < deadline, "the workers did not answer every event"
            time.sleep(0.02)
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
    answers = [m["message"]["text"] for m in resident.sim.messages(resident.user_id, seen)]
    assert answers == [f"echo {n}" for n in range(10)]


def test_entry_is_acknowledged_only_after_it_was_handled(app, resident, worker, redis_client,
                                                         monkeypatch):
    during: list[int] = []

    def look(ctx, inp, match):  # type: ignore[no-untyped-def]
        during.append(pending(redis_client))
        return Reply([{"type": "text", "text": "looked"}])

    add_pattern(app, monkeypatch, r"look", look)
    post(resident, ev.text(resident.user_id, "look", reply_token=resident.token()))
    worker.drain()
    assert during == [1]
    assert pending(redis_client) == 0
    assert texts(resident.sim, resident.user_id)[-1] == "looked"


def pending_for(redis_client, consumer: str) -> int:  # type: ignore[no-untyped-def]
    for row in redis_client.xinfo_consumers(keys.EVENT_STREAM, keys.WORKER_GROUP):
        if row["name"] == consumer:
            return row["pending"]
    return 0


def test_a_busy_worker_reads_its_next_event_as_it_finishes_the_last(
        app, resident, worker, redis_client, monkeypatch):
    """The acknowledgement of one event reads the worker's next one (one Redis round trip a
    turn less); it is answered next, in order, and nothing is left behind."""
    add_pattern(app, monkeypatch, r"echo (\d+)", echo)
    seen = resident.seen
    for n in range(3):
        post(resident, ev.text(resident.user_id, f"echo {n}", reply_token=resident.token()))
    reads: list[int] = []  # the worker's own reads of the stream (round trips)
    read = worker.redis.xreadgroup
    monkeypatch.setattr(worker.redis, "xreadgroup",
                        lambda *a, **k: reads.append(1) or read(*a, **k))

    assert worker.poll(count=1) == 1
    assert texts(resident.sim, resident.user_id)[seen:] == ["echo 0"]
    assert pending_for(redis_client, worker.name) == 1  # "echo 1": read, not yet answered
    assert worker.poll(count=1) == 1
    assert worker.poll(count=1) == 1
    assert texts(resident.sim, resident.user_id)[seen:] == ["echo 0", "echo 1", "echo 2"]
    assert pending(redis_client) == 0
    assert redis_client.xlen(keys.EVENT_STREAM) == 0
    assert len(reads) == 1  # the first; the others came with an acknowledgement


def test_a_stopping_worker_answers_what_it_read_before_it_ends(app, resident, redis_client,
                                                               monkeypatch):
    """Told to stop during a turn, the worker still answers the event it read with that
    turn's acknowledgement, rather than leaving it to be taken over."""
    stop = threading.Event()

    def stopping_echo(ctx, inp, match):  # type: ignore[no-untyped-def]
        stop.set()
        return echo(ctx, inp, match)

    add_pattern(app, monkeypatch, r"echo (\d+)", stopping_echo)
    seen = resident.seen
    for n in range(2):
        post(resident, ev.text(resident.user_id, f"echo {n}", reply_token=resident.token()))
    worker = Worker(app, name="stopping")
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert texts(resident.sim, resident.user_id)[seen:] == ["echo 0", "echo 1"]
    assert pending(redis_client) == 0


def test_a_handled_entry_leaves_the_stream(app, resident, worker, redis_client):
    """What people send (their id, their text) is kept only until it is handled."""
    post(resident, ev.text(resident.user_id, "menu", reply_token=resident.token()))
    assert redis_client.xlen(keys.EVENT_STREAM) >= 1
    worker.drain()
    assert redis_client.xlen(keys.EVENT_STREAM) == 0
    assert pending(redis_client) == 0


def test_an_entry_without_a_person_leaves_the_stream_once_handled(app, resident, worker,
                                                                  redis_client):
    event = ev.text(resident.user_id, "hello")
    event["source"] = {"type": "group", "groupId": "C" + "0" * 32}
    post(resident, event)
    worker.drain()
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


# -- a worker that died ------------------------------------------------------------------------


def _read_as_dead_worker(worker, redis_client) -> list:  # type: ignore[no-untyped-def]
    worker.ensure_group()
    response = redis_client.xreadgroup(keys.WORKER_GROUP, "dead", {keys.EVENT_STREAM: ">"},
                                       count=100)
    return [entry for _stream, entries in response for entry in entries]


def test_entry_of_a_dead_worker_is_reclaimed_and_answered_once(app, resident, worker,
                                                               redis_client, monkeypatch):
    monkeypatch.setitem(app.config, "WORKER_CLAIM_IDLE_MS", 100)
    before = resident.sim.delivery_count(resident.user_id)
    post(resident, ev.text(resident.user_id, "help", reply_token=resident.token()))
    assert len(_read_as_dead_worker(worker, redis_client)) == 1
    time.sleep(0.15)
    assert worker.drain() == 1
    time.sleep(0.15)
    assert worker.drain() == 0
    assert resident.sim.delivery_count(resident.user_id) == before + 1
    assert pending(redis_client) == 0


def test_entry_of_a_busy_worker_is_not_taken_before_the_idle_time(app, resident, worker,
                                                                  redis_client):
    assert app.config["WORKER_CLAIM_IDLE_MS"] >= 10_000
    before = resident.sim.delivery_count(resident.user_id)
    post(resident, ev.text(resident.user_id, "help", reply_token=resident.token()))
    _read_as_dead_worker(worker, redis_client)
    assert worker.drain() == 0
    assert resident.sim.delivery_count(resident.user_id) == before
    assert pending(redis_client) == 1


def test_re_handling_an_event_after_a_crash_pushes_at_most_once(app, resident, worker,
                                                                redis_client, monkeypatch):
    monkeypatch.setitem(app.config, "WORKER_CLAIM_IDLE_MS", 100)
    monkeypatch.setitem(app.config, "REPLY_TOKEN_FRESH_SECONDS", 0)  # every answer is a push
    sim = resident.sim
    before = sim.delivery_count(resident.user_id)
    event = ev.text(resident.user_id, "help", reply_token=resident.token())
    post(resident, event)
    [(entry_id, fields)] = _read_as_dead_worker(worker, redis_client)
    # the dead worker got as far as sending, then died before acknowledging
    with app.app_context():
        handle_event(app, redis_client, Turn(event, event["webhookEventId"], int(fields["at"])))
    assert sim.delivery_count(resident.user_id) == before + 1
    time.sleep(0.15)
    assert worker.drain() == 1
    assert sim.delivery_count(resident.user_id) == before + 1
    pushes = [r for r in sim.requests() if r["endpoint"] == "push"]
    assert [r["status"] for r in pushes] == [200, 409]
    assert {r["retryKey"] for r in pushes} == {retry_key_for(event["webhookEventId"], 0)}
    assert pending(redis_client) == 0


_VICTIM = """
import json, re, sys
from bot.app import create_app
from bot.kernel.engine import Reply
from bot.worker import Worker

app = create_app(json.loads(sys.argv[1]))
router = app.extensions["machibot.router"]
router.pattern(re.compile(r"echo (\\S+)"),
               lambda ctx, inp, m: Reply([{"type": "text", "text": "echo " + m.group(1)}]))
worker = Worker(app)  # named after its process, which keeps a heartbeat while it runs
worker.ensure_group()
print("ready", flush=True)
worker.run()
"""


def test_kill_9_of_a_worker_mid_stream_loses_nothing_and_repeats_nothing(
        app, make_user, worker, sim, redis_client, monkeypatch):
    """Killed with its locks held and replies in flight: within seconds (its heartbeat is
    gone; not after WORKER_CLAIM_IDLE_MS) another worker answers every event, each once."""
    people, sent = echo_backlog(app, make_user, monkeypatch, people=3, each=10)
    total = sum(len(v) for v in sent.values())
    assert redis_client.xlen(keys.EVENT_STREAM) == total

    sim.configure(latency_ms=60)  # slow LINE: the victim is still busy when it is killed
    victim = start_victim(app)
    kill_when_answering(victim, sim, after=4)
    answered_by_victim = sim.delivery_count()
    assert answered_by_victim < total, "the victim finished before it was killed"
    assert pending(redis_client) > 0, "the victim held nothing unacknowledged when killed"

    sim.configure(latency_ms=0)
    deadline = time.monotonic() + 8
    while redis_client.xlen(keys.EVENT_STREAM) and time.monotonic() < deadline:
        worker.poll(block_ms=None)  # the dead worker's lock on someone is taken over too
        time.sleep(0.1)
    assert time.monotonic() < deadline, "the dead worker's events were not taken over"
    assert lost_and_twice(sim, people, sent) == ([], [])
    assert pending(redis_client) == 0


def echo_backlog(app, make_user, monkeypatch, *, people: int, each: int):  # type: ignore[no-untyped-def]
    """People who each sent `each` numbered "echo" messages, waiting in the stream."""
    add_pattern(app, monkeypatch, r"echo (\S+)", echo)
    persons = [consented_user(app, make_user) for _ in range(people)]
    sent = {p.user_id: [f"{i}-{n}" for n in range(each)] for i, p in enumerate(persons)}
    for n in range(each):
        for person in persons:
            post(person, ev.text(person.user_id, f"echo {sent[person.user_id][n]}",
                                 reply_token=person.token()))
    return persons, sent


def lost_and_twice(sim, people, sent) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """The messages of `echo_backlog` never answered, and those answered more than once."""
    lost, twice = [], []
    for person in people:
        answers = texts(sim, person.user_id)
        lost += [t for t in sent[person.user_id] if f"echo {t}" not in answers]
        twice += [t for t in sent[person.user_id] if answers.count(f"echo {t}") > 1]
    return lost, twice


def kill_when_answering(victim, sim, *, after: int, linger: float = 0.0) -> None:  # type: ignore[no-untyped-def]
    """kill -9 the worker process once `after` answers were delivered (and `linger` seconds
    more: a reply taken, its answer not yet back)."""
    try:
        if not _wait_for_line(victim, "ready", timeout=20):
            pytest.skip("the worker process did not start")
        deadline = time.monotonic() + 20
        while sim.delivery_count() < after:
            if victim.poll() is not None or time.monotonic() > deadline:
                pytest.skip("the worker process did not handle events")
            time.sleep(0.01)
        time.sleep(linger)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(5)
    finally:
        if victim.poll() is None:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(5)
        victim.stdout.close()


def start_victim(app) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    """A worker process (with an echo pattern) on the app's database, Redis and simulator,
    to be killed: it prints "ready" once it reads the stream."""
    config = {
        "TESTING": True, "INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": app.config["REDIS_URL"],
        "LINE_CHANNEL_SECRET": None, "LINE_CHANNEL_ACCESS_TOKEN": None,
        "LINE_API_BASE_URL": app.config["LINE_API_BASE_URL"], "WORKER_BLOCK_MS": 100,
    }
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LINE_") and k not in ("REDIS_URL", "DATABASE_URL")}
    try:
        return subprocess.Popen([sys.executable, "-c", _VICTIM, json.dumps(config)], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
    except OSError as exc:
        pytest.skip(f"cannot start a worker process: {exc}")


def _wait_for_line(process: subprocess.Popen, line: str, timeout: float) -> bool:
    found = threading.Event()

    def read() -> None:
        for out in process.stdout:  # type: ignore[union-attr]
            if out.strip() == line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    return found.wait(timeout)


# -- reply token or push -----------------------------------------------------------------------


def test_stale_reply_token_falls_back_to_push(app, resident, worker, redis_client, sim):
    token = resident.token()
    event = ev.text(resident.user_id, "help", reply_token=token)
    long_ago = int(time.time() * 1000) - 10 * 60 * 1000  # a backlog from ten minutes ago
    worker.ensure_group()
    redis_client.xadd(keys.EVENT_STREAM, {"event": json.dumps(event), "at": long_ago})
    seen, requests_before = resident.seen, len(sim.requests())
    worker.drain()
    answers = sim.messages(resident.user_id, seen)
    assert answers and {a["via"] for a in answers} == {"push"}
    assert [r["endpoint"] for r in sim.requests()[requests_before:]] == ["push"]


def test_fresh_reply_token_is_used_for_the_answer(resident):
    resident.says("help")
    entries = resident.sim.messages(resident.user_id)[-len(resident.last):]
    assert {e["via"] for e in entries} == {"reply"}


# -- replies LINE refuses or answers late ------------------------------------------------


def test_a_fresh_token_line_calls_used_counts_as_delivered_and_the_turn_ends(
        app, resident, worker, redis_client, sim):
    """LINE refuses a used token; within its lifetime only an earlier handling of the same
    event can have used it, so the answer was delivered then: no push (a second copy)."""
    token = resident.token()
    post(resident, ev.text(resident.user_id, "menu", reply_token=token))
    worker.drain()  # the answer to "menu" used the token
    resident.new_messages()
    seen, requests_before = resident.seen, len(sim.requests())
    post(resident, ev.text(resident.user_id, "help", reply_token=token))
    worker.drain()
    assert sim.messages(resident.user_id, seen) == []
    assert [(r["endpoint"], r["status"]) for r in sim.requests()[requests_before:]] == [
        ("reply", 400)]
    assert pending(redis_client) == 0


def test_a_used_token_past_its_lifetime_goes_by_push(app, resident, worker, redis_client,
                                                     sim, monkeypatch):
    token = resident.token()
    post(resident, ev.text(resident.user_id, "menu", reply_token=token))
    worker.drain()
    resident.new_messages()
    seen = resident.seen
    post(resident, ev.text(resident.user_id, "help", reply_token=token))
    monkeypatch.setitem(app.config, "REPLY_TOKEN_FRESH_SECONDS", 0)  # known to be stale
    worker.drain()
    answers = sim.messages(resident.user_id, seen)
    assert answers and {a["via"] for a in answers} == {"push"}
    assert pending(redis_client) == 0
    resident.says("menu")  # the person's lock was released
    assert gettext("ja", "What would you like to do?") in resident.last_text()


def test_a_reply_line_answers_too_slowly_is_delivered_once_and_the_turn_ends(
        app, resident, worker, redis_client, sim, monkeypatch):
    """LINE takes the reply but answers after the client's timeout: the retries with the
    same token deliver nothing more, and the person's next message is answered."""
    monkeypatch.setattr(get_line(app), "timeout", 0.1)
    sim.configure(latency_ms=400)
    seen, requests_before = resident.seen, len(sim.requests())
    try:
        post(resident, ev.text(resident.user_id, "help", reply_token=resident.token()))
        worker.drain()
    finally:
        sim.configure(latency_ms=0)
    answers = sim.messages(resident.user_id, seen)
    assert answers and {a["via"] for a in answers} == {"reply"}
    assert [r["endpoint"] for r in sim.requests()[requests_before:]] == ["reply"] * (
        app.config["LINE_MAX_RETRIES"] + 1)
    assert pending(redis_client) == 0
    assert not redis_client.exists(keys.user_lock(resident.user_id))
    monkeypatch.undo()
    resident.says("menu")
    assert gettext("ja", "What would you like to do?") in resident.last_text()


def test_loading_animation_is_requested_when_a_step_asks_for_it(app, resident, monkeypatch):
    def slow(ctx, inp, match):  # type: ignore[no-untyped-def]
        ctx.show_loading()
        return Reply([{"type": "text", "text": "done"}])

    add_pattern(app, monkeypatch, r"slow search", slow)
    assert not resident.sim.loading_shown(resident.user_id)
    resident.says("slow search")
    assert resident.last_text() == "done"
    assert resident.sim.loading_shown(resident.user_id)


def test_loading_animation_is_not_requested_by_default(resident):
    resident.says("help")
    assert not resident.sim.loading_shown(resident.user_id)


# -- an entry that keeps failing ---------------------------------------------------------------


def _unsaveable(calls: list[str], failures: int):  # type: ignore[no-untyped-def]
    """A step with a bug that fails its first `failures` turns after the reply went out: a
    push it asks for cannot even be written down. (A step's own exception is answered within
    the turn, and its entry acknowledged: this failure escapes the turn.)"""

    def step(ctx, inp, match):  # type: ignore[no-untyped-def]
        calls.append(match.group(1))
        if len(calls) > failures:
            return Reply([{"type": "text", "text": f"saved {match.group(1)}"}])
        ctx.effects.pushes.append((ctx.user.line_user_id, [{"type": "text", "text": object()}]))
        return Reply([{"type": "text", "text": "half done"}], next="menu.broken")

    return step


def _deliver_until_settled(worker, rounds: int = 12) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        time.sleep(0.06)  # longer than the claim idle time and the lock below
        worker.poll(block_ms=None)


@pytest.fixture
def retry_fast(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Failed entries are claimed again after 5 ms, given up on after three deliveries; the
    per-user lock a failed turn leaves behind lasts 50 ms."""
    import handlers.events

    monkeypatch.setitem(app.config, "WORKER_CLAIM_IDLE_MS", 5)
    monkeypatch.setitem(app.config, "WORKER_MAX_DELIVERIES", 3)
    monkeypatch.setattr(handlers.events, "LOCK_MS", 50)


def test_an_entry_that_always_fails_is_given_up_on_after_the_cap(
        app, resident, worker, redis_client, monkeypatch, caplog, retry_fast):
    calls: list[str] = []
    add_pattern(app, monkeypatch, r"broken (\d+)", _unsaveable(calls, failures=10**6))
    seen = resident.seen
    event = ev.text(resident.user_id, "broken 4711", reply_token=resident.token())
    post(resident, event)
    _deliver_until_settled(worker)

    assert len(calls) == 3  # delivered three times, then given up on
    assert pending(redis_client) == 0
    [(_entry, dead)] = redis_client.xrange(keys.DEAD_LETTER_STREAM)
    assert json.loads(dead["event"])["webhookEventId"] == event["webhookEventId"]
    assert redis_client.xlen(keys.EVENT_STREAM) == 0  # the dead letter keeps the only copy
    assert dead["deliveries"] == "4"
    sorry = gettext("ja", SORRY)
    answers = [m["message"].get("text") for m in resident.sim.messages(resident.user_id, seen)]
    assert answers.count(sorry) == 1 and answers[-1] == sorry
    given_up = [r for r in caplog.records if r.name == "bot.worker" and "gave up" in
                r.getMessage()]
    assert len(given_up) == 1 and event["webhookEventId"] in given_up[0].getMessage()
    assert not any("4711" in r.getMessage() for r in caplog.records)  # never the body

    _deliver_until_settled(worker, rounds=3)
    assert len(calls) == 3 and redis_client.xlen(keys.DEAD_LETTER_STREAM) == 1


def test_an_entry_that_fails_fewer_times_than_the_cap_is_still_handled(
        app, resident, worker, redis_client, monkeypatch, retry_fast):
    calls: list[str] = []
    add_pattern(app, monkeypatch, r"broken (\d+)", _unsaveable(calls, failures=2))
    post(resident, ev.text(resident.user_id, "broken 8", reply_token=resident.token()))
    _deliver_until_settled(worker)

    assert len(calls) == 3  # the third delivery went through: its turn was saved
    assert redis_client.get(keys.dialog_state(resident.user_id)) is None
    assert pending(redis_client) == 0
    assert redis_client.xlen(keys.DEAD_LETTER_STREAM) == 0
    assert gettext("ja", SORRY) not in texts(resident.sim, resident.user_id)
