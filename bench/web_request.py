"""CPU per webhook request inside the web process: the app's WSGI callable handed signed
webhook bodies of one postback event each (no HTTP server: what gunicorn adds is the same for
every app), with the console on and off, and a bare Flask app that only answers 200 beside
them for scale.

    .venv/bin/python bench/web_request.py [--requests 2000]

Prints the best of several rounds, in CPU microseconds per request of this process. The
console's rate limit (console/rate_limits.py) and sessions (ConsoleSessionInterface) quote
these figures. Uses REDIS_URL when set, else the embedded Redis; a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from bot.app import create_app

SECRET = "s" * 32


def environ(i: int) -> dict[str, Any]:
    """A signed POST /callback with the i-th postback event, as LINE sends it."""
    event = {"type": "postback", "mode": "active", "timestamp": 1,
             "source": {"type": "user", "userId": f"U{i % 50:032x}"},
             "webhookEventId": f"01BENCH{i:019d}", "deliveryContext": {"isRedelivery": False},
             "replyToken": "r" * 32, "postback": {"data": "x"}}
    body = json.dumps({"destination": "U0", "events": [event]}).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/callback", "SERVER_NAME": "bench",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_LINE_SIGNATURE": signature.decode(), "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr}


def per_request_us(app: Callable, environs: list[dict[str, Any]], rounds: int = 5) -> float:
    """The best round's CPU time per request (other processes on the machine only ever
    make a round slower)."""
    def start_response(status: str, _headers: list, _exc: Any = None) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"the app answered {status}")

    per_round = len(environs) // rounds
    best = float("inf")
    for r in range(rounds):
        batch = environs[r * per_round:(r + 1) * per_round]
        started = time.process_time()
        for env in batch:
            b"".join(app(env, start_response))
        best = min(best, (time.process_time() - started) / len(batch))
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per app, all rounds")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="machibot-web-bench-")
    base = {"DATABASE_URL": f"sqlite:///{folder}/bench.db", "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "bench", "INSTANCE_PATH": folder}
    if os.environ.get("REDIS_URL"):
        base["REDIS_URL"] = os.environ["REDIS_URL"]
    bare = Flask("bare")
    bare.post("/callback")(lambda: "ok")
    first = 0
    print(f"CPU per webhook request (best of 5 rounds, {args.requests} requests each app)")
    for label, app in (("bot, console on", create_app({**base, "CONSOLE": True})),
                       ("bot, console off", create_app({**base, "CONSOLE": False})),
                       ("bare Flask answering 200", bare)):
        environs = [environ(first + i) for i in range(args.requests + 50)]
        first += len(environs)
        per_request_us(app, environs[:50], rounds=1)  # warm: connections, scripts loaded
        print(f"  {label:26} {per_request_us(app, environs[50:]):6.0f} us")


if __name__ == "__main__":
    main()
