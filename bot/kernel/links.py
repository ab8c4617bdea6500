"""Addresses of the bot's own public files that messages link to: a gathering's calendar
file, the photos people sent and organisations' logos (LINE fetches Flex images only over
https)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from models.photos import token_of


def public_url(config: Mapping[str, Any], token: str, locale: str | None = None) -> str | None:
    """The .ics address for people's phones (in `locale`, the reader's), or None when this
    server has no public one."""
    base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base and config.get("SIMULATOR"):
        base = str(config["LINE_API_BASE_URL"]).removesuffix("/simulator")
    if not base:
        return None
    query = f"?{urlencode({'lang': locale})}" if locale else ""
    return f"{base}/ics/{token}.ics{query}"


def public_photo_url(config: Mapping[str, Any], session: Session, owner_id: int,
                     message_id: str) -> str | None:
    """The photo's https address, or None (no public https address, or no such photo)."""
    return photo_address(config, token_of(session, owner_id, message_id))


def photo_address(config: Mapping[str, Any], token: str | None) -> str | None:
    """The https address of the photo (or logo) with this token, or None (no public https
    address, or no photo)."""
    base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base.startswith("https://") or not token:
        return None
    return f"{base}/photos/{token}"


def audio_address(config: Mapping[str, Any], token: str | None) -> str | None:
    """The https address of a spoken answer (models/speech.py), or None (no public https
    address)."""
    base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base.startswith("https://") or not token:
        return None
    return f"{base}/speech/{token}.mp3"
