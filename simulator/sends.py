"""LINE's message-sending endpoints (reply, push, multicast, narrowcast, broadcast), answered
by a plain WSGI handler in front of the Flask app.

They are nearly all of the bot's API calls, and in load tests the simulator shares the
machine with the bot, so every millisecond it spends is taken from the bot. Without Flask's
routing and request/response objects, and with one Redis round trip per call
(`SimulatorStore.send`), a call costs about half as much. The rules are the ones
`api.line_api` applies to the other endpoints, in the same order: bearer token (401),
failure injection and rate limits, the X-Line-Retry-Key header, LINE's body checks, then
the retry key's uniqueness and the send, and last the faults that strike a request LINE
accepted (answered 500, or too late for the client). Every answer carries
`x-line-request-id`; the latency setting delays answers as it does elsewhere.
"""

from __future__ import annotations

import hmac
import json
import random
import secrets
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from flask import Flask

from simulator import validation as v
from simulator.store import encode_messages, get_store, new_request_id

SEND_ENDPOINTS = ("reply", "push", "multicast", "narrowcast", "broadcast")
AUTH_FAILED = ("Authentication failed. Confirm that the access token in the authorization "
               "header is valid.")
MALFORMED = "The request body could not be parsed as JSON"

Answer = tuple[int, dict, list[tuple[str, str]], float]  # status, body, headers, latency ms


class SendEndpoints:
    """WSGI middleware: answers POST {prefix}/v2/bot/message/<send endpoint>, passes every
    other request to the app."""

    def __init__(self, app: Flask, wsgi_app: Callable, prefix: str) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.paths = {f"{prefix}/v2/bot/message/{name}": name for name in SEND_ENDPOINTS}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        endpoint = self.paths.get(environ.get("PATH_INFO", ""))
        if endpoint is None:
            return self.wsgi_app(environ, start_response)
        if environ.get("REQUEST_METHOD") == "POST":
            status, body, headers, latency = self.answer(endpoint, environ)
        else:
            status, body, headers, latency = 405, {"message": "Method Not Allowed"}, [], 0.0
        data = json.dumps(body, separators=(",", ":")).encode()
        if latency > 0:
            time.sleep(latency / 1000)
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(data))),
            *headers])
        return [data]

    def answer(self, endpoint: str, environ: dict) -> Answer:
        request_id = new_request_id()
        headers = [("x-line-request-id", request_id)]
        expected = f"Bearer {self.app.config['LINE_CHANNEL_ACCESS_TOKEN']}"
        if not hmac.compare_digest(environ.get("HTTP_AUTHORIZATION", "").encode(),
                                   expected.encode()):
            return 401, {"message": AUTH_FAILED}, headers, 0.0
        store = get_store(self.app)
        retry_key = environ.get("HTTP_X_LINE_RETRY_KEY")
        body = _json_body(environ)
        refusal, messages_json = _checked(endpoint, retry_key, body)
        if refusal is not None:  # answered only once the gate lets the call through, as LINE does
            status, latency, detail = store.send(endpoint, "[]", 0, request_id=request_id,
                                                 retry_key=retry_key, refusal=400,
                                                 rand=random.random())
            return status, refusal if status == 400 else {"message": detail}, headers, latency

        messages = body["messages"]
        to: list[str] = []
        if endpoint == "push":
            to = [body["to"]]
        elif endpoint == "multicast":
            to = body["to"]
        status, latency, detail = store.send(
            endpoint, messages_json, len(messages), request_id=request_id, to=to,
            retry_key=retry_key, reply_token=body.get("replyToken"), rand=random.random(),
            accepted_rand=random.random())
        if status == 200:
            if endpoint in ("reply", "push"):
                sent = [{"id": str(random.randint(10**17, 10**18 - 1)),
                         "quoteToken": secrets.token_urlsafe(24)} for _ in messages]
                return 200, {"sentMessages": sent}, headers, latency
            return 202 if endpoint == "narrowcast" else 200, {}, headers, latency
        if status == 409:
            headers.append(("x-line-accepted-request-id", detail))
            return 409, {"message": "The retry key is already accepted"}, headers, latency
        return status, {"message": detail}, headers, latency


def _checked(endpoint: str, retry_key: str | None, body: dict | None) -> tuple[dict | None, str]:
    """(LINE's 400 answer to a call that it refuses as it stands, or None; the messages as
    stored)."""
    if (reason := v.check_retry_key(endpoint, retry_key)) is not None:
        return {"message": reason}, "[]"
    if body is None:
        return {"message": MALFORMED}, "[]"
    messages_json = encode_messages(body.get("messages"))
    details = v.check_send(endpoint, body, size_bound=len(messages_json.encode()))
    return (v.error_body(details) if details else None), messages_json


def _json_body(environ: dict) -> Any:
    """The JSON object in the body, or None (as Flask's `get_json(silent=True)` reads it)."""
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if mimetype != "application/json" and not (
            mimetype.startswith("application/") and mimetype.endswith("+json")):
        return None
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        if not length.isdigit():
            return None
        data = stream.read(int(length))
    else:
        data = stream.read() if environ.get("wsgi.input_terminated") else b""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
