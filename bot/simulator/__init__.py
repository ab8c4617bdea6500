"""A built-in stand-in for the LINE platform, for development and tests only.

- `api`: LINE's Messaging API paths under /simulator (the bot's SDK client points here),
  and those of LINE's data host (api-data.line.me) under /simulator/data,
  with LINE's validation, error format, retry keys, reply tokens and rate limits.
- `page`: a phone-like chat page at /simulator/ that posts signed webhooks to /callback.
- `store.SimulatorStore`: the state in Redis and the Python API tests assert on.
- `events`: builders of real-looking webhook events; `terminal`: a chat in the terminal.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app
from flask.blueprints import BlueprintSetupState

from bot.simulator.store import SimulatorStore

bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    template_folder="templates",
    static_folder="static",
)


def get_store(app: Flask | None = None) -> SimulatorStore:
    """The simulator store of this app (default: the current one), on the app's Redis client."""
    from bot.redis_store import get_redis

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    client = get_redis(app)
    store = app.extensions.get("machibot.simulator")
    if store is None or store.redis is not client:
        store = SimulatorStore(client)
        app.extensions["machibot.simulator"] = store
    return store


@bp.record_once
def _answer_sends_ahead_of_flask(state: BlueprintSetupState) -> None:
    from bot.simulator.sends import SendEndpoints

    state.app.wsgi_app = SendEndpoints(state.app, state.app.wsgi_app,  # type: ignore[method-assign]
                                       state.url_prefix or "")


from bot.simulator import api, page  # noqa: E402,F401  (their routes attach to bp)

__all__ = ["bp", "get_store", "SimulatorStore"]
