"""POST /callback and GET /healthz, as LINE and an operator see them."""

from __future__ import annotations

import copy
import io
import json
import logging
from pathlib import Path

import pytest
import redis

from bot import keys
from bot.app import create_app
from bot.kernel.i18n import gettext
from bot.line import retry_key_for
from bot.redis_store import connect
from simulator import events as ev

SAMPLE = Path("/work/shared/line-samples/webhook.json")
_ENV = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_API_BASE_URL", "REDIS_URL",
        "DATABASE_URL")


def post(app, client, body: bytes, signature: str | None = "sign"):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        signature = ev.sign(app.config["LINE_CHANNEL_SECRET"], body)
    if signature is not None:
        headers["X-Line-Signature"] = signature
    return client.post("/callback", data=body, headers=headers)


def queued_events(redis_client: redis.Redis) -> list[dict]:
    return [json.loads(fields["event"]) for _id, fields in redis_client.xrange(keys.EVENT_STREAM)]


@pytest.fixture
def broken_app(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """An app whose Redis is a closed port (the database is fine)."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    return create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'broken.db'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "LINE_CHANNEL_SECRET": None,
        "LINE_CHANNEL_ACCESS_TOKEN": None,
        "LINE_API_BASE_URL": None,
    })


# -- signature ---------------------------------------------------------------------------------


def test_signed_events_are_acknowledged_and_queued(app, client, redis_client):
    events = [ev.text("U" + "1" * 32, "こんにちは", reply_token="t1"),
              ev.follow("U" + "2" * 32, reply_token="t2")]
    response = post(app, client, ev.body(events))
    assert response.status_code == 200
    assert [e["webhookEventId"] for e in queued_events(redis_client)] == [
        e["webhookEventId"] for e in events]


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "ÿ-not-base64"])
def test_missing_or_wrong_signature_is_refused_and_nothing_queued(app, client, redis_client,
                                                                  signature):
    response = post(app, client, ev.body([ev.text("U" + "1" * 32, "hi")]), signature)
    assert response.status_code == 400
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


def test_signature_from_another_channel_secret_is_refused(app, client, redis_client):
    body = ev.body([ev.text("U" + "1" * 32, "hi")])
    response = post(app, client, body, ev.sign("some-other-channel-secret", body))
    assert response.status_code == 400
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


def test_signature_covers_the_raw_bytes_not_the_json_content(app, client, redis_client):
    body = ev.body([ev.text("U" + "1" * 32, "こんにちは")])
    signature = ev.sign(app.config["LINE_CHANNEL_SECRET"], body)
    same_content = json.dumps(json.loads(body), indent=1).encode()
    assert json.loads(same_content) == json.loads(body)
    response = post(app, client, same_content, signature)
    assert response.status_code == 400
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


# -- body checks -------------------------------------------------------------------------------


def test_body_over_the_limit_is_refused_with_413(app, client, redis_client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_BODY_BYTES", 2_000)
    body = ev.body([ev.text("U" + "1" * 32, "あ" * 1_000)])
    assert len(body) > 2_000
    response = post(app, client, body)
    assert response.status_code == 413
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


def test_chunked_body_over_the_limit_is_refused_without_reading_it_all(app, client, redis_client,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "MAX_BODY_BYTES", 2_000)
    stream = io.BytesIO(b"x" * 20_000_000)  # chunked: no Content-Length to refuse it by
    response = client.post("/callback", input_stream=stream, headers={
        "X-Line-Signature": "c2lnbmF0dXJl", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert stream.tell() <= 2_001
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"", b'{"events": {"a": 1}}',
                                  b"[1, 2, 3]"])
def test_signed_body_that_is_not_a_webhook_is_refused_with_400(app, client, redis_client, body):
    response = post(app, client, body)
    assert response.status_code == 400
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


def test_verify_request_with_no_events_gets_200(app, client, redis_client):
    response = post(app, client, b'{"destination":"U0123","events":[]}')
    assert response.status_code == 200
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


def test_chunked_body_under_the_limit_is_read_to_its_end(app, client, redis_client):
    body = ev.body([ev.text("U" + "1" * 32, "こんにちは")])
    response = client.post("/callback", input_stream=io.BytesIO(body), headers={
        "X-Line-Signature": ev.sign(app.config["LINE_CHANNEL_SECRET"], body),
        "Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 200
    assert redis_client.xlen(keys.EVENT_STREAM) == 1


# -- answers -----------------------------------------------------------------------------------


def test_acknowledgement_says_how_many_events_were_queued(app, client):
    event = ev.text("U" + "1" * 32, "hi")
    first = post(app, client, ev.body([event, ev.follow("U" + "2" * 32)]))
    again = post(app, client, ev.body([event]))
    assert first.status_code == again.status_code == 200
    assert first.mimetype == "application/json"
    assert first.get_json() == {"status": "ok", "queued": 2}
    assert again.get_json() == {"status": "ok", "queued": 0}


@pytest.mark.parametrize(("case", "status", "message"), [
    ("unsigned", 400, "invalid signature"),
    ("not json", 400, "malformed JSON"),
    ("no events list", 400, "malformed body: events must be a list"),
    ("too large", 413, "body too large"),
    ("redis down", 503, "temporarily unavailable"),
])
def test_refusal_says_why_in_json(app, broken_app, monkeypatch, case, status, message):
    target = broken_app if case == "redis down" else app
    body = {"not json": b"{", "no events list": b'{"events": null}'}.get(
        case, ev.body([ev.text("U" + "1" * 32, "hi")]))
    if case == "too large":
        monkeypatch.setitem(app.config, "MAX_BODY_BYTES", 10)
    response = post(target, target.test_client(), body, None if case == "unsigned" else "sign")
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json() == {"status": "error", "message": message}


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_callback_answers_other_methods_with_405(client, redis_client, method):
    response = client.open("/callback", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_callback_answers_options_with_the_allowed_methods(client):
    response = client.options("/callback")
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


@pytest.mark.parametrize("path", ["/callback/", "/callbacks", "/Callback", "/callback/x"])
def test_only_the_callback_path_is_the_webhook(app, client, redis_client, path):
    body = ev.body([ev.text("U" + "1" * 32, "hi")])
    response = client.post(path, data=body, headers={
        "X-Line-Signature": ev.sign(app.config["LINE_CHANNEL_SECRET"], body)})
    assert response.status_code == 404
    assert redis_client.xlen(keys.EVENT_STREAM) == 0


# -- dedupe ------------------------------------------------------------------------------------


def test_redelivered_event_is_queued_once_and_answered_once(user, redis_client):
    user.follow()
    before = user.sim.delivery_count(user.user_id)
    event = ev.text(user.user_id, "help", reply_token=user.token())
    redelivery = copy.deepcopy(event)
    redelivery["deliveryContext"]["isRedelivery"] = True
    for body in (ev.body([event]), ev.body([redelivery])):  # read before it is handled
        assert post(user.app, user.client, body).status_code == 200
    ids = [e["webhookEventId"] for e in queued_events(redis_client)]
    assert ids.count(event["webhookEventId"]) == 1
    user.worker.drain()
    user.send(redelivery)  # and once more after it was handled (and left the stream)
    assert user.sim.delivery_count(user.user_id) == before + 1


def test_repeated_event_within_one_body_is_queued_once(app, client, redis_client):
    event = ev.text("U" + "1" * 32, "hi")
    response = post(app, client, ev.body([event, event]))
    assert response.status_code == 200
    assert redis_client.xlen(keys.EVENT_STREAM) == 1


def test_acknowledging_a_body_is_one_redis_round_trip(app, client, redis_client, monkeypatch):
    """Every event of a body is claimed and queued by one server-side script call."""

    def body() -> bytes:
        return ev.body([ev.text(f"U{i:032x}", f"message {i}", reply_token=f"t{i}")
                        for i in range(5)])

    # the first call after a server start may load the script (NOSCRIPT, SCRIPT LOAD)
    assert post(app, client, body()).status_code == 200
    sent: list[bytes] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):  # type: ignore[no-untyped-def]
        if check_health:  # health-check PINGs pass check_health=False
            sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    response = post(app, client, body())
    monkeypatch.undo()
    assert response.status_code == 200
    assert len(sent) == 1
    assert redis_client.xlen(keys.EVENT_STREAM) == 10


# -- Redis down, logs --------------------------------------------------------------------------


def test_redis_unreachable_answers_503_so_line_redelivers(broken_app):
    body = ev.body([ev.text("U" + "1" * 32, "hi")])
    response = post(broken_app, broken_app.test_client(), body)
    assert response.status_code == 503


def test_webhook_follows_a_replaced_redis_client(app, client, monkeypatch):
    """Tests and forked processes replace the app's client: the webhook must not keep the old."""
    body = ev.body([ev.text("U" + "1" * 32, "hi")])
    assert post(app, client, body).status_code == 200
    monkeypatch.setitem(app.extensions, "machibot.redis",
                        connect({"REDIS_URL": "redis://127.0.0.1:1/0"}))
    assert post(app, client, ev.body([ev.text("U" + "1" * 32, "hi")])).status_code == 503
    monkeypatch.undo()
    response = post(app, client, ev.body([ev.text("U" + "1" * 32, "hi")]))
    assert response.get_json() == {"status": "ok", "queued": 1}


def test_healthz_reports_both_services(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["redis"] is True
    assert response.get_json()["database"] is True


def test_healthz_is_503_when_redis_is_down(broken_app):
    response = broken_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["redis"] is False
    assert response.get_json()["database"] is True


SECRET_WORDS = "私の住所は杉並区阿佐谷北1-2-3です"


@pytest.mark.parametrize("case", ["unsigned", "wrong signature", "not json", "too large",
                                  "redis down"])
def test_refused_request_logs_no_body_text_and_no_secret(app, broken_app, caplog, monkeypatch,
                                                         case):
    caplog.set_level(logging.DEBUG)
    body = ev.body([ev.text("U" + "1" * 32, SECRET_WORDS)])
    target = broken_app if case == "redis down" else app
    secret = target.config["LINE_CHANNEL_SECRET"]
    signature = ev.sign(secret, body)
    if case == "unsigned":
        signature = None
    elif case == "wrong signature":
        signature = ev.sign("another-secret", body)
    elif case == "not json":
        body = SECRET_WORDS.encode() + b"{"
        signature = ev.sign(secret, body)
    elif case == "too large":
        monkeypatch.setitem(app.config, "MAX_BODY_BYTES", 100)
    response = post(target, target.test_client(), body, signature)
    assert response.status_code in (400, 413, 503)
    assert caplog.records, "a refused request should leave a trace for the operator"
    logged = caplog.text
    for forbidden in (SECRET_WORDS, "杉並区", secret, target.config["LINE_CHANNEL_ACCESS_TOKEN"]):
        assert forbidden not in logged
    if signature:
        assert signature not in logged


# -- LINE's own sample body --------------------------------------------------------------------


def _sample() -> dict:
    return json.loads(SAMPLE.read_bytes())


def _with_unique_ids(payload: dict) -> dict:
    """The sample gives every event the same placeholder webhookEventId; LINE never does."""
    payload = copy.deepcopy(payload)
    for event in payload["events"]:
        event["webhookEventId"] = ev.ulid()
    return payload


def _bot_errors(caplog) -> list[logging.LogRecord]:  # type: ignore[no-untyped-def]
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.fixture
def sample_available():  # type: ignore[no-untyped-def]
    if not SAMPLE.exists():
        pytest.skip("LINE's sample webhook body is not available")


def test_line_sample_body_is_accepted_as_is(sample_available, app, client, redis_client):
    response = post(app, client, SAMPLE.read_bytes())
    assert response.status_code == 200
    assert redis_client.xlen(keys.EVENT_STREAM) >= 1


def test_every_line_sample_event_is_handled_without_error(sample_available, app, client, worker,
                                                          redis_client, caplog):
    caplog.set_level(logging.INFO)
    payload = _with_unique_ids(_sample())
    response = post(app, client, json.dumps(payload).encode())
    assert response.status_code == 200
    assert redis_client.xlen(keys.EVENT_STREAM) == len(payload["events"]) == 28
    assert worker.drain() == 28
    assert _bot_errors(caplog) == []
    assert redis_client.xpending(keys.EVENT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def _group_and_room_events(sim) -> tuple[list[dict], dict[str, str]]:  # type: ignore[no-untyped-def]
    """The sample's group and room events, each with a reply token the simulator knows."""
    chosen, tokens = [], {}
    for event in _with_unique_ids(_sample())["events"]:
        source = event["source"]
        if source["type"] not in ("group", "room"):
            continue
        chat = source.get("groupId") or source.get("roomId")
        sim.add_user(chat, "a chat")  # lets the simulator deliver replies to the chat
        if "replyToken" in event:
            event["replyToken"] = tokens[event["webhookEventId"]] = sim.issue_reply_token(chat)
        chosen.append(event)
    return chosen, tokens


def test_group_and_room_messages_are_not_answered_but_a_join_is(sample_available, app, client,
                                                                worker, sim):
    events, _tokens = _group_and_room_events(sim)
    kinds = {(e["type"], e["source"]["type"]) for e in events}
    assert ("message", "group") in kinds and ("message", "room") in kinds
    assert ("join", "group") in kinds
    assert post(app, client, json.dumps({"destination": "U1", "events": events}).encode()
                ).status_code == 200
    worker.drain()
    sends = [r for r in sim.requests() if r["endpoint"] in ("reply", "push", "multicast")]
    assert len(sends) == 1 and sends[0]["endpoint"] == "reply" and sends[0]["status"] == 200
    join = next(e for e in events if e["type"] == "join")
    greeting = sim.messages(join["source"]["groupId"])
    assert len(greeting) == 1
    assert greeting[0]["message"]["text"] == gettext(
        app.config["BOT_DEFAULT_LOCALE"], "Thank you for inviting me. I can only talk one to one: "
        "please add me as a friend and message me directly.")


def test_standby_events_are_not_answered(sample_available, app, client, worker, sim, make_user):
    person = make_user()
    events = []
    for event in _with_unique_ids(_sample())["events"]:
        if event["source"]["type"] != "user":
            continue
        event["mode"] = "standby"
        event["source"]["userId"] = person.user_id
        if "replyToken" in event:
            event["replyToken"] = person.token()
        events.append(event)
    assert post(app, client, json.dumps({"destination": "U1", "events": events}).encode()
                ).status_code == 200
    assert worker.drain() == len(events)
    assert [r for r in sim.requests() if r["endpoint"] != "profile"] == []
    assert sim.messages(person.user_id) == []


def test_unknown_event_types_are_ignored(app, client, worker, sim, make_user, caplog):
    person = make_user()
    future = ev.text(person.user_id, "x", reply_token=person.token())
    future["type"] = "somethingLineAddsNextYear"
    undefined = next(e for e in _sample()["events"] if e["type"] not in (
        "message", "follow", "unfollow", "join", "leave", "postback", "beacon", "accountLink",
        "memberJoined", "memberLeft", "unsend", "videoPlayComplete", "messageEdited"))
    undefined = dict(undefined, webhookEventId=ev.ulid())
    body = json.dumps({"destination": "U1", "events": [future, undefined]}).encode()
    assert post(app, client, body).status_code == 200
    assert worker.drain() == 2
    assert sim.requests() == []
    assert _bot_errors(caplog) == []


def test_a_redelivered_events_refused_token_falls_back_to_push_with_the_event_retry_key(
        sample_available, app, client, worker, sim, make_user):
    """LINE redelivers an event it could not deliver earlier with its old reply token, which
    may have expired long ago: refused, the answer goes by push."""
    person = make_user()
    event = _with_unique_ids(_sample())["events"][0]  # a text message from a user
    event["source"]["userId"] = person.user_id
    event["deliveryContext"] = {"isRedelivery": True}
    assert event["replyToken"] == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"
    assert post(app, client, json.dumps({"destination": "U1", "events": [event]}).encode()
                ).status_code == 200
    worker.drain()
    inbox = sim.messages(person.user_id)
    assert inbox and {m["via"] for m in inbox} == {"push"}
    assert inbox[0]["retryKey"] == retry_key_for(event["webhookEventId"], 0)
