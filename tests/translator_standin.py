"""A stand-in for a LibreTranslate server, started by the tests: POST /translate answers as
LibreTranslate does ({"translatedText": [...]} for a list of q), or with the error or the
delay a test asks for. Also `bracketed`, a translator function for the job run in-process,
and `versions_of`, the versions kept of an item's texts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.db import session_scope
from models.texts import texts_of


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _Threaded(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        threading.Thread(target=self._handle, args=(request, client_address),
                         daemon=True).start()

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


class StandIn:
    """`status` (200, or the error to answer), `delay` (seconds before answering), `key`
    (the api_key it wants, or None), and `calls`: every request body it received."""

    def __init__(self) -> None:
        self.status, self.delay, self.key = 200, 0.0, None
        self.calls: list[dict[str, Any]] = []
        self.server = make_server("127.0.0.1", 0, self.app, server_class=_Threaded,
                                  handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        if environ["PATH_INFO"] != "/translate" or environ["REQUEST_METHOD"] != "POST":
            return self._answer(start_response, 404, {"error": "Not Found"})
        self.calls.append(body)
        if self.delay:
            time.sleep(self.delay)
        if self.key is not None and body.get("api_key") != self.key:
            return self._answer(start_response, 403, {"error": "Invalid API key"})
        if self.status != 200:
            errors = {400: "Invalid request: missing q parameter", 429: "Slowdown: 80 per 1 minute",
                      500: "Cannot translate text: internal error"}
            return self._answer(start_response, self.status,
                                {"error": errors.get(self.status, "error")})
        q = body["q"]
        texts = [f"[{body['target']}] {text}" for text in (q if isinstance(q, list) else [q])]
        return self._answer(start_response, 200,
                            {"translatedText": texts if isinstance(q, list) else texts[0]})

    @staticmethod
    def _answer(start_response: Any, status: int, payload: dict[str, Any]) -> list[bytes]:
        reasons = {200: "OK", 400: "BAD REQUEST", 403: "FORBIDDEN", 404: "NOT FOUND",
                   429: "TOO MANY REQUESTS", 500: "INTERNAL SERVER ERROR"}
        data = json.dumps(payload).encode()
        start_response(f"{status} {reasons.get(status, 'ERROR')}",
                       [("Content-Type", "application/json"),
                        ("Content-Length", str(len(data)))])
        return [data]


@pytest.fixture
def translator_standin() -> Iterator[StandIn]:
    standin = StandIn()
    thread = threading.Thread(target=standin.server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        standin.server.shutdown()
        standin.server.server_close()


def bracketed(texts: list[str], source: str, target: str) -> list[str]:
    """A translator for `bot.translation.run`: each text with its target locale before it."""
    return [f"[{target}] {text}" for text in texts]


def versions_of(app: Any, kind: str, item_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    """(field, locale) -> (text, state) of the versions kept of an item's texts."""
    with session_scope(app) as session:
        return {(v.field, v.locale): (v.text, v.state)
                for v in texts_of(session, kind, [item_id])[item_id]}
