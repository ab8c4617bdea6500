""""Delete my data", the Redis side: models.erasure removes the SQL rows in the turn; once the
turn has ended, this removes what Redis holds about the person. Dead letters are kept: they
are there for a person to look at, and expire with the dead-letter stream.
"""

from __future__ import annotations

import json

import redis

from bot import keys
from dialogs.supporters import live

SCAN_BATCH = 500


def forget_in_redis(client: redis.Redis, line_user_id: str) -> None:
    """Remove the person's dialog state, event numbers and supporting keys (a pairing from
    both sides, a code), and their events still waiting in the stream (never handled)."""
    pipe = client.pipeline(transaction=False)
    for name in (live.code_of_key(line_user_id), live.acting_key(line_user_id),
                 live.helped_key(line_user_id)):
        pipe.get(name)
    code, acting, helped = pipe.execute()
    client.delete(keys.dialog_state(line_user_id), keys.user_done(line_user_id),
                  keys.user_sequence(line_user_id),
                  *live.keys_naming(line_user_id, code, acting, helped))
    forget_entries_of(client, line_user_id)


def forget_entries_of(client: redis.Redis, line_user_id: str) -> None:
    """Acknowledge and delete the stream entries of this person. Handled entries are deleted
    as they are handled, so this reads only what is still waiting."""
    start = "-"
    while True:
        entries = client.xrange(keys.EVENT_STREAM, min=start, count=SCAN_BATCH)
        theirs = [entry_id for entry_id, fields in entries
                  if _sender(fields.get("event")) == line_user_id]
        if theirs:
            pipe = client.pipeline(transaction=False)
            pipe.xack(keys.EVENT_STREAM, keys.WORKER_GROUP, *theirs)
            pipe.xdel(keys.EVENT_STREAM, *theirs)
            pipe.execute()
        if len(entries) < SCAN_BATCH:
            return
        start = "(" + entries[-1][0]


def _sender(raw: object) -> str | None:
    try:
        event = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    source = event.get("source") if isinstance(event, dict) else None
    user_id = source.get("userId") if isinstance(source, dict) else None
    return user_id if isinstance(user_id, str) else None
