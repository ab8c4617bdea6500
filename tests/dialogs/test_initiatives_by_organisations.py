"""An initiative presented by an organisation (issue 14): a member chooses to present it as
themselves or as their organisation; its card says who presents it; a pending organisation's
initiative is not shown to residents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db import session_scope
from models import organisations as orgs
from models.initiatives import Initiative
from tests.collab_helpers import ja, join
from tests.dialogs.test_organisation_dialogs import make_organisation


def present(person: Any, *, presenter: str | None, title: str = "高円寺の花いっぱい計画") -> None:
    person.opens(ja("Initiatives"))
    person.taps(ja("Present one"))
    if presenter is not None:
        person.taps(presenter)
    person.says(title)
    person.says("駅前に花を植えます。")
    person.taps(ja("People"))
    person.taps(ja("Done"))
    person.taps(ja("Environment"))
    person.taps("高円寺")
    person.taps(ja("Skip"))


def presented(app: Any) -> list[tuple[str, int | None]]:
    with session_scope(app) as session:
        return [(i.title, i.organisation_id) for i in session.scalars(select(Initiative))]


def test_a_member_presents_an_initiative_as_their_organisation(app, resident, make_user):
    organisation_id = make_organisation(app, resident)
    resident.opens(ja("Initiatives"))
    resident.taps(ja("Present one"))
    assert ja("Who presents it: you, or your organisation?") in resident.last_text()
    assert {ja("Myself"), "高円寺まちづくりの会"} <= set(resident.choices())
    present(resident, presenter="高円寺まちづくりの会")
    assert ja("Presented by {name}", name="高円寺まちづくりの会") in resident.last_text()
    resident.taps(ja("Publish"))
    assert presented(app) == [("高円寺の花いっぱい計画", organisation_id)]

    reader = join(make_user, "鈴木")
    reader.opens(ja("Initiatives"))
    reader.taps(ja("Newest"))
    assert ja("Presented by {name}", name="高円寺まちづくりの会") in reader.last_text()
    reader.taps(ja("Details"))
    assert ja("Presented by {name}", name="高円寺まちづくりの会") in reader.last_text()


def test_a_member_may_present_as_themselves(app, resident):
    make_organisation(app, resident)
    present(resident, presenter=ja("Myself"))
    resident.taps(ja("Publish"))
    assert presented(app) == [("高円寺の花いっぱい計画", None)]
    assert ja("Presented by {name}", name="高円寺まちづくりの会") not in resident.last_text()


def test_someone_with_no_organisation_is_not_asked(app, resident):
    present(resident, presenter=None)
    resident.taps(ja("Publish"))
    assert presented(app) == [("高円寺の花いっぱい計画", None)]


def test_a_pending_organisation_s_initiative_is_not_shown_to_residents(app, resident, make_user):
    make_organisation(app, resident, status=orgs.PENDING)
    present(resident, presenter="高円寺まちづくりの会")
    resident.taps(ja("Publish"))
    reader = join(make_user, "鈴木")
    reader.opens(ja("Initiatives"))
    reader.taps(ja("Newest"))
    assert "高円寺の花いっぱい計画" not in reader.last_text()
    from tests.dialogs.test_refusals import press

    with session_scope(app) as session:
        ident = session.scalar(select(Initiative.id))
    press(app, reader, "ini", i=ident)
    assert "高円寺の花いっぱい計画" not in reader.last_text()
