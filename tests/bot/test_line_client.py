"""The LINE client against the simulator (retries, retry keys, reply-else-push, secrecy, the
builders' messages sent unchanged), and against answers the simulator does not give."""

from __future__ import annotations

import logging
import uuid

import pytest
from linebot.v3.messaging import PushMessageRequest

from bot.kernel.composer import Choice, Composer
from bot.kernel.postback import PostbackCodec
from bot.line import LineClient, LineError, get_line, retry_key_for


def _text(n: int | str) -> dict:
    return {"type": "text", "text": f"message {n}"}


@pytest.fixture
def friend(sim) -> str:
    user_id = f"U{uuid.uuid4().hex}"
    sim.add_user(user_id, "Tester", "en")
    return user_id


@pytest.fixture
def fast_client(app):
    """A client like the app's, with short backoff so retry tests stay fast."""
    def make(**options) -> LineClient:
        settings = {"max_retries": 3, "backoff_base": 0.001, "timeout": 5.0} | options
        return LineClient(app.config["LINE_CHANNEL_ACCESS_TOKEN"],
                          app.config["LINE_API_BASE_URL"], **settings)

    made: list[LineClient] = []

    def factory(**options) -> LineClient:
        made.append(make(**options))
        return made[-1]

    yield factory
    for client in made:
        client.close()


def _statuses(sim, endpoint: str) -> list[int]:
    return [r["status"] for r in sim.requests() if r["endpoint"] == endpoint]


def test_server_errors_and_rate_limits_are_retried_until_sent(sim, friend, fast_client):
    sim.configure(failure_rate=0.5)  # half of all calls answer 500 or 429
    line = fast_client(max_retries=30)
    keys = [str(uuid.uuid4()) for _ in range(30)]
    for n, key in enumerate(keys):
        line.push(friend, [_text(n)], key)
    statuses = _statuses(sim, "push")
    assert 500 in statuses and 429 in statuses
    assert all(sim.delivery_count(friend, key) == 1 for key in keys)
    assert [m["message"]["text"] for m in sim.messages(friend)] == [
        f"message {n}" for n in range(30)]


def test_the_client_gives_up_after_max_retries(sim, friend, fast_client):
    sim.configure(failure_rate=1.0)
    with pytest.raises(LineError) as failed:
        fast_client(max_retries=2).push(friend, [_text(1)], str(uuid.uuid4()))
    assert failed.value.status in (500, 429)
    assert len(_statuses(sim, "push")) == 3
    assert sim.messages(friend) == []


def test_the_app_client_gives_up_after_its_configured_retries(app, sim, friend):
    sim.configure(failure_rate=1.0)
    with pytest.raises(LineError):
        get_line(app).push(friend, [_text(1)], str(uuid.uuid4()))
    assert len(_statuses(sim, "push")) == app.config["LINE_MAX_RETRIES"] + 1


def test_a_repeated_retry_key_counts_as_sent_and_delivers_once(app, sim, friend):
    key = str(uuid.uuid4())
    line = get_line(app)
    line.push(friend, [_text(1)], key)
    line.push(friend, [_text(1)], key)  # LINE answers 409: already accepted
    assert _statuses(sim, "push") == [200, 409]
    assert sim.delivery_count(friend, key) == 1
    assert len(sim.messages(friend)) == 1


def test_a_refused_request_is_not_retried(app, sim, friend):
    with pytest.raises(LineError) as refused:
        get_line(app).push(friend, [{"type": "text", "text": ""}], str(uuid.uuid4()))
    assert refused.value.status == 400
    assert _statuses(sim, "push") == [400]


def test_a_fresh_reply_token_answers_by_reply(app, sim, friend):
    get_line(app).send(friend, [_text(1)], reply_token=sim.issue_reply_token(friend),
                       retry_key_base="event-1")
    assert [m["via"] for m in sim.messages(friend)] == ["reply"]


def test_a_used_reply_token_falls_back_to_push(app, sim, friend):
    token = sim.issue_reply_token(friend)
    line = get_line(app)
    line.send(friend, [_text(1)], reply_token=token, retry_key_base="event-1")
    line.send(friend, [_text(2)], reply_token=token, retry_key_base="event-2")
    delivered = sim.messages(friend)
    assert [(m["via"], m["message"]["text"]) for m in delivered] == [
        ("reply", "message 1"), ("push", "message 2")]


def test_a_token_used_while_known_fresh_counts_as_delivered(app, sim, friend):
    """Within its lifetime only an earlier attempt of the same answer can have used the
    token (a reply LINE took and answered 5xx, a worker killed mid-reply): no second copy."""
    import time

    token = sim.issue_reply_token(friend)
    line = get_line(app)
    fresh = time.time() + 30
    line.send(friend, [_text(1)], reply_token=token, retry_key_base="event-1",
              token_fresh_until=fresh)
    line.send(friend, [_text(1)], reply_token=token, retry_key_base="event-1",
              token_fresh_until=fresh)
    assert [(m["via"], m["message"]["text"]) for m in sim.messages(friend)] == [
        ("reply", "message 1")]


def test_a_used_token_past_its_known_lifetime_goes_by_push(app, sim, friend):
    import time

    token = sim.issue_reply_token(friend)
    line = get_line(app)
    line.send(friend, [_text(1)], reply_token=token, retry_key_base="event-1")
    line.send(friend, [_text(2)], reply_token=token, retry_key_base="event-2",
              token_fresh_until=time.time() - 1)
    assert [m["via"] for m in sim.messages(friend)] == ["reply", "push"]


def test_an_expired_reply_token_falls_back_to_push(app, sim, friend):
    import time

    sim.configure(reply_token_ttl=0.01)
    token = sim.issue_reply_token(friend)
    time.sleep(0.05)
    get_line(app).send(friend, [_text(1)], reply_token=token, retry_key_base="event-1")
    assert [m["via"] for m in sim.messages(friend)] == ["push"]


def test_resending_the_same_event_by_push_delivers_once(app, sim, friend):
    line = get_line(app)
    for _ in range(2):
        line.send(friend, [_text(1)], reply_token=None, retry_key_base="event-1")
    assert len(sim.messages(friend)) == 1
    assert sim.delivery_count(friend, retry_key_for("event-1", 0)) == 1


def test_more_than_five_messages_go_in_calls_of_five(app, sim, friend):
    messages = [_text(n) for n in range(12)]
    get_line(app).send(friend, messages, reply_token=sim.issue_reply_token(friend),
                       retry_key_base="event-1")
    calls = [(r["endpoint"], r["messages"]) for r in sim.requests()
             if r["endpoint"] in ("reply", "push")]
    assert calls == [("reply", 5), ("push", 5), ("push", 2)]
    assert [m["message"]["text"] for m in sim.messages(friend)] == [
        f"message {n}" for n in range(12)]


def test_more_than_five_messages_without_a_token_are_all_pushed(app, sim, friend):
    get_line(app).send(friend, [_text(n) for n in range(7)], reply_token=None,
                       retry_key_base="event-1")
    assert [(r["endpoint"], r["messages"]) for r in sim.requests()] == [("push", 5), ("push", 2)]


def _every_kind_of_message(mode: str) -> list[dict]:
    """One of each message the builders (bot/messages.py) make, with every kind of action."""
    c = Composer("en", mode, PostbackCodec("channel-secret"))
    kinds = [Choice.answer("x.step", "Yes", "y"), Choice("Say hi", kind="message", text="hi"),
             Choice("When?", "x.when", kind="datetime"), Choice("Day?", "x.day", kind="date"),
             Choice("Time?", "x.time", kind="time"), Choice("Where?", kind="location"),
             Choice("Web", kind="uri", uri="https://example.org/a?b=1")]
    card = c.bubble("Title 題名", ["line 1", "line 2"], [Choice.go("Open", "menu")],
                    badges=["new", "micro"], image_url="https://example.org/p.jpg")
    return [
        c.text("Plain text 😀"),
        c.choices("Pick one", kinds[:3] if mode == "simple" else kinds),
        c.confirm("Sure?", Choice.answer("x.s", "Yes", "y"), Choice.answer("x.s", "No", "n")),
        c.card("Card", ["detail"], [Choice.go("Menu", "menu")], badges=["b"]),
        c.carousel([card, card], "Two cards", [Choice.answer("x.more", "More", 1)]),
    ]


def _without_sdk_defaults(node):  # type: ignore[no-untyped-def]
    """The message without what the SDK's models add with LINE's own default value (a Flex
    image's "animated": false)."""
    if isinstance(node, list):
        return [_without_sdk_defaults(item) for item in node]
    if isinstance(node, dict):
        return {k: _without_sdk_defaults(v) for k, v in node.items()
                if not (k == "animated" and v is False and node.get("type") == "image")}
    return node


@pytest.mark.parametrize("mode", ["standard", "simple"])
def test_every_kind_of_message_reaches_line_as_the_builders_made_it(app, sim, friend, mode):
    """Nothing of what the builders make is dropped or changed on the way to LINE."""
    built = _every_kind_of_message(mode)
    get_line(app).send(friend, built, reply_token=sim.issue_reply_token(friend),
                       retry_key_base="event-1")
    received = [m["message"] for m in sim.messages(friend)]
    assert received == built


@pytest.mark.parametrize("mode", ["standard", "simple"])
def test_the_sdks_models_take_every_kind_of_message_the_builders_make(mode):
    """The sends post the builders' JSON without the SDK's models (bot/line.py says why);
    the models, LINE's own specification in code, must still read every message unchanged."""
    built = _every_kind_of_message(mode)
    for part in (built[:5], built[5:]):
        if part:
            request = PushMessageRequest.from_dict({"to": "U" + "0" * 32, "messages": part})
            assert _without_sdk_defaults(request.to_dict()["messages"]) == part


def test_show_loading_starts_the_animation(app, sim, friend):
    get_line(app).show_loading(friend, 7)
    assert sim.loading_shown(friend)


@pytest.mark.parametrize("seconds", [0, 3, 61, 1000])
def test_show_loading_never_raises(sim, friend, fast_client, seconds):
    sim.configure(failure_rate=1.0)
    fast_client().show_loading(friend, seconds)
    sim.configure(failure_rate=0.0, latency_ms=300)
    fast_client(timeout=0.05).show_loading(friend, seconds)
    fast_client().show_loading("C" + uuid.uuid4().hex, seconds)  # a group: LINE says 400


def test_show_loading_never_raises_when_line_is_unreachable():
    line = LineClient("token", "http://127.0.0.1:9/simulator", timeout=0.2, backoff_base=0.001)
    try:
        line.show_loading("U" + "0" * 32)
    finally:
        line.close()


def test_a_timeout_is_retried_then_raises(sim, friend, fast_client):
    sim.configure(latency_ms=400)
    key = str(uuid.uuid4())
    with pytest.raises(LineError) as failed:
        fast_client(timeout=0.1, max_retries=1).push(friend, [_text(1)], key)
    assert failed.value.status is None
    assert len(_statuses(sim, "push")) == 2
    # LINE may have taken the first attempt: the retry key keeps it to one delivery
    assert sim.delivery_count(friend, key) <= 1


def test_a_profile_carries_the_line_language(app, sim, friend):
    profile = get_line(app).profile(friend)
    assert (profile.display_name, profile.language) == ("Tester", "en")


def test_an_unknown_user_has_no_profile(app):
    assert get_line(app).profile("U" + "f" * 32) is None


def test_the_access_token_never_reaches_the_logs(app, sim, friend, caplog):
    secret = "do-not-log-" + uuid.uuid4().hex
    for name in (None, "urllib3", "linebot", "bot.line"):
        caplog.set_level(logging.DEBUG, logger=name)
    line = get_line(app)
    line.push(friend, [_text(1)], str(uuid.uuid4()))
    line.send(friend, [_text(2)], reply_token="stale", retry_key_base="event-1")
    line.profile(friend)
    line.show_loading(friend)
    sim.configure(failure_rate=1.0)
    with pytest.raises(LineError):
        line.push(friend, [_text(3)], str(uuid.uuid4()))
    sim.configure(failure_rate=0.0)
    stranger = LineClient(secret, app.config["LINE_API_BASE_URL"], backoff_base=0.001)
    try:
        with pytest.raises(LineError) as refused:
            stranger.push(friend, [_text(4)], str(uuid.uuid4()))
    finally:
        stranger.close()
    assert refused.value.status == 401
    assert {r.name.split(".")[0] for r in caplog.records} >= {"urllib3", "bot"}
    token = app.config["LINE_CHANNEL_ACCESS_TOKEN"]
    for record in caplog.records:
        logged = record.getMessage() + repr(record.args) + str(record.exc_info or "")
        assert token not in logged and secret not in logged, record.name
    assert secret not in str(refused.value)


# -- answers the simulator does not give ---------------------------------------------------


class RawServer:
    """An HTTP/1.1 server on a free port that answers the n-th request with `answers[n]`
    (raw bytes, as a server on the way to LINE may send them) and closes the connection
    after each answer when `close_after` is set."""

    def __init__(self, answers: list[bytes], close_after: bool = False) -> None:
        import socket
        import threading

        self.answers, self.close_after = list(answers), close_after
        self.requests, self.connections = 0, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/sim"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                buffer = b""
                while self.answers:
                    while b"\r\n\r\n" not in buffer:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        buffer += chunk
                    if b"\r\n\r\n" not in buffer:
                        break
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    while len(buffer) < length:
                        buffer += conn.recv(65536)
                    buffer = buffer[length:]
                    self.requests += 1
                    conn.sendall(self.answers.pop(0))
                    if self.close_after:
                        break

    def close(self) -> None:
        self.listener.close()


def test_a_chunked_error_answer_is_read_for_its_reason():
    body = b'{"message":"Invalid reply token"}'
    chunked = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n"
               + b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:]))
               + b"0\r\n\r\n")
    server = RawServer([chunked])
    line = LineClient("token", server.url, backoff_base=0.001)
    try:
        with pytest.raises(LineError) as refused:
            line.reply("stale", [_text(1)])
    finally:
        line.close()
        server.close()
    assert (refused.value.status, refused.value.reason) == (400, "Invalid reply token")


def _push_twice(answer: bytes, pause: float = 0.0) -> RawServer:
    """Two pushes, `pause` apart, to a server that answers each with `answer` and then
    closes the connection."""
    import time

    server = RawServer([answer, answer], close_after=True)
    line = LineClient("token", server.url, backoff_base=0.001)
    try:
        line.push("U" + "0" * 32, [_text(1)], str(uuid.uuid4()))
        time.sleep(pause)
        line.push("U" + "0" * 32, [_text(2)], str(uuid.uuid4()))
    finally:
        line.close()
        server.close()
    return server


def test_a_conflict_without_an_accepted_request_is_not_counted_as_sent():
    body = b'{"message":"Conflict"}'
    server = RawServer([b"HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)])
    line = LineClient("token", server.url, backoff_base=0.001)
    try:
        with pytest.raises(LineError) as refused:
            line.push("U" + "0" * 32, [_text(1)], str(uuid.uuid4()))
    finally:
        line.close()
        server.close()
    assert refused.value.status == 409


PUSHED = b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}'  # LINE's answer to a push


def test_answers_ended_by_closing_the_connection_are_read(caplog):
    server = _push_twice(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + PUSHED)
    assert (server.requests, server.connections) == (2, 2)
    assert not [r for r in caplog.records if r.name == "bot.line"]  # no failed attempt


def test_a_kept_connection_the_server_closed_is_not_used_again(caplog):
    # no "Connection: close", yet the server closes: its idle timeout
    server = _push_twice(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(PUSHED), PUSHED), pause=0.05)
    assert (server.requests, server.connections) == (2, 2)
    assert not [r for r in caplog.records if r.name == "bot.line"]  # no failed attempt


def test_retry_keys_are_stable_and_take_ids_that_are_not_valid_unicode():
    from bot.line import retry_key_for

    assert retry_key_for("event", 0) == retry_key_for("event", 0) != retry_key_for("event", 1)
    assert retry_key_for("\ud800", 0) != retry_key_for("\ud801", 0)  # a forged event id
