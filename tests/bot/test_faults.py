"""Faults of the whole system: Redis killed (kill -9) and started again with its append-only
file while people write, workers in the middle of their turns. Every event the webhook
acknowledged is answered, once, and no one waits on a stale lock."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any

import pytest

from bot.app import create_app
from bot.kernel.engine import Reply
from bot.worker import Worker
from handlers.router import Pattern
from models.users import follow, record_consent
from simulator import events as ev
from tests.redis_server import RedisServer

PEOPLE, MESSAGES = 12, 8


@pytest.fixture
def killable_redis(tmp_path):
    """With an append-only file, as production's Redis should run."""
    server = RedisServer(tmp_path, "--appendonly", "yes", "--appendfsync", "everysec",
                         "--save", "")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def bot_on(app, killable_redis):
    """A second app, the bot under test, whose Redis is the killable server; its LINE is the
    session app's simulator (its state in the other Redis, which stays up)."""
    bot = create_app({
        "TESTING": True, "INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": killable_redis.url,
        "LINE_CHANNEL_SECRET": None, "LINE_CHANNEL_ACCESS_TOKEN": None,
        "WORKER_BLOCK_MS": 100,
    })
    bot.config["LINE_API_BASE_URL"] = app.config["LINE_API_BASE_URL"]
    router = bot.extensions["machibot.router"]
    router.patterns = [*router.patterns, Pattern(re.compile(r"echo (\S+)"), lambda ctx, inp, m:
                                                 Reply([{"type": "text",
                                                         "text": f"echo {m.group(1)}"}]))]
    yield bot
    from bot.db import close as close_db
    from bot.redis_store import close as close_redis

    close_db(bot)
    close_redis(bot)


def _people(app: Any, sim: Any) -> list[str]:
    from bot.db import session_scope

    ids = [f"U{0xfa000 + n:032x}" for n in range(PEOPLE)]
    with session_scope(app) as session:
        for user_id in ids:
            row, _ = follow(session, user_id, locale="ja", display_name="t")
            record_consent(row)
    for user_id in ids:
        sim.add_user(user_id, "t", "ja")
    return ids


def _post_until_taken(bot: Any, event: dict) -> float:
    """Post one event as LINE does, again while the bot answers an error (LINE's webhook
    redelivery); returns when it was acknowledged."""
    body = ev.body([event])
    headers = {"X-Line-Signature": ev.sign(bot.config["LINE_CHANNEL_SECRET"], body),
               "Content-Type": "application/json"}
    client = bot.test_client()
    while True:
        if client.post("/callback", data=body, headers=headers).status_code == 200:
            return time.time()
        time.sleep(0.05)


def test_redis_killed_and_restarted_with_its_aof_loses_nothing_answers_once_no_stall(
        app, sim, bot_on, killable_redis):
    people = _people(app, sim)
    stop = threading.Event()
    workers = [threading.Thread(target=Worker(bot_on, name=f"faults-{os.getpid()}/{n}").run,
                                args=(stop,), daemon=True) for n in range(2)]
    for thread in workers:
        thread.start()
    acked: dict[str, float] = {}
    back_at = [0.0]

    def write(user_id: str) -> None:
        for n in range(MESSAGES):
            text = f"{user_id[-4:]}-{n}"
            event = ev.text(user_id, f"echo {text}", reply_token=sim.issue_reply_token(user_id))
            acked[text] = _post_until_taken(bot_on, event)
            time.sleep(0.05)

    writers = [threading.Thread(target=write, args=(p,), daemon=True) for p in people]
    try:
        for thread in writers:
            thread.start()
        time.sleep(0.25)  # people are writing, workers mid-turn
        killable_redis.kill()
        time.sleep(1.0)
        killable_redis.start()  # from its append-only file
        back_at[0] = time.time()
        for thread in writers:
            thread.join(60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum(
                sim.delivery_count(p) for p in people) < PEOPLE * MESSAGES:
            time.sleep(0.1)
        time.sleep(1.0)  # anything answered twice would arrive by now
    finally:
        stop.set()
        for thread in workers:
            thread.join(10)

    answered: dict[str, list[float]] = {}
    for person in people:
        for entry in sim.messages(person):
            text = entry["message"].get("text", "")
            if text.startswith("echo "):
                answered.setdefault(text[5:], []).append(entry["at"] / 1000)
    assert len(acked) == PEOPLE * MESSAGES
    lost = sorted(set(acked) - set(answered))
    twice = sorted(text for text, times in answered.items() if len(times) > 1)
    assert (lost, twice) == ([], [])
    waits = {text: answered[text][0] - max(acked[text], back_at[0]) for text in acked}
    assert max(waits.values()) <= 5.0, sorted(waits.items(), key=lambda kv: -kv[1])[:3]


def test_the_embedded_style_server_keeps_what_it_acknowledged(killable_redis):
    """The premise of the test above: what Redis answered OK survives kill -9 (with
    appendfsync everysec, Redis writes the file before it answers)."""
    client = killable_redis.client()
    client.xadd("s", {"event": json.dumps({"n": 1})})
    client.close()
    killable_redis.kill()
    killable_redis.start()
    client = killable_redis.client()
    assert client.xlen("s") == 1
    client.close()


# -- LINE taking a reply and answering 5xx, a worker killed mid-reply ------------------------


def test_replies_line_took_but_answered_500_are_not_sent_again(app, make_user, worker, sim,
                                                               monkeypatch):
    """One reply in five is taken by LINE, which then answers 500: the retry with the same
    token is refused as used, and that counts as delivered (no push, no second copy)."""
    from tests.bot.test_worker import add_pattern, consented_user, echo, post, texts

    add_pattern(app, monkeypatch, r"echo (\S+)", echo)
    people = [consented_user(app, make_user) for _ in range(10)]
    sim.configure(accepted_failure_rate=0.2)
    try:
        for n in range(20):
            for person in people:
                post(person, ev.text(person.user_id, f"echo {n}",
                                     reply_token=person.token()))
            worker.drain()
    finally:
        sim.configure(accepted_failure_rate=0)
    retried = [r for r in sim.requests() if r["endpoint"] == "reply" and r["status"] == 500]
    assert len(retried) > 10  # the fault happened often enough to mean something
    for person in people:
        answers = [t for t in texts(sim, person.user_id) if t.startswith("echo ")]
        assert answers == [f"echo {n}" for n in range(20)]


def test_a_worker_killed_mid_reply_with_line_faults_answers_everything_once(
        app, make_user, worker, sim, redis_client, monkeypatch):
    """LINE takes replies and answers late or 500, and the worker is killed while replies
    are in flight: 0 lost, 0 twice."""
    from bot import keys
    from tests.bot.test_worker import (
        echo_backlog,
        kill_when_answering,
        lost_and_twice,
        start_victim,
    )

    people, sent = echo_backlog(app, make_user, monkeypatch, people=4, each=12)
    # a reply taken, then answered only after 300 ms: the kill lands between the two
    sim.configure(accepted_failure_rate=0.2, accepted_timeout_rate=0.5, accepted_delay_ms=300)
    victim = start_victim(app)
    kill_when_answering(victim, sim, after=6, linger=0.15)
    total = sum(len(v) for v in sent.values())
    assert sim.delivery_count() < total, "the victim finished before it was killed"
    try:
        deadline = time.monotonic() + 60
        while redis_client.xlen(keys.EVENT_STREAM) and time.monotonic() < deadline:
            worker.poll(block_ms=None)
            time.sleep(0.05)
    finally:
        sim.configure(accepted_failure_rate=0, accepted_timeout_rate=0)
    assert lost_and_twice(sim, people, sent) == ([], [])
