"""A built-in stand-in for the LINE platform, for development and tests only.

- `api`: LINE's Messaging API paths under /simulator (the bot's SDK client points here),
  and those of LINE's data host (api-data.line.me) under /simulator/data,
  with LINE's validation, error format, retry keys, reply tokens and rate limits.
- `login`: LINE Login v2.1 (authorize page, token endpoint) for the console's sign-in.
- `page`: a phone-like chat page at /simulator/ that posts signed webhooks to /callback.
- `store.SimulatorStore`: the state in Redis and the Python API tests assert on.
- `events`: builders of real-looking webhook events; `terminal`: a chat in the terminal.
- `routes.bp`: the blueprint with all of the above attached. Only the web imports it (its
  pages and LINE's checks weigh 15 MB): `machibot simulate` and the tests do not need it.
"""

from __future__ import annotations

from simulator.store import SimulatorStore, get_store

__all__ = ["get_store", "SimulatorStore"]
