"""Every refused action is audit-logged (issue 13): a button naming someone else's sign-up,
a rating of someone else's slot, an answer to a gathering one was not invited to, an
organiser's list asked for by someone who organises nothing. Nothing changes and the person
gets a polite answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.db import session_scope
from models import gatherings as gat
from models import initiatives as ini
from models.activities import Slot
from models.attendance import Feedback
from models.signups import Signup, sign_up
from models.users import AuditLog, get_by_line_id
from simulator import events as ev
from tests.activity_factory import make_slot
from tests.collab_helpers import ja, join


def refusals(app: Any, person: Any, action: str) -> list[AuditLog]:
    with session_scope(app) as session:
        me = get_by_line_id(session, person.user_id).id
        return list(session.scalars(select(AuditLog).where(
            AuditLog.action == action, AuditLog.actor_id == me)))


def press(app: Any, person: Any, action: str, **args: Any) -> None:
    codec = app.extensions["machibot.codec"]
    person.send(ev.postback(person.user_id, codec.encode(action, **args),
                            reply_token=person.token()))


def someone_elses_signup(app: Any, make_user: Any, *, started: bool = False,
                         status: str | None = None) -> int:
    owner = join(make_user, "他の参加者")
    slot_id = make_slot(app)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        slot = session.get(Slot, slot_id)
        signup = sign_up(session, slot, get_by_line_id(session, owner.user_id), now=now).signup
        if status:
            signup.status = status
        if started:
            slot.starts_at = now - timedelta(hours=3)
        return signup.id


def statuses(app: Any) -> list[tuple[int, str]]:
    with session_scope(app) as session:
        return [(s.id, s.status) for s in session.scalars(select(Signup).order_by(Signup.id))]


def test_cancelling_someone_else_s_sign_up_is_refused_and_logged(app, resident, make_user):
    signup = someone_elses_signup(app, make_user)
    before = statuses(app)
    press(app, resident, "unsign", g=signup)
    assert ja("This button is no longer valid.") in resident.last_text()
    assert statuses(app) == before
    [row] = refusals(app, resident, "signup.refused")
    assert row.detail["postback"] == "unsign" and row.detail["args"] == {"g": str(signup)}


def test_taking_someone_else_s_seat_is_refused_and_logged(app, resident, make_user):
    signup = someone_elses_signup(app, make_user, status="offered")
    before = statuses(app)
    press(app, resident, "accept", g=signup)
    assert ja("This button is no longer valid.") in resident.last_text()
    assert statuses(app) == before
    [row] = refusals(app, resident, "signup.refused")
    assert row.detail["postback"] == "accept"


def test_rating_someone_else_s_slot_is_refused_and_logged(app, resident, make_user):
    signup = someone_elses_signup(app, make_user, started=True)
    press(app, resident, "rate", g=signup, r=5)
    assert ja("This button is no longer valid.") in resident.last_text()
    with session_scope(app) as session:
        assert session.scalars(select(Feedback)).all() == []
    [row] = refusals(app, resident, "rating.refused")
    assert row.detail["postback"] == "rate"


def test_answering_a_gathering_one_was_not_invited_to_is_refused_and_logged(app, resident,
                                                                          make_user):
    presenter = join(make_user, "発表者")
    now = datetime.now(UTC)
    with session_scope(app) as session:
        initiative = ini.present(session, get_by_line_id(session, presenter.user_id),
                                 title="清掃", summary="川の清掃", help_wanted=[])
        gathering = gat.schedule(session, kind=gat.PREPARATION,
                                 starts_at=now + timedelta(days=3), place="集会所",
                                 initiative_id=initiative.id, now=now).id
    press(app, resident, "rsvp", g=gathering, v=gat.ATTEND)
    with session_scope(app) as session:
        assert gat.counts(session, session.get(gat.Gathering, gathering))[gat.ATTEND] == 0
    [row] = refusals(app, resident, "gathering.rsvp.refused")
    assert row.detail["postback"] == "rsvp"


def test_an_organiser_s_list_asked_for_by_a_resident_is_refused_and_logged(app, resident):
    make_slot(app)
    assert ja("Organiser: my slots") not in resident.menu_labels()
    press(app, resident, "org_slots")  # a button kept from elsewhere
    assert ja("This is for organisers of activities. Ask the ward office if you run one.") \
        in resident.last_text()
    [row] = refusals(app, resident, "organiser.refused")
    assert row.detail["postback"] == "org_slots"
