"""Photos people sent and organisations' logos, served for LINE's Flex hero images (and the
console's pages) at an unguessable address.

LINE shows a Flex image only from an https URL it can fetch, so a card carries its photo
only when PUBLIC_BASE_URL is an https address; without it cards go without their photo.
The token in the address is the only key (LINE's image servers log in to nothing), so it is
32 random bytes, and the address appears only in messages to people who may see the photo.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, abort

from bot.db import session_scope
from models import ideas, initiatives, logos
from models.photos import by_token
from models.photos import sweep as sweep_photos

bp = Blueprint("photos", __name__)


@bp.get("/photos/<token>")
def photo(token: str) -> Response:
    with session_scope() as session:
        found = by_token(session, token)
        if found is None:
            abort(404)
        body, content_type = found.data, found.content_type
    return Response(body, mimetype=content_type,
                    headers={"Cache-Control": "private, max-age=3600"})


def sweep(app: Flask) -> None:
    """Delete photos sent in a dialog that was never finished (models.photos.sweep); logos
    never expire."""

    with session_scope(app) as session:
        sweep_photos(session, in_use=(initiatives.keeps_photo(), ideas.keeps_photo(),
                                      logos.keeps_photo()), now=datetime.now(UTC))

