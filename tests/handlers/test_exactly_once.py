"""Nothing twice, nothing lost: an event handled again after its worker died (or lost Redis)
somewhere between its commit and its acknowledgement does not repeat what its turn did, and
its answer reaches the person once; a dead worker's locks and entries do not hold anyone up.
"""

from __future__ import annotations

import time

import pytest
import redis
from sqlalchemy import func, select

import handlers.events
from bot import keys
from bot.db import session_scope
from bot.line import LineClient
from bot.worker import Worker
from models.announcements import Announcement
from models.ideas import Idea
from models.outbox import Notification
from models.signups import Signup
from models.turns import HandledTurn
from simulator import events as ev
from tests.activity_factory import make_slot
from tests.collab_helpers import ja, join, make_staff
from tests.conftest import flex_texts
from tests.dialogs.test_announce import compose
from tests.dialogs.test_idea_calls import post_call


@pytest.fixture
def quick_reclaim(app, monkeypatch):
    """Entries left pending are claimed again after 50 ms; a lock left behind lasts 1 s."""
    monkeypatch.setitem(app.config, "WORKER_CLAIM_IDLE_MS", 50)
    monkeypatch.setattr(handlers.events, "LOCK_MS", 1_000)


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with session_scope(app) as session:
        return session.scalar(select(func.count()).select_from(model))


def dies(monkeypatch, where: str) -> None:
    """The worker dies at `where` in its next turn, once: "after the reply" (the turn's SQL
    is committed and its answer sent, the last Redis step never happens) or "before the
    reply" (committed, nothing sent)."""
    real_ack, real_send = handlers.events.acknowledge, LineClient.send
    done = []

    def ack(app, client, turn, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("lock_token") and len(done) < 2 and (where == "after the reply"
                                                           or done):
            done.extend(["ack"] * (2 - len(done)))
            raise redis.ConnectionError("the worker died here")
        return real_ack(app, client, turn, **kwargs)

    def send(self, user_id, messages, **kwargs):  # type: ignore[no-untyped-def]
        if where == "before the reply" and kwargs.get("reply_token") and not done:
            done.append("send")  # and nothing after it happens either
            raise redis.ConnectionError("the worker died here")
        return real_send(self, user_id, messages, **kwargs)

    monkeypatch.setattr(handlers.events, "acknowledge", ack)
    monkeypatch.setattr(LineClient, "send", send)


def handled_again(person, worker) -> list[dict]:  # type: ignore[no-untyped-def]
    """What the person reads once the entry left pending is handled again."""
    time.sleep(0.1)
    worker.drain()
    return person.new_messages()


def tap_and_die(person, label: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(redis.ConnectionError):
        person.taps(label)


@pytest.mark.parametrize("where", ["after the reply", "before the reply"])
def test_an_announcement_sent_when_its_worker_died_goes_out_once(
        app, make_user, worker, quick_reclaim, monkeypatch, where):
    staff = make_staff(app, join(make_user, "区職員"))
    readers = [join(make_user, f"住民{n}") for n in range(3)]
    compose(staff)
    staff.taps(ja("Go on"))
    staff.taps(ja("Everyone"))
    staff.taps(ja("Send now"))
    dies(monkeypatch, where)
    tap_and_die(staff, ja("Send"))
    seen = staff.new_messages() if where == "after the reply" else []
    again = handled_again(staff, worker)

    assert _count(app, Announcement) == 1
    with session_scope(app) as session:
        queued = session.scalars(select(Notification.user_id)).all()
    assert len(queued) == len(set(queued)) == len(readers) + 1  # everyone once, staff too
    confirmations = [m for m in seen + again if "4" in m.get("text", "")]
    assert len(confirmations) == 1  # the answer reached the staff member once


@pytest.mark.parametrize("where", ["after the reply", "before the reply"])
def test_a_sign_up_whose_worker_died_is_made_and_confirmed_once(
        app, resident, worker, quick_reclaim, monkeypatch, where):
    make_slot(app, code="123", capacity=5)
    resident.says("参加 123")
    dies(monkeypatch, where)
    tap_and_die(resident, ja("Sign up"))
    seen = resident.new_messages() if where == "after the reply" else []
    again = handled_again(resident, worker)

    with session_scope(app) as session:
        assert session.scalars(select(Signup.status)).all() == ["confirmed"]
    answers = seen + again
    assert len(answers) >= 1
    # "…はすでに申し込み済みです。": what a second run of the step would have answered
    already = ja("You are already signed up for “{title}” ({when}).", title="T",
                 when="W").split("W")[-1][1:]
    assert not any(already in " ".join(flex_texts(m)) + m.get("text", "") for m in answers)
    assert len([m for m in answers if m["type"] == answers[0]["type"]]) == 1


def test_an_idea_whose_worker_died_is_received_once(app, make_user, worker, quick_reclaim,
                                                    monkeypatch):
    staff = make_staff(app, join(make_user, "区職員"))
    post_call(staff)
    person = join(make_user, "高橋")
    person.opens(ja("Idea calls"))
    person.taps(ja("Submit an idea"))
    person.says("駐輪場の案内板を増やす")
    person.taps(ja("Yes"))
    dies(monkeypatch, "after the reply")
    tap_and_die(person, ja("Send"))
    first = person.new_messages()
    again = handled_again(person, worker)

    assert _count(app, Idea) == 1
    assert ja("Thank you! Your idea has been received.") in first[0]["text"]
    assert again == []  # the receipt was delivered already: not a second time


def test_a_turn_that_changed_nothing_records_nothing(app, resident):
    before = _count(app, HandledTurn)
    resident.says("menu")
    assert _count(app, HandledTurn) == before


def test_the_recorded_outcomes_go_with_the_persons_data(app, resident):
    resident.says("menu")
    make_slot(app, code="124", capacity=5)
    resident.says("参加 124")
    resident.taps(ja("Sign up"))
    with session_scope(app) as session:
        assert set(session.scalars(select(HandledTurn.line_user_id))) == {resident.user_id}
    from models.erasure import delete_personal_data
    from models.users import get_by_line_id

    with session_scope(app) as session:
        delete_personal_data(session, get_by_line_id(session, resident.user_id))
    assert _count(app, HandledTurn) == 0


# -- dead workers' locks and entries ------------------------------------------------------


def test_a_lock_left_by_a_dead_worker_does_not_hold_the_person_up(app, resident,
                                                                  redis_client):
    # held by a process that has no heartbeat: it died (kill -9) mid-turn
    redis_client.set(keys.user_lock(resident.user_id), "host-4242/1 abc", px=30_000)
    started = time.monotonic()
    resident.says("menu")
    assert time.monotonic() - started < 2
    assert ja("What would you like to do?") in resident.last_text()


def test_a_lock_of_a_live_worker_is_respected(app, resident, redis_client, monkeypatch):
    monkeypatch.setattr(handlers.events, "LOCK_MS", 600)
    redis_client.set(keys.worker_alive("host-4243"), "1", px=10_000)
    redis_client.set(keys.user_lock(resident.user_id), "host-4243/1 abc", px=500)
    started = time.monotonic()
    resident.says("menu")
    assert time.monotonic() - started >= 0.45  # it waited for the lock to go


def _read_as(redis_client, consumer: str) -> None:  # type: ignore[no-untyped-def]
    redis_client.xreadgroup(keys.WORKER_GROUP, consumer, {keys.EVENT_STREAM: ">"}, count=10)


def test_a_dead_workers_entries_are_taken_over_within_seconds(app, resident, worker,
                                                              redis_client, sim):
    """Not after WORKER_CLAIM_IDLE_MS (a minute): as soon as its heartbeat is gone."""
    worker.ensure_group()
    seen = resident.seen
    body = ev.body([ev.text(resident.user_id, "menu", reply_token=resident.token())])
    resident.client.post("/callback", data=body, headers={
        "X-Line-Signature": ev.sign(app.config["LINE_CHANNEL_SECRET"], body)})
    _read_as(redis_client, "host-4244/7")  # then it died
    other = Worker(app, name="host-4245/1")
    time.sleep(1.1)  # DEAD_CLAIM_IDLE_MS
    assert other.poll(block_ms=None) == 1
    assert sim.messages(resident.user_id, seen)
    consumers = {c["name"] for c in redis_client.xinfo_consumers(keys.EVENT_STREAM,
                                                                 keys.WORKER_GROUP)}
    assert "host-4244/7" in consumers
    other.poll(block_ms=None)
    time.sleep(1.1)
    other.poll(block_ms=None)
    consumers = {c["name"] for c in redis_client.xinfo_consumers(keys.EVENT_STREAM,
                                                                 keys.WORKER_GROUP)}
    assert "host-4244/7" not in consumers  # a dead consumer with nothing left is forgotten


def test_a_live_workers_entries_are_left_to_it(app, resident, worker, redis_client):
    worker.ensure_group()
    body = ev.body([ev.text(resident.user_id, "menu", reply_token=resident.token())])
    resident.client.post("/callback", data=body, headers={
        "X-Line-Signature": ev.sign(app.config["LINE_CHANNEL_SECRET"], body)})
    redis_client.set(keys.worker_alive("host-4246"), "1", px=10_000)
    _read_as(redis_client, "host-4246/7")
    other = Worker(app, name="host-4247/1")
    time.sleep(1.1)
    assert other.poll(block_ms=None) == 0
    assert redis_client.xpending(keys.EVENT_STREAM, keys.WORKER_GROUP)["pending"] == 1


def test_the_heartbeat_lives_with_the_worker(app, redis_client):
    import threading

    from bot.worker import process_id

    stop = threading.Event()
    thread = threading.Thread(target=Worker(app).run, args=(stop,), daemon=True)
    thread.start()
    alive = keys.worker_alive(process_id())
    deadline = time.monotonic() + 5
    while not redis_client.exists(alive) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert redis_client.exists(alive)
    stop.set()
    thread.join(5)
    time.sleep(1.2)  # the heartbeat thread notices the stop within its beat
    assert not redis_client.exists(alive)
