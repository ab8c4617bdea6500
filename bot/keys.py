"""Redis key names, all from one place and under one project prefix."""

from __future__ import annotations

PREFIX = "machibot"


def key(*parts: object) -> str:
    """`key("state", "U123")` -> "machibot:state:U123"."""
    return ":".join((PREFIX, *(str(p) for p in parts)))


EVENT_STREAM = key("events")
WORKER_GROUP = "workers"


def seen_event(webhook_event_id: str) -> str:
    return key("seen", webhook_event_id)


def dialog_state(line_user_id: str) -> str:
    return key("state", line_user_id)


def user_lock(line_user_id: str) -> str:
    return key("lock", "user", line_user_id)


def sent_marker(retry_key: str) -> str:
    return key("sent", retry_key)
