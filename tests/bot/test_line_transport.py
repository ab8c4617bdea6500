"""The sends' own HTTP transport (bot/line_transport.py): what LINE receives from it, and how
the LINE client fares through it when a server drops kept connections, answers too slowly,
fails with 5xx or refuses, against the simulator and against small local servers."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid

import pytest
from linebot.v3.messaging import ApiClient, Configuration

from bot.line import LineClient, LineError
from bot.line_transport import KeepAliveTransport, ProtocolError, Refused

USER = "U" + "0" * 32
PUSHED = b'{"sentMessages":[{"id":"1","quoteToken":"q"}]}'  # LINE's answer to a push


def _answer(status: str, body: bytes = PUSHED, extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"x-line-request-id: req-1\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body


class Server:
    """An HTTP/1.1 server on a free port. `script(n)` says what to do with the n-th request
    (0, 1, ...): ("answer", bytes) answers and keeps the connection, ("answer+close", bytes)
    answers and closes it, ("close", b"") closes it without answering, ("slow", bytes)
    answers after `slow_seconds`. Records each request's head and body. With `tls`, serves
    https with that context."""

    def __init__(self, script, slow_seconds: float = 0.5,  # type: ignore[no-untyped-def]
                 tls: ssl.SSLContext | None = None) -> None:
        self.script, self.slow_seconds = script, slow_seconds
        self.requests: list[tuple[dict[str, str], bytes, str]] = []  # headers, body, line
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/line"
        if tls is not None:
            self.listener = tls.wrap_socket(self.listener, server_side=True)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except ssl.SSLError:  # the client refused the certificate
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client may have gone (a timeout)
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                line, *fields = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip()
                           for k, _, v in (f.partition(":") for f in fields)}
                length = int(headers["content-length"])
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                action, answer = self.script(len(self.requests))
                self.requests.append((headers, body, line))
                if action == "slow":
                    time.sleep(self.slow_seconds)
                if action == "close":
                    return
                conn.sendall(answer)
                if action == "answer+close":
                    return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def serve():  # type: ignore[no-untyped-def]
    servers: list[Server] = []

    def start(script, **options) -> Server:  # type: ignore[no-untyped-def]
        servers.append(Server(script, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    made: list[LineClient] = []

    def make(url: str, **options) -> LineClient:  # type: ignore[no-untyped-def]
        made.append(LineClient("token-1", url, **({"backoff_base": 0.001} | options)))
        return made[-1]

    yield make
    for line in made:
        line.close()


def _text(n: int) -> dict:
    return {"type": "text", "text": f"message {n}"}


def test_line_receives_the_headers_it_expects_and_the_builders_json(serve, client):
    server = serve(lambda n: ("answer", _answer("200 OK")))
    line = client(server.url)
    key = str(uuid.uuid4())
    line.push(USER, [_text(1)], key)
    line.reply("token-of-reply", [_text(2)])
    (pushed, push_body, push_line), (replied, reply_body, reply_line) = server.requests
    assert push_line == "POST /line/v2/bot/message/push HTTP/1.1"
    assert reply_line == "POST /line/v2/bot/message/reply HTTP/1.1"
    sdk = ApiClient(Configuration(access_token="token-1"))
    for headers in (pushed, replied):
        assert headers["authorization"] == "Bearer token-1"
        assert headers["user-agent"] == sdk.default_headers["User-Agent"]
        assert headers["user-agent"].startswith("line-bot-sdk-python/")
        assert headers["content-type"] == "application/json"
        assert headers["host"] == server.url.split("/")[2]
    assert pushed["x-line-retry-key"] == key
    assert "x-line-retry-key" not in replied  # LINE refuses it on reply
    assert json.loads(push_body) == {"to": USER, "messages": [_text(1)]}
    assert json.loads(reply_body) == {"replyToken": "token-of-reply", "messages": [_text(2)]}
    sdk.close()


def test_sends_share_one_kept_connection(serve, client):
    server = serve(lambda n: ("answer", _answer("200 OK")))
    line = client(server.url)
    for n in range(5):
        line.push(USER, [_text(n)], str(uuid.uuid4()))
    assert (len(server.requests), server.connections) == (5, 1)


def test_a_connection_the_server_drops_as_the_request_arrives_is_replaced_at_once(
        serve, client, caplog):
    """A kept connection the server closes just as it is reused (its idle timeout) costs no
    failed attempt: the request goes again on a new connection, and is delivered once."""
    server = serve(lambda n: ("close", b"") if n == 1 else ("answer", _answer("200 OK")))
    line = client(server.url)
    line.push(USER, [_text(1)], str(uuid.uuid4()))
    line.push(USER, [_text(2)], str(uuid.uuid4()))
    assert [json.loads(body)["messages"][0]["text"] for _, body, _ in server.requests] == [
        "message 1", "message 2", "message 2"]
    assert server.connections == 2
    assert not [r for r in caplog.records if r.name == "bot.line"]  # no failed attempt


def test_a_new_connection_closed_without_an_answer_is_a_failed_attempt(serve, client):
    server = serve(lambda n: ("close", b""))
    with pytest.raises(LineError) as failed:
        client(server.url, max_retries=1).push(USER, [_text(1)], str(uuid.uuid4()))
    assert failed.value.status is None
    assert len(server.requests) == 2  # one attempt and one retry, no silent extra request


def test_an_answer_slower_than_the_timeout_is_retried_then_given_up(serve, client):
    server = serve(lambda n: ("slow", _answer("200 OK")), slow_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(LineError) as failed:
        client(server.url, timeout=0.1, max_retries=1).push(USER, [_text(1)], str(uuid.uuid4()))
    assert failed.value.status is None
    assert failed.value.reason == "TimeoutError"
    assert len(server.requests) == 2
    assert time.monotonic() - started < 0.45  # neither attempt waited for the answer


def test_server_errors_are_retried_on_the_same_kind_of_connection(serve, client):
    error = _answer("503 Service Unavailable", b'{"message":"busy"}')
    server = serve(lambda n: ("answer", error) if n < 2 else ("answer", _answer("200 OK")))
    client(server.url, max_retries=3).push(USER, [_text(1)], str(uuid.uuid4()))
    assert len(server.requests) == 3
    assert server.connections == 1  # an error answer keeps the connection


def test_the_monthly_limit_is_not_retried(serve, client):
    limit = _answer("429 Too Many Requests", b'{"message":"You have reached your monthly limit."}')
    server = serve(lambda n: ("answer", limit))
    with pytest.raises(LineError) as refused:
        client(server.url, max_retries=3).push(USER, [_text(1)], str(uuid.uuid4()))
    assert refused.value.monthly_limit
    assert len(server.requests) == 1


def test_a_conflict_naming_the_accepted_request_counts_as_sent(serve, client):
    conflict = _answer("409 Conflict", b'{"message":"The retry key is already accepted"}',
                       "X-Line-Accepted-Request-Id: 2d1c\r\n")
    server = serve(lambda n: ("answer", conflict))
    client(server.url).push(USER, [_text(1)], str(uuid.uuid4()))  # no error
    assert len(server.requests) == 1


def test_the_transport_reads_chunked_and_close_delimited_answers(serve):
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\n{\"a\":\r\n3;x=y\r\n 1}\r\n0\r\nTrailer: t\r\n\r\n")
    ended = b"HTTP/1.0 200 OK\r\nx-line-request-id: r\r\n\r\n{}"
    server = serve(lambda n: ("answer", chunked) if n == 0 else ("answer+close", ended))
    transport = KeepAliveTransport(server.url, {})
    try:
        first = transport.post("/v2/bot/message/push", b"{}", timeout=2)
        second = transport.post("/v2/bot/message/push", b"{}", timeout=2)
    finally:
        transport.close()
    assert json.loads(first.body) == {"a": 1}
    assert (second.status, second.headers["x-line-request-id"], second.body) == (200, "r", b"{}")
    assert server.connections == 1  # the chunked answer kept it; the HTTP/1.0 one ended it


def test_the_transport_reports_a_refusal_with_what_line_said(serve):
    server = serve(lambda n: ("answer", _answer("400 Bad Request", b'{"message":"x"}')))
    transport = KeepAliveTransport(server.url, {})
    try:
        with pytest.raises(Refused) as refused:
            transport.post("/v2/bot/message/reply", b"{}", timeout=2)
    finally:
        transport.close()
    assert (refused.value.status, refused.value.headers["x-line-request-id"],
            refused.value.body) == (400, "req-1", b'{"message":"x"}')


def test_the_transport_refuses_what_is_not_http(serve):
    server = serve(lambda n: ("answer+close", b"SSH-2.0-OpenSSH\r\n\r\n"))
    transport = KeepAliveTransport(server.url, {})
    try:
        with pytest.raises(ProtocolError):
            transport.post("/v2/bot/message/reply", b"{}", timeout=2)
    finally:
        transport.close()


def test_a_header_cannot_smuggle_a_line_break():
    with pytest.raises(ValueError):
        KeepAliveTransport("http://127.0.0.1:9", {"Authorization": "Bearer x\r\nX-Evil: 1"})


def test_threads_sending_at_once_each_take_a_connection_and_all_are_kept(serve):
    server = serve(lambda n: ("slow", _answer("200 OK")), slow_seconds=0.05)
    transport = KeepAliveTransport(server.url, {}, pool_size=3)
    threads = [threading.Thread(target=transport.post, args=("/v2/bot/message/push", b"{}"),
                                kwargs={"timeout": 2})
               for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (len(server.requests), server.connections) == (4, 4)
        assert len(transport._idle) == 3  # at most pool_size kept
    finally:
        transport.close()
    assert not transport._idle


def test_sends_through_the_simulator_are_recorded_once(app, sim):
    user = f"U{uuid.uuid4().hex}"
    sim.add_user(user, "Tester", "en")
    line = LineClient(app.config["LINE_CHANNEL_ACCESS_TOKEN"], app.config["LINE_API_BASE_URL"],
                      backoff_base=0.001)
    try:
        key = str(uuid.uuid4())
        line.push(user, [_text(1)], key)
        line.push(user, [_text(1)], key)  # 409, accepted: counted as sent
        line.multicast([user], [_text(2)], str(uuid.uuid4()))
        line.reply(sim.issue_reply_token(user), [_text(3)])
        with pytest.raises(LineError) as refused:
            line.reply("not-a-token", [_text(4)])
    finally:
        line.close()
    assert refused.value.status == 400
    assert [(m["via"], m["message"]["text"]) for m in sim.messages(user)] == [
        ("push", "message 1"), ("multicast", "message 2"), ("reply", "message 3")]


# -- https ----------------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path):  # type: ignore[no-untyped-def]
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _tls_server(serve, certificate):  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return serve(lambda n: ("answer", _answer("200 OK")), tls=context)


def test_https_verifies_the_certificate(serve, client, certificate, caplog):
    caplog.set_level(logging.WARNING, logger="bot.line")
    server = _tls_server(serve, certificate)
    with pytest.raises(LineError) as failed:
        client(server.url, max_retries=0).push(USER, [_text(1)], str(uuid.uuid4()))
    assert failed.value.status is None
    assert "SSLCertVerificationError" in caplog.text
    assert server.requests == []


def test_https_sends_over_a_kept_connection_to_a_trusted_server(serve, client, certificate,
                                                               monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # what the default context trusts
    server = _tls_server(serve, certificate)
    line = client(server.url, max_retries=0)
    for n in range(3):
        line.push(USER, [_text(n)], str(uuid.uuid4()))
    assert (len(server.requests), server.connections) == (3, 1)
