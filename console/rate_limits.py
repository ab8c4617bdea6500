"""The sign-in's rate limit: the `limits` library, with its counters in the app's own Redis
(REDIS_URL, or the embedded server).

Checked in the sign-in blueprint's own before_request, so no other request pays for it.
Flask-Limiter, built on the same library, hooks every request of the app, the webhook's
too: 0.19 ms of CPU per event, an eighth of the web's whole cost of one
(bench/web_request.py). The storage is the library's documented extension point (a
`Storage` subclass registered under a scheme): it reaches the app's client only when a
limit is first checked, so building the app starts no embedded Redis server, and every
count lives under the project's key prefix. Fixed windows only, which is what the console
asks for.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from flask import Flask, abort, current_app, request
from limits import parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from bot.keys import key
from bot.redis_store import LuaScript, get_redis

SCHEME = "machibot"

# the first hit of a window sets its expiry; later ones only count
INCR_EXPIRE = LuaScript("""
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return count
""")


class AppRedisStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 *, app: Flask, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.app = app

    @property
    def base_exceptions(self) -> type[Exception]:
        return redis.RedisError

    def _key(self, name: str) -> str:
        return key("limits", name)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(INCR_EXPIRE(get_redis(self.app), [self._key(key)], [amount, int(expiry)]))

    def get(self, key: str) -> int:
        return int(get_redis(self.app).get(self._key(key)) or 0)

    def get_expiry(self, key: str) -> float:
        return max(get_redis(self.app).ttl(self._key(key)), 0) + time.time()

    def check(self) -> bool:
        try:
            return bool(get_redis(self.app).ping())
        except redis.RedisError:
            return False

    def reset(self) -> int | None:
        client = get_redis(self.app)
        found = list(client.scan_iter(self._key("*")))
        return client.delete(*found) if found else 0

    def clear(self, key: str) -> None:
        get_redis(self.app).delete(self._key(key))


def init_app(app: Flask) -> None:
    app.extensions["console.sign_in_limiter"] = FixedWindowRateLimiter(AppRedisStorage(app=app))


def check_sign_in_rate() -> None:
    """Refuse (429) more sign-in requests from one address than CONSOLE_SIGN_IN_RATE allows
    ("20 per minute"). Behind a proxy, the address is the proxy's unless ProxyFix is set up."""
    limiter = current_app.extensions["console.sign_in_limiter"]
    rate = parse(current_app.config["CONSOLE_SIGN_IN_RATE"])
    if not limiter.hit(rate, "sign-in", request.remote_addr or ""):
        abort(429)
