"""The terminal chat against the live server, with a tiny stand-in bot answering webhooks."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from bot.keys import EVENT_STREAM
from bot.redis_store import get_redis
from simulator.terminal import render, simulate

USER = "U" + "c" * 32


def stream_events(app) -> list[dict]:
    return [json.loads(f["event"]) for _, f in get_redis(app).xrange(EVENT_STREAM)]


@pytest.fixture
def echo_bot(app, live_url) -> Iterator[None]:
    """Answers each event from the stream through the simulator's reply API, as the bot would."""
    stop = threading.Event()
    redis = get_redis(app)
    token = app.config["LINE_CHANNEL_ACCESS_TOKEN"]

    def reply(reply_token: str, messages: list[dict]) -> None:
        request = urllib.request.Request(
            f"{live_url}/simulator/v2/bot/message/reply", method="POST",
            data=json.dumps({"replyToken": reply_token, "messages": messages}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).close()

    def run() -> None:
        last = "0-0"
        while not stop.is_set():
            for _, entries in redis.xread({EVENT_STREAM: last}, block=100) or []:
                for entry_id, fields in entries:
                    last = entry_id
                    event = json.loads(fields["event"])
                    if "replyToken" not in event:
                        continue
                    said = event.get("message", {}).get("text") or event.get(
                        "postback", {}).get("data") or event["type"]
                    reply(event["replyToken"], [{
                        "type": "text", "text": f"echo: {said}",
                        "quickReply": {"items": [{"type": "action", "action": {
                            "type": "postback", "label": "はい", "data": "answer=yes"}}]}}])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(5)


def test_terminal_chat_sends_signed_events_and_shows_replies(app, live_url, echo_bot, store):
    result = CliRunner().invoke(simulate, [
        "--url", live_url, "--user", USER, "--language", "en", "--wait", "3",
    ], input="こんにちは\n/tap 1\n/loc 35.7 139.6\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "bot> echo: follow" in result.output
    assert "bot> echo: こんにちは" in result.output
    assert "[1] はい" in result.output
    assert "bot> echo: answer=yes" in result.output
    kinds = [(e["type"], e.get("message", {}).get("type")) for e in stream_events(app)]
    assert kinds == [("follow", None), ("message", "text"), ("postback", None),
                     ("message", "location")]
    assert store.profile(USER)["language"] == "en"


def test_render_flattens_flex_and_numbers_buttons_then_quick_replies():
    message = {"type": "flex", "altText": "card", "contents": {"type": "bubble",
               "body": {"type": "box", "layout": "vertical", "contents": [
                   {"type": "text", "text": "タイトル"},
                   {"type": "button",
                    "action": {"type": "postback", "label": "参加", "data": "a"}}]}},
               "quickReply": {"items": [{"type": "action", "action": {
                   "type": "message", "label": "戻る", "text": "戻る"}}]}}
    lines, actions = render(message, 1)
    assert lines[0] == "タイトル"
    assert "[1] 参加" in lines[1] and "[2] 戻る" in lines[2]
    assert [a.get("label") for a in actions] == ["参加", "戻る"]


def test_terminal_chat_finds_the_server_on_port_like_serve(app, live_url, echo_bot):
    port = live_url.rsplit(":", 1)[1]
    result = CliRunner().invoke(simulate, ["--user", USER, "--wait", "3"], input="/quit\n",
                                env={"PORT": port})
    assert result.exit_code == 0, result.output
    assert "bot> echo: follow" in result.output
    # and --port, as `machibot serve --port`
    result = CliRunner().invoke(simulate, ["--port", port, "--user", USER, "--wait", "1"],
                                input="hello\n/quit\n", env={"PORT": "1"})
    assert result.exit_code == 0, result.output
    assert "bot> echo: hello" in result.output


def test_terminal_chat_names_the_address_it_cannot_reach():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    result = CliRunner().invoke(simulate, ["--user", USER], input="/quit\n",
                                env={"PORT": str(port)})
    assert result.exit_code != 0
    assert f"http://127.0.0.1:{port}" in result.output
