"""Whatever arrives at /callback: never a 5xx, never an unhandled error in the worker.

A correctly signed body can only come from LINE (or someone holding the channel secret), but
a webhook that crashes or leaves poison entries in the stream on odd input would be a way to
stop the bot for everyone, so odd shapes, types and characters are thrown at it here.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import keys
from simulator import events as ev

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
OURS = ("bot", "handlers", "dialogs", "models")

USER_IDS = [f"U{n:032x}" for n in range(1, 4)]
EVENT_TYPES = ["message", "follow", "unfollow", "postback", "join", "leave", "memberJoined",
               "unsend", "beacon", "accountLink", "videoPlayComplete", "somethingNew"]
MESSAGE_TYPES = ["text", "image", "video", "audio", "file", "location", "sticker", "hologram"]

# any character, lone surrogates included (JSON carries them as \\ud800 escapes)
chars = st.characters(categories=["L", "M", "N", "P", "S", "Z", "C"])
strings = st.one_of(st.text(chars, max_size=30), st.sampled_from(
    ["", "メニュー", "menu", "help", "👨‍👩‍👧‍👦" * 50, "\x00\x1b\u202e", "a" * 20_000, "\ud800"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    strings)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(strings, inner, max_size=4)), max_leaves=12)


def maybe(strategy):  # type: ignore[no-untyped-def]
    """Mostly the right kind of value, sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, json_values)


@st.composite
def events(draw):  # type: ignore[no-untyped-def]
    event: dict = {}
    fields = {
        "type": maybe(st.sampled_from(EVENT_TYPES)),
        "mode": maybe(st.sampled_from(["active", "standby"])),
        "timestamp": maybe(st.integers(min_value=0, max_value=2**53)),
        "webhookEventId": maybe(st.builds(ev.ulid)),
        "deliveryContext": maybe(st.fixed_dictionaries({"isRedelivery": maybe(st.booleans())})),
        "replyToken": maybe(st.text("0123456789abcdef", min_size=1, max_size=40)),
        "source": maybe(st.fixed_dictionaries({
            "type": maybe(st.sampled_from(["user", "group", "room"])),
            "userId": maybe(st.sampled_from(USER_IDS)),
            "groupId": maybe(st.just("C" + "0" * 32)),
        })),
        "message": maybe(st.fixed_dictionaries({
            "type": maybe(st.sampled_from(MESSAGE_TYPES)),
            "id": maybe(st.text("0123456789", min_size=1, max_size=18)),
            "text": maybe(strings),
            "latitude": maybe(st.floats(allow_nan=True)),
            "longitude": maybe(st.floats(allow_nan=True)),
            "title": maybe(strings),
        })),
        "postback": maybe(st.fixed_dictionaries({
            "data": maybe(strings),
            "params": maybe(st.dictionaries(st.sampled_from(["date", "time", "datetime", "x"]),
                                            json_values, max_size=3)),
        })),
        "unsend": maybe(st.fixed_dictionaries({"messageId": maybe(strings)})),
    }
    for name, strategy in fields.items():
        if draw(st.booleans()):
            event[name] = draw(strategy)
    return event


bodies = st.one_of(
    st.fixed_dictionaries({"destination": maybe(strings),
                           "events": st.lists(st.one_of(events(), events(), json_values),
                                              max_size=4)}),
    st.fixed_dictionaries({"events": json_values}),  # events as a dict, string, number...
    json_values,
)


def post(app, client, body: bytes, signed: bool = True):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if signed:
        headers["X-Line-Signature"] = ev.sign(app.config["LINE_CHANNEL_SECRET"], body)
    return client.post("/callback", data=body, headers=headers)


def our_errors(caplog) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.name.split(".")[0] in OURS and (r.levelno >= logging.ERROR or r.exc_info)]


@pytest.fixture
def quiet_sim(sim):  # type: ignore[no-untyped-def]
    for user_id in USER_IDS:
        sim.add_user(user_id, "fuzz", "ja")
    return sim


@FUZZ
@given(payload=bodies)
def test_any_signed_json_body_is_answered_without_a_server_error(app, client, worker, quiet_sim,
                                                                redis_client, caplog, payload):
    caplog.clear()
    caplog.set_level(logging.INFO)
    body = json.dumps(payload, ensure_ascii=True).encode()
    response = post(app, client, body)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    worker.drain()
    assert our_errors(caplog) == []
    assert redis_client.xpending(keys.EVENT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def _real_event(kind: str, user_id: str) -> dict:
    if kind == "postback":
        return ev.postback(user_id, "1|menu||xxxxxxxx", params={"date": "2026-01-01"},
                           reply_token="f" * 32)
    if kind == "location":
        return ev.location(user_id, 35.7, 139.6, title="駅", reply_token="f" * 32)
    if kind == "follow":
        return ev.follow(user_id, reply_token="f" * 32)
    return ev.text(user_id, "menu", reply_token="f" * 32)


FIELD_PATHS = [("type",), ("mode",), ("timestamp",), ("webhookEventId",), ("deliveryContext",),
               ("replyToken",), ("source",), ("source", "type"), ("source", "userId"),
               ("message",), ("message", "type"), ("message", "text"), ("message", "latitude"),
               ("message", "title"), ("postback",), ("postback", "data"),
               ("postback", "params")]


@FUZZ
@given(kind=st.sampled_from(["text", "postback", "location", "follow"]),
       path=st.sampled_from(FIELD_PATHS), value=json_values)
def test_real_event_with_one_field_of_a_wrong_type(app, client, worker, quiet_sim, redis_client,
                                                   caplog, kind, path, value):
    caplog.clear()
    caplog.set_level(logging.INFO)
    event = _real_event(kind, USER_IDS[0])
    target = event
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
    response = post(app, client, json.dumps({"destination": "U1", "events": [event]}).encode())
    assert response.status_code == 200
    worker.drain()
    assert our_errors(caplog) == []
    assert redis_client.xpending(keys.EVENT_STREAM, keys.WORKER_GROUP)["pending"] == 0


@FUZZ
@given(body=st.binary(max_size=2_000))
def test_any_signed_bytes_are_answered_without_a_server_error(app, client, worker, caplog, body):
    caplog.clear()
    response = post(app, client, body)
    assert response.status_code < 500
    worker.drain()
    assert our_errors(caplog) == []


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=bodies)
def test_unsigned_bodies_are_refused(app, client, redis_client, payload):
    body = json.dumps(payload).encode()
    assert post(app, client, body, signed=False).status_code == 400
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


@pytest.mark.parametrize("depth", [50, 900, 5_000, 200_000])
def test_deeply_nested_body_is_no_server_error(app, client, worker, caplog, depth):
    nested = "[" * depth + "]" * depth
    event = json.dumps(ev.text(USER_IDS[0], "x"))[:-1] + f',"extra":{nested}}}'
    body = f'{{"destination":"U1","events":[{event}]}}'.encode()
    assert post(app, client, body).status_code in (200, 400)
    worker.drain()
    assert our_errors(caplog) == []


def test_body_with_many_events_is_queued_in_one_go(app, client, redis_client):
    events_ = [ev.text(USER_IDS[0], str(n)) for n in range(2_000)]
    assert post(app, client, ev.body(events_)).status_code == 200
    assert redis_client.xlen(keys.EVENT_STREAM) == 2_000
