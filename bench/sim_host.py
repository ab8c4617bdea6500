"""The LINE simulator served for the webhook benchmark (bench/webhook/): uvicorn (uvloop,
httptools), one process, as an ASGI app.

    .venv/bin/python bench/sim_host.py --port 8001     # env as for `machibot serve`

The simulator stands in for LINE's servers, which in real life cost the bot nothing, yet in
the benchmark it shares the 2 cores with the bot under test. Under gunicorn's gthread workers
most of its CPU went to the server (selectors, futures, thread handoffs) and each answer's
latency held a thread asleep. Here the send endpoints, nearly all of the bot's calls, are
answered on the event loop by the simulator's own `SendEndpoints.answer` (same rules, same
Redis round trip) and wait out the latency with `asyncio.sleep`. Every other request (admin
settings, profiles, rich menus, the chat page) goes to the unchanged Flask app through a2wsgi.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from a2wsgi import WSGIMiddleware  # noqa: E402
from flask import Flask  # noqa: E402

from simulator.sends import SendEndpoints  # noqa: E402

# Threads for the requests Flask answers: like gunicorn's, each sleeps through the simulated
# latency, and the bench's simulator had 2 x 32 of them; these calls are few in the benchmark.
WSGI_THREADS = 32

Receive = Callable[[], Awaitable[dict]]  # ASGI's receive and send
Send = Callable[[dict], Awaitable[None]]


def find_send_endpoints(app: Flask) -> SendEndpoints:
    """The SendEndpoints middleware that the simulator blueprint put in the app's WSGI chain
    (simulator/__init__.py), wherever other middleware sits around it."""
    layer = app.wsgi_app
    while not isinstance(layer, SendEndpoints):
        layer = getattr(layer, "wsgi_app", None)
        if layer is None:
            raise RuntimeError("no SendEndpoints in the app's WSGI chain")
    return layer


class SimulatorHost:
    """ASGI app: POSTs to the send endpoints on the event loop, everything else to Flask."""

    def __init__(self, app: Flask) -> None:
        self.sends = find_send_endpoints(app)
        self.flask = WSGIMiddleware(app, workers=WSGI_THREADS)

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            endpoint = self.sends.paths.get(scope["path"])
            if endpoint is not None:
                await self.answer_send(endpoint, scope, receive, send)
                return
        await self.flask(scope, receive, send)

    async def answer_send(self, endpoint: str, scope: dict, receive: Receive,
                          send: Send) -> None:
        """What `SendEndpoints.__call__` answers to a POST, with the latency slept on the loop.

        `answer` waits for its Redis round trip on the loop thread. Handed to a pool of
        threads instead, each call took five times as long on the busy benchmark machine
        (the threads queue for the GIL) and the simulator a third more CPU; on the loop,
        answers come about as late as they did from gunicorn's threads."""
        environ = await _environ(scope, receive)
        status, body, headers, latency = self.sends.answer(endpoint, environ)
        data = json.dumps(body, separators=(",", ":")).encode()
        if latency > 0:
            await asyncio.sleep(latency / 1000)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
            *((name.encode(), value.encode()) for name, value in headers)]})
        await send({"type": "http.response.body", "body": data})


async def _environ(scope: dict, receive: Receive) -> dict:
    """The few WSGI environ keys that `SendEndpoints.answer` reads, with the whole body."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    environ = {"REQUEST_METHOD": scope["method"], "PATH_INFO": scope["path"],
               "wsgi.input": io.BytesIO(b"".join(chunks)),
               "wsgi.input_terminated": True}  # as gunicorn says: a chunked body is readable
    for name, value in scope["headers"]:
        key = _ENVIRON_KEYS.get(name)
        if key is not None:
            environ[key] = value.decode("latin-1")
    return environ


_ENVIRON_KEYS = {b"authorization": "HTTP_AUTHORIZATION",
                 b"x-line-retry-key": "HTTP_X_LINE_RETRY_KEY",
                 b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}


def main() -> None:
    import uvicorn

    from bot.app import create_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app()
    if not app.config["SIMULATOR"]:
        sys.exit("sim_host: LINE credentials are set; the simulator runs only without them")
    uvicorn.run(SimulatorHost(app), host=args.host, port=args.port, loop="uvloop",
                http="httptools", lifespan="off", access_log=False, log_level="warning",
                proxy_headers=False, backlog=2048, timeout_keep_alive=10)


if __name__ == "__main__":
    main()
