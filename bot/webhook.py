"""POST /callback: verify, dedupe, enqueue, answer. Nothing else happens here.

The whole body is handled in one Redis round trip: a short Lua script claims each
webhookEventId (SET NX EX) and appends only unseen events to the event stream, so a
redelivered event is never enqueued twice and no event is acknowledged without being stored.

POST /callback is answered by `CallbackFront`, a plain WSGI callable in front of Flask: Flask's
request and response objects cost about two thirds of the web's CPU per event. Every other
request goes to Flask, GET /healthz and the other methods of /callback (405, OPTIONS) included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import redis
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_content_length, get_input_stream

from bot import keys
from bot.db import get_engine
from bot.redis_store import LuaScript, get_redis

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

bp = Blueprint("webhook", __name__)
log = logging.getLogger(__name__)

# KEYS[1] stream; ARGV: dedupe ttl, maxlen, received-at ms, then
# (dedupe key, event json, the user's sequence key or "")*. Each new event of a user gets the
# next number of that user, so workers can keep one person's events in order.
ENQUEUE = LuaScript("""
local added = 0
for i = 4, #ARGV, 3 do
  if redis.call('SET', ARGV[i], '1', 'NX', 'EX', ARGV[1]) then
    local seq = 0
    if ARGV[i + 2] ~= '' then
      seq = redis.call('INCR', ARGV[i + 2])
      redis.call('EXPIRE', ARGV[i + 2], ARGV[1])
    end
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[i + 1],
               'at', ARGV[3], 'seq', seq)
    added = added + 1
  end
end
return added
""")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.wsgi_app = CallbackFront(app, app.wsgi_app)  # type: ignore[method-assign]


class CallbackFront:
    """WSGI middleware: answers POST /callback itself and passes every other request on."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/callback" or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        status, answer = callback_answer(self.app, environ)
        # the bytes Flask's jsonify would send
        body = json.dumps(answer, separators=(",", ":"), sort_keys=True).encode() + b"\n"
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def signature_is_valid(secret: str, body: bytes, signature: str) -> bool:
    expected = base64.b64encode(hmac.digest(secret.encode(), body, "sha256"))
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))



def callback_answer(app: Flask, environ: WSGIEnvironment) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON answer to one POST /callback."""
    limit = app.config["MAX_BODY_BYTES"]
    length = get_content_length(environ)
    if length is not None and length > limit:
        log.warning("webhook refused: body of %s bytes is over the limit", length)
        return _error("body too large", 413)
    try:
        # at most one byte over the limit: a chunked body has no Content-Length to check
        body = get_input_stream(environ).read(limit + 1)
    except ClientDisconnected:  # the client went away mid-body (Flask answered 400 too)
        return _error("body incomplete", 400)
    if len(body) > limit:
        log.warning("webhook refused: body over the limit")
        return _error("body too large", 413)

    signature = environ.get("HTTP_X_LINE_SIGNATURE", "")
    if not signature or not signature_is_valid(app.config["LINE_CHANNEL_SECRET"], body,
                                               signature):
        log.warning("webhook refused: %s signature", "invalid" if signature else "missing")
        return _error("invalid signature", 400)

    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: deep nesting
        log.warning("webhook refused: body is not JSON")
        return _error("malformed JSON", 400)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        log.warning("webhook refused: no events list")
        return _error("malformed body: events must be a list", 400)

    args: list[str | int] = [
        app.config["DEDUPE_TTL_SECONDS"],
        app.config["STREAM_MAXLEN"],
        int(time.time() * 1000),
    ]
    for event in events:
        if not isinstance(event, dict):
            continue  # not an event LINE would send; nothing to handle
        # ASCII escapes: JSON may carry lone surrogates (\ud800), which Redis cannot take as UTF-8
        encoded = json.dumps(event, separators=(",", ":"))
        event_id = event.get("webhookEventId")
        if (not isinstance(event_id, str) or not event_id or len(event_id) > 64
                or not event_id.isascii()):
            event_id = "h" + hashlib.sha256(encoded.encode()).hexdigest()[:32]
        source = event.get("source")
        user_id = source.get("userId") if isinstance(source, dict) else None
        ordered = isinstance(user_id, str) and 0 < len(user_id) <= 64 and user_id.isascii()
        args += [keys.seen_event(event_id), encoded,
                 keys.user_sequence(user_id) if ordered else ""]
    if len(args) == 3:
        return 200, {"status": "ok", "queued": 0}

    client = get_redis(app)
    try:
        queued = ENQUEUE(client, [keys.EVENT_STREAM], args)
    except redis.RedisError as exc:
        log.error("webhook could not enqueue (%s); LINE will redeliver", type(exc).__name__)
        return _error("temporarily unavailable", 503)
    return 200, {"status": "ok", "queued": queued}


@bp.post("/callback")
def callback() -> tuple[dict[str, Any], int]:
    """Only reached when `CallbackFront` is bypassed; with the rule, Flask answers the other
    methods of /callback as it always did."""
    status, answer = callback_answer(current_app, request.environ)
    return answer, status


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    checks = {}
    try:
        checks["redis"] = bool(get_redis().ping())
    except redis.RedisError:
        checks["redis"] = False
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        checks["database"] = False
    ok = all(checks.values())
    return jsonify(status="ok" if ok else "unavailable", **checks), 200 if ok else 503


def _error(message: str, status: int) -> tuple[int, dict[str, Any]]:
    return status, {"status": "error", "message": message}
