"""A turn's answer, to follow as speech for a person who has read-aloud on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.kernel.read_aloud import speaks_to
from models.speech import request
from models.users import User


def read_aloud(config: Mapping[str, Any], session: Session, user: User, messages: list[dict],
               event_key: str) -> None:
    """Request the answer's words as speech in the turn's own transaction: an outbox row,
    once per event, that the dispatcher pushes once its audio is made (bot/speech.py). The
    text reply is not held up: nothing is synthesised here."""
    voice = speaks_to(config, user) if messages else None
    if voice is not None:
        request(session, user, messages, voice=voice, dedupe=f"speech:{event_key}",
                now=datetime.now(UTC))
