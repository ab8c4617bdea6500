"""Photos sent in the chat: an initiative's photo and an idea sent as a photo are fetched
from LINE's content endpoint (the simulator's), stored with a size bound, shown on the card
when the server has a public https address, and removed on unsend and on "delete my data"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from models import ideas, initiatives
from models.erasure import delete_personal_data
from models.initiatives import Initiative
from models.photos import Photo, sweep
from models.users import get_by_line_id
from simulator import events as ev
from tests.collab_helpers import ja
from tests.conftest import photo_bytes


def start_presenting(person) -> None:
    person.opens(ja("Initiatives"))
    person.taps(ja("Present one"))
    person.says("まちの花壇づくり")
    person.says("駅前の花壇を一緒に手入れしませんか。")
    person.taps(ja("People"))
    person.taps(ja("Done"))
    person.taps(ja("Environment"))
    person.taps("高円寺")


def stored(app) -> list[tuple[str, int, bytes]]:
    with session_scope(app) as session:
        return [(p.message_id, p.size, p.data) for p in session.scalars(select(Photo))]


def test_an_initiative_photo_is_stored_and_shown_on_its_card(app, client, resident,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://machi.example.jp")
    start_presenting(resident)
    image = photo_bytes()
    message_id = resident.sends_photo(image)
    assert ja("With a photo") in resident.last_text()
    resident.taps(ja("Publish"))
    assert stored(app) == [(message_id, len(image), image)]

    resident.opens(ja("Initiatives"))
    resident.taps(ja("Newest"))
    bubble = resident.last[0]["contents"]["contents"][0]
    url = bubble["hero"]["url"]
    assert url.startswith("https://machi.example.jp/photos/")
    served = client.get(url.removeprefix("https://machi.example.jp"))
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == image


def test_without_a_public_address_the_card_has_no_photo(app, resident):
    start_presenting(resident)
    resident.sends_photo()
    resident.taps(ja("Publish"))
    resident.taps(ja("Manage"))
    resident.opens(ja("Initiatives"))
    resident.taps(ja("Newest"))
    assert "hero" not in resident.last[0]["contents"]["contents"][0]


def test_a_photo_over_the_size_bound_gets_a_polite_answer_and_is_not_kept(app, resident,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 200)
    start_presenting(resident)
    resident.sends_photo(photo_bytes(400, 300))
    assert ja("That photo is too large. Please send a photo of up to {size} MB.",
              size="0.0002") in resident.last_text()
    assert stored(app) == []
    resident.taps(ja("Skip"))  # still at the photo step
    resident.taps(ja("Publish"))
    with session_scope(app) as session:
        assert session.scalars(select(Initiative.photo_message_id)).one() is None


def test_a_photo_line_no_longer_has_is_asked_for_again(app, resident):
    start_presenting(resident)
    resident.send(ev.image(resident.user_id, reply_token=resident.token()))  # no content
    assert ja("Sorry, the photo did not reach us. Please send it again.") \
        in resident.last_text()
    assert stored(app) == []


def test_unsending_the_photo_removes_it(app, resident):
    start_presenting(resident)
    message_id = resident.sends_photo()
    resident.taps(ja("Publish"))
    resident.unsends(message_id)
    assert stored(app) == []
    with session_scope(app) as session:
        assert session.scalars(select(Initiative.photo_message_id)).one() is None


def test_cancelling_or_walking_away_keeps_no_photo(app, resident):
    start_presenting(resident)
    resident.sends_photo()
    resident.taps(ja("Cancel"))
    assert stored(app) == []
    start_presenting(resident)
    resident.sends_photo()
    resident.says("menu")  # walked away: the photo waits for the sweep
    assert len(stored(app)) == 1
    with session_scope(app) as session:
        assert sweep(session, in_use=(initiatives.keeps_photo(), ideas.keeps_photo()),
                     now=datetime.now(UTC) + timedelta(hours=25)) == 1
    assert stored(app) == []


def test_delete_my_data_removes_my_photos(app, resident):
    start_presenting(resident)
    resident.sends_photo()
    resident.taps(ja("Publish"))
    with session_scope(app) as session:
        delete_personal_data(session, get_by_line_id(session, resident.user_id))
    assert stored(app) == []


def test_a_supporter_unsending_a_photo_they_sent_for_a_resident_removes_it(app, resident,
                                                                          make_user):
    from tests.dialogs.test_supporters import consented, give_role, pair_by_code

    supporter = consented(make_user, "佐藤サポーター")
    give_role(app, supporter, "supporter")
    pair_by_code(resident, supporter)
    start_presenting(supporter)  # for the resident
    message_id = supporter.sends_photo()
    supporter.taps(ja("Publish"))
    with session_scope(app) as session:
        owner = session.scalars(select(Photo.owner_id)).one()
        assert owner == get_by_line_id(session, resident.user_id).id
    supporter.unsends(message_id)
    assert stored(app) == []
    with session_scope(app) as session:
        assert session.scalars(select(Initiative.photo_message_id)).one() is None
