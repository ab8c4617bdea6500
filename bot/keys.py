"""Redis key names, all from one place and under one project prefix."""

from __future__ import annotations

PREFIX = "machibot"


def key(*parts: object) -> str:
    """`key("state", "U123")` -> "machibot:state:U123"."""
    return ":".join((PREFIX, *(str(p) for p in parts)))


EVENT_STREAM = key("events")
WORKER_GROUP = "workers"
# entries the workers gave up on after WORKER_MAX_DELIVERIES deliveries (bot/worker.py)
DEAD_LETTER_STREAM = key("events", "dead")


def seen_event(webhook_event_id: str) -> str:
    return key("seen", webhook_event_id)


def dialog_state(line_user_id: str) -> str:
    return key("state", line_user_id)


def user_lock(line_user_id: str) -> str:
    return key("lock", "user", line_user_id)


def user_sequence(line_user_id: str) -> str:
    """How many events of this user the webhook has enqueued (numbers each one)."""
    return key("seq", line_user_id)


def user_done(line_user_id: str) -> str:
    """The number of this user's last handled event."""
    return key("done", line_user_id)



def worker_alive(process: str) -> str:
    """Present while the worker process `process` runs (bot/worker.py's heartbeat)."""
    return key("alive", process)
