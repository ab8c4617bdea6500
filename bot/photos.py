"""Photos people sent, served for LINE's Flex hero images at an unguessable address.

LINE shows a Flex image only from an https URL it can fetch, so a card carries its photo
only when PUBLIC_BASE_URL is an https address; without it cards go without their photo.
The token in the address is the only key (LINE's image servers log in to nothing), so it is
32 random bytes, and the address appears only in messages to people who may see the photo.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.scheduler import JOBS, Job

bp = Blueprint("photos", __name__)


@bp.get("/photos/<token>")
def photo(token: str) -> Response:
    from models.photos import by_token

    with session_scope() as session:
        found = by_token(session, token)
        if found is None:
            abort(404)
        body, content_type = found.data, found.content_type
    return Response(body, mimetype=content_type,
                    headers={"Cache-Control": "private, max-age=3600"})


def public_photo_url(config: Mapping[str, Any], session: Session, owner_id: int,
                     message_id: str) -> str | None:
    """The photo's https address, or None (no public https address, or no such photo)."""
    from models.photos import token_of

    base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base.startswith("https://"):
        return None
    token = token_of(session, owner_id, message_id)
    return f"{base}/photos/{token}" if token else None


def sweep(app: Flask) -> None:
    """Delete photos sent in a dialog that was never finished (models.photos.sweep)."""
    from models.photos import sweep as sweep_photos

    with session_scope(app) as session:
        sweep_photos(session, now=datetime.now(UTC))


JOBS.append(Job("photos.sweep", 3600, sweep))
