"""An organisation's logo (uploaded in the console) is the hero image of its profile card in
the chat, shown whole, when the server has a public https address; without one the card has
no image (LINE fetches Flex images only over https)."""

from __future__ import annotations

import io

from PIL import Image

from bot.db import session_scope
from models.logos import set_logo
from models.organisations import Organisation
from models.users import get_by_line_id
from tests.collab_helpers import ja, join
from tests.dialogs.test_organisation_dialogs import find, make_organisation


def _with_logo(app, make_user) -> str:
    owner = join(make_user, "田中")
    organisation_id = make_organisation(app, owner)
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (0, 120, 60)).save(out, format="PNG")
    with session_scope(app) as session:
        logo = set_logo(session, get_by_line_id(session, owner.user_id),
                        session.get(Organisation, organisation_id), out.getvalue(), "image/png")
        return logo.token


def test_the_profile_card_shows_the_logo_whole(app, client, resident, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://machi.example.jp")
    token = _with_logo(app, make_user)
    find(resident)
    resident.taps(ja("Details"))
    hero = resident.last[0]["contents"]["hero"]
    assert hero["url"] == f"https://machi.example.jp/photos/{token}"
    assert hero["aspectMode"] == "fit"
    served = client.get(f"/photos/{token}")
    assert served.status_code == 200 and served.mimetype == "image/png"


def test_without_a_public_https_address_the_card_has_no_image(app, resident, make_user,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://machi.example.jp")
    _with_logo(app, make_user)
    find(resident)
    resident.taps(ja("Details"))
    assert "高円寺まちづくりの会" in resident.last_text()
    assert "hero" not in resident.last[0]["contents"]
