"""A built-in stand-in for the LINE platform, for development and tests only.

- `api`: LINE's Messaging API paths under /simulator (the bot's SDK client points here),
  with LINE's validation, error format, retry keys, reply tokens and rate limits.
- `page`: a phone-like chat page at /simulator/ that posts signed webhooks to /callback.
- `store.SimulatorStore`: the state in Redis and the Python API tests assert on.
- `events`: builders of real-looking webhook events; `terminal`: a chat in the terminal.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from bot.simulator.store import SimulatorStore

bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    template_folder="templates",
    static_folder="static",
)


def get_store() -> SimulatorStore:
    """The simulator store of this app, on the app's Redis client."""
    from bot.redis_store import get_redis

    client = get_redis()
    store = current_app.extensions.get("machibot.simulator")
    if store is None or store.redis is not client:
        store = SimulatorStore(client)
        current_app.extensions["machibot.simulator"] = store
    return store


from bot.simulator import api, page  # noqa: E402,F401  (their routes attach to bp)

__all__ = ["bp", "get_store", "SimulatorStore"]
