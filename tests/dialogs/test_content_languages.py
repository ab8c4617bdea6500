"""What people write for others reads in each resident's language: initiatives, idea calls,
organisations, gatherings and slots' places through the same rule as activities (theirs,
else English, else the original, marked); machine translations are made after the turn
that saved the text, never inside it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import gettext, shown_text
from bot.translation import run
from models import initiatives as ini
from models.activities import Activity, Slot
from models.gatherings import Gathering
from models.ideas import IdeaCall
from models.initiatives import Initiative
from models.organisations import Organisation
from models.texts import MACHINE, ContentText, set_texts
from models.translating import TranslationRequest
from models.users import User
from tests.collab_helpers import join
from tests.dialogs.test_initiatives import present


def _user(session) -> User:  # type: ignore[no-untyped-def]
    user = User(line_user_id=f"U{session.scalar(select(func.count(User.id))):032d}",
                locale="ja", notification_prefs={})
    session.add(user)
    session.flush()
    return user


def _items(session) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """One item of every kind whose texts have versions (besides activities)."""
    now = datetime.now(UTC)
    organisation = Organisation(name="阿佐谷みどりの会", description="花を育てる会です")
    activity = Activity(title="花壇づくり", organisation=organisation)
    slot = Slot(activity=activity, code="901", starts_at=now + timedelta(days=2),
                ends_at=now + timedelta(days=2, hours=2), place="阿佐谷公園",
                access="阿佐ケ谷駅から徒歩5分")
    initiative = Initiative(presenter_id=_user(session).id, title="こども食堂",
                            summary="毎月開きます", status=ini.OPEN)
    call = IdeaCall(theme="駅前の自転車", issue="放置自転車が多いです",
                    deadline=now + timedelta(days=20))
    session.add_all([organisation, activity, slot, initiative, call])
    session.flush()
    gathering = Gathering(kind="initiative", initiative_id=initiative.id,
                          starts_at=now + timedelta(days=3), place="区民センター",
                          ics_token="t" * 43)
    session.add(gathering)
    session.flush()
    return {"organisation": organisation, "slot": slot, "initiative": initiative,
            "idea_call": call, "gathering": gathering}


@pytest.mark.parametrize(("kind", "field", "original"), [
    ("organisation", "name", "阿佐谷みどりの会"),
    ("organisation", "description", "花を育てる会です"),
    ("slot", "place", "阿佐谷公園"), ("slot", "access", "阿佐ケ谷駅から徒歩5分"),
    ("initiative", "title", "こども食堂"), ("initiative", "summary", "毎月開きます"),
    ("idea_call", "theme", "駅前の自転車"), ("idea_call", "issue", "放置自転車が多いです"),
    ("gathering", "place", "区民センター"),
])
def test_every_kind_reads_theirs_else_english_else_the_original_marked(app, kind, field,
                                                                        original):
    with session_scope(app) as session:
        item = _items(session)[kind]
        set_texts(session, item, {(field, "en"): f"{field} in English"})
        set_texts(session, item, {(field, "ko"): f"{field} 한국어"}, state=MACHINE)
        assert shown_text(item, field, "ko") == gettext(
            "ko", "{text} (machine translation)", text=f"{field} 한국어")
        assert shown_text(item, field, "en") == f"{field} in English"
        assert shown_text(item, field, "vi") == gettext("vi", "{text} (English)",
                                                        text=f"{field} in English")
        assert shown_text(item, field, "ja") == original
        assert shown_text(item, field, "ja_easy") == original
        set_texts(session, item, {(field, "en"): ""})
        assert shown_text(item, field, "ne") == gettext("ne", "{text} (Japanese)",
                                                        text=original)


def test_erasing_a_presenter_s_initiatives_in_bulk_erases_their_versions(app):
    with session_scope(app) as session:
        items = _items(session)
        initiative, gathering = items["initiative"], items["gathering"]
        set_texts(session, initiative, {("title", "en"): "Children's cafeteria"})
        set_texts(session, gathering, {("place", "en"): "Community centre"})
        set_texts(session, items["organisation"], {("name", "en"): "Asagaya Green"})
        presenter = session.get(User, initiative.presenter_id)
        ini.erase(session, presenter)
    with session_scope(app) as session:
        assert session.scalars(select(ContentText.kind)).all() == ["organisation"]
        assert "initiative" not in session.scalars(select(TranslationRequest.kind)).all()


def test_a_resident_s_turn_translates_nothing_and_the_job_does_it_later(
        app, make_user, translator_standin, monkeypatch):
    monkeypatch.setitem(app.config, "TRANSLATOR_URL", translator_standin.url)
    presenter = join(make_user, "田中")
    present(presenter, title="こども食堂を一緒に")
    assert translator_standin.calls == []  # saving it asked for nothing
    with session_scope(app) as session:
        assert session.scalars(select(TranslationRequest.kind)).all() == ["initiative"]

    translator_standin.status = 503  # down: the initiative is published all the same
    reader = join(make_user, "Nguyen", "vi")
    reader.opens(gettext("vi", "Initiatives"))
    reader.taps(gettext("vi", "Newest"))
    assert gettext("vi", "{text} (Japanese)", text="こども食堂を一緒に") in reader.last_text()
    assert run(app) == 0

    translator_standin.status = 200
    with session_scope(app) as session:
        session.scalar(select(TranslationRequest)).due_at = datetime.now(UTC)
    assert run(app) == 1
    reader.opens(gettext("vi", "Initiatives"))
    reader.taps(gettext("vi", "Newest"))
    assert gettext("vi", "{text} (machine translation)",
                   text="[vi] こども食堂を一緒に") in reader.last_text()
