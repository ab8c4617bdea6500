"""Acting for someone gives a resident's rights only (issue 13).

A digital supporter paired with a staff member, an organiser or another supporter runs that
person's turns, but never with their staff, organiser or supporter rights: every privileged
button, typed command and waiting step is refused politely, changes nothing, reaches no one
and is audit-logged with who tried it and for whom.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import keys
from bot.db import session_scope
from bot.redis_store import get_redis
from models import gatherings as gat
from models import ideas as ide
from models import initiatives as ini
from models.activities import Slot
from models.announcements import create, schedule
from models.base import Base
from models.organisations import Organisation, add_member, register
from models.signups import sign_up
from models.supporters import HelpRequest, SupporterDuty
from models.timing import config_of
from models.users import AuditLog, get_by_line_id
from simulator import events as ev
from tests.activity_factory import make_slot, organisation_id
from tests.dialogs.test_supporters import _, consented, give_role, pair_by_code

ACTING = "Sorry, while you help {name} you can only do what any resident can do. Staff, " \
         "organiser and supporter tools cannot be used for someone else."


# the records of a turn itself: the refusal's audit row, and (where the worker keeps one)
# the record that the event was handled
TURN_RECORDS = {"audit_log", "handled_turns"}


def snapshot(app: Any) -> dict[str, list[str]]:
    """Every row of every table but the turn's own records, to see that nothing changed."""
    with session_scope(app) as session:
        return {table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
                for table in Base.metadata.sorted_tables if table.name not in TURN_RECORDS}


def refusals(app: Any, actor: Any, subject: Any) -> list[AuditLog]:
    with session_scope(app) as session:
        actor_id = get_by_line_id(session, actor.user_id).id
        subject_id = get_by_line_id(session, subject.user_id).id
        return list(session.scalars(select(AuditLog).where(
            AuditLog.actor_id == actor_id, AuditLog.subject_id == subject_id,
            AuditLog.action.like("%.refused"))))


@pytest.fixture
def world(app, make_user) -> dict[str, Any]:
    """What only staff or an organiser could change, none of it the paired person's own:
    an idea call with two ideas (one adopted), an initiative waiting for review and one
    open, an idea meeting and a preparation gathering, an announcement not yet due, and a
    slot that has started with someone signed up."""
    others = [consented(make_user, name) for name in ("別の人", "三番目の人", "参加者")]
    now = datetime.now(UTC)
    slot_id = make_slot(app)
    with session_scope(app) as session:
        author, third, participant = (get_by_line_id(session, p.user_id) for p in others)
        config = dict(config_of(session))
        call = ide.publish_call(session, theme="公園の使い方", issue="公園が使われていない",
                                deadline=now + timedelta(days=10), config=config, now=now)
        idea = ide.submit(session, call, author, body="ベンチを増やす", now=now, config=config)
        adopted = ide.submit(session, call, third, body="花壇を作る", now=now, config=config)
        adopted.status = ide.ADOPTED
        waiting = ini.present(session, author, title="見守り", summary="見守りの会",
                              help_wanted=[], moderated=True)
        open_one = ini.present(session, author, title="清掃", summary="川の清掃",
                               help_wanted=[])
        ini.express_interest(session, open_one, third, offers=[], now=now)
        meeting = gat.schedule(session, kind=gat.IDEA_MEETING, starts_at=now + timedelta(days=3),
                               place="区役所", idea_call_id=call.id, now=now)
        prep = gat.schedule(session, kind=gat.PREPARATION, starts_at=now + timedelta(days=4),
                            place="集会所", initiative_id=open_one.id, now=now)
        announcement = create(session, texts={"ja": "お知らせです"},
                              segment={"kind": "everyone", "values": []})
        schedule(session, announcement, at=now + timedelta(days=1))
        pending_org = register(session, author, name="確認待ちの会", kind="npo")
        slot = session.get(Slot, slot_id)
        signup = sign_up(session, slot, participant, now=now).signup
        slot.starts_at = now - timedelta(hours=1)  # it has started: attendance can be marked
        return {"call": call.id, "idea": idea.id, "adopted": adopted.id, "waiting": waiting.id,
                "initiative": open_one.id, "meeting": meeting.id, "prep": prep.id,
                "announcement": announcement.id, "slot": slot_id, "signup": signup.id,
                "pending_org": pending_org.id, "organisation": slot.activity.organisation_id,
                "others": others}


STAFF_BUTTONS = [
    ("announce", {}), ("announce", {"v": "results"}),
    ("announce", {"v": "cancel", "n": "announcement"}),
    ("idea_call_new", {}), ("idea_review", {}), ("idea_list", {"c": "call"}),
    ("idea_mark", {"d": "idea", "v": ide.ADOPTED}), ("idea_announce", {"d": "adopted"}),
    ("idea_call_close", {"c": "call"}),
    ("ini_review", {}), ("ini_review", {"i": "waiting", "v": "yes"}),
    ("ini_manage", {"i": "initiative"}), ("ini_people", {"i": "initiative"}),
    ("ini_ask_op", {"i": "initiative"}), ("ini_stop_op", {"i": "initiative"}),
    ("ini_opinions", {"i": "initiative"}), ("ini_status", {"i": "initiative"}),
    ("ini_close", {"i": "initiative"}),
    ("gathering_new", {"c": "call"}), ("gathering_new", {"i": "initiative"}),
    ("gathering_manage", {"g": "meeting"}), ("gathering_manage", {"g": "prep"}),
    ("gathering_edit", {"g": "meeting", "f": "place"}), ("gathering_cancel", {"g": "meeting"}),
    ("gathering_cancel", {"g": "prep"}),
    ("org_pending", {}), ("org_verify", {"i": "pending_org"}),
]
STAFF_WORDS = ["announce", "お知らせ配信", "Announcement"]


def staff_steps(w: dict[str, Any]) -> list[tuple[str, dict, str | dict]]:
    """Waiting steps of staff dialogs, with data as the dialog keeps it and an answer (a
    typed text, or {"v": ...} for a button)."""
    at = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    announce = {"texts": {"ja": "お知らせです"}, "segment": {"kind": "everyone", "values": []},
                "count": 61}
    gathering = {"g": w["meeting"], "i": None, "c": w["call"]}
    return [
        ("announce.start", {}, {"v": "new"}),
        ("announce.ask_text", {"texts": {}}, "お知らせです"),
        ("announce.ask_more", announce, {"v": "done"}),
        ("announce.ask_translation", {**announce, "lang": "en"}, "Notice"),
        ("announce.ask_segment", announce, {"v": "everyone"}),
        ("announce.ask_values", announce, {"v": "done"}),
        ("announce.preview", announce, {"v": "now"}),
        ("announce.confirm", announce, {"v": "yes"}),
        ("announce.confirm_cancel", {"id": w["announcement"]}, {"v": "yes"}),
        ("ideas.ask_theme", {}, "新しいテーマ"),
        ("ideas.ask_issue", {"theme": "t"}, "課題"),
        ("ideas.ask_category", {"theme": "t", "issue": "i", "deadline": "2099-01-01"},
         {"v": "environment"}),
        ("ideas.confirm_call", {"theme": "t", "issue": "i", "deadline": "2099-01-01",
                                "category": ""}, {"v": "yes"}),
        ("ideas.ask_staff_message", {"d": w["idea"], "v": ide.ADOPTED}, {"v": "none"}),
        ("ideas.confirm_close", {"c": w["call"]}, {"v": "yes"}),
        ("gathering.confirm", {"c": w["call"], "i": None, "at": at, "place": "区役所"},
         {"v": "yes"}),
        ("gathering.confirm_move", {**gathering, "at": at}, {"v": "yes"}),
        ("gathering.confirm_cancel", gathering, {"v": "yes"}),
        ("gathering.confirm_cancel", {"g": w["prep"], "i": w["initiative"], "c": None},
         {"v": "yes"}),
        ("initiative.ask_question", {"i": w["initiative"]}, "ご意見をください"),
        ("initiative.confirm_close", {"i": w["initiative"]}, {"v": "yes"}),
    ]


ORGANISER_BUTTONS = [
    ("org_slots", {}), ("roster", {"s": "slot"}), ("org_attend", {"s": "slot"}),
    ("org_mark", {"g": "signup", "v": "attended"}), ("org_mark", {"g": "signup", "v": "no_show"}),
    ("org_hand_over", {"i": "organisation"}),
]


def press(app: Any, person: Any, action: str, args: dict, w: dict[str, Any]) -> None:
    codec = app.extensions["machibot.codec"]
    values = {k: w.get(v, v) if isinstance(v, str) else v for k, v in args.items()}
    person.send(ev.postback(person.user_id, codec.encode(action, **values),
                            reply_token=person.token()))


def answer_at(app: Any, person: Any, step: str, data: dict, answer: str | dict) -> None:
    """Put the person at `step` (as the dialog would have left them) and answer it."""
    get_redis(app).set(keys.dialog_state(person.user_id), json.dumps(
        {"v": 1, "step": step, "data": data}))
    if isinstance(answer, str):
        person.says(answer)
    else:
        codec = app.extensions["machibot.codec"]
        person.send(ev.postback(person.user_id, codec.encode("ans", s=step, **answer),
                                reply_token=person.token()))


class Attempts:
    """A paired supporter's attempts on someone's behalf, each checked the same way."""

    def __init__(self, app: Any, supporter: Any, target: Any, bystanders: list[Any]) -> None:
        self.app, self.supporter, self.target = app, supporter, target
        self.bystanders = bystanders
        self.refusal = _(ACTING, name=target.user_row().display_name)

    def check(self, what: str, attempt) -> None:  # type: ignore[no-untyped-def]
        before = snapshot(self.app)
        logged = len(refusals(self.app, self.supporter, self.target))
        for person in (self.target, *self.bystanders):
            person.new_messages()
        attempt()
        assert self.refusal in self.supporter.last_text(), (what, self.supporter.last_text())
        assert snapshot(self.app) == before, what
        for person in (self.target, *self.bystanders):
            assert person.new_messages() == [], what
        assert len(refusals(self.app, self.supporter, self.target)) == logged + 1, what


@pytest.fixture
def staff_member(app, make_user):
    person = consented(make_user, "区役所スタッフ")
    give_role(app, person, "staff")
    return person


@pytest.fixture
def supporter(app, make_user):
    person = consented(make_user, "佐藤サポーター")
    give_role(app, person, "supporter")
    return person


def test_paired_with_staff_every_staff_button_is_refused(app, staff_member, supporter, world):
    pair_by_code(staff_member, supporter)
    attempts = Attempts(app, supporter, staff_member, world["others"])
    for action, args in STAFF_BUTTONS:
        attempts.check(f"{action} {args}",
                       lambda a=action, g=args: press(app, supporter, a, g, world))


def test_paired_with_staff_typed_staff_commands_are_refused(app, staff_member, supporter,
                                                            world):
    pair_by_code(staff_member, supporter)
    attempts = Attempts(app, supporter, staff_member, world["others"])
    for word in STAFF_WORDS:
        attempts.check(word, lambda w=word: supporter.says(w))


def test_paired_with_staff_every_staff_step_is_refused(app, staff_member, supporter, world):
    pair_by_code(staff_member, supporter)
    attempts = Attempts(app, supporter, staff_member, world["others"])
    for step, data, answer in staff_steps(world):
        attempts.check(step, lambda s=step, d=data, a=answer: answer_at(app, supporter, s, d, a))


def test_paired_with_staff_the_menus_show_a_resident_s_choices(app, staff_member, supporter,
                                                               world):
    pair_by_code(staff_member, supporter)
    shown = supporter.menu_labels()
    assert _("Announcements") not in shown
    assert _("Verify organisations") not in shown
    assert _("Supporter tools") not in shown
    supporter.opens(_("Idea calls"))
    assert _("New idea call") not in supporter.choices()
    shown = staff_member.menu_labels()  # the staff member's own turns keep their rights
    assert _("Announcements") in shown
    assert _("Verify organisations") in shown


def test_paired_with_an_organiser_every_organiser_button_is_refused(app, make_user, supporter,
                                                                    world):
    organiser = consented(make_user, "主催者")
    with session_scope(app) as session:
        add_member(session, session.get(Organisation, organisation_id(app)),
                   get_by_line_id(session, organiser.user_id))
    pair_by_code(organiser, supporter)
    attempts = Attempts(app, supporter, organiser, world["others"])
    for action, args in ORGANISER_BUTTONS:
        attempts.check(f"{action} {args}",
                       lambda a=action, g=args: press(app, supporter, a, g, world))
    organiser.opens(_("Organiser: my slots"))  # their own turn: still an organiser
    assert _("Your organisation's slots") in organiser.last_text()


def test_paired_with_a_supporter_their_supporter_rights_are_not_used(app, make_user,
                                                                     supporter):
    other = consented(make_user, "鈴木サポーター")
    give_role(app, other, "supporter")
    asker = consented(make_user, "助けがほしい人")
    asker.opens(_("Ask a supporter"))
    pair_by_code(other, supporter)
    with session_scope(app) as session:
        request_id = session.scalars(select(HelpRequest.id)).first()
    supporter.says("menu")
    assert _("Supporter tools") not in supporter.choices()
    # supporter tools act as the supporter themselves, never as the person they help
    press(app, supporter, "support_duty", {"on": "1"}, {})
    press(app, supporter, "help_accept", {"id": request_id}, {})
    with session_scope(app) as session:
        other_id = get_by_line_id(session, other.user_id).id
        assert session.get(SupporterDuty, other_id) is None
        assert session.get(HelpRequest, request_id).accepted_by_id != other_id


def test_steps_read_roles_only_through_the_turn_s_rights():
    """One place decides what a turn may do by role (Context.rights): a step that asked a
    User for its roles would give a supporter the roles of the person they act for."""
    import re
    from pathlib import Path

    direct = re.compile(r"(?<!ctx)(?<!rights)\.has_role\(|\.is_staff\b|(?<!self)\.roles\b")
    root = Path(__file__).resolve().parents[2]
    found = [f"{path.relative_to(root)}:{number}"
             for folder in ("dialogs", "handlers")
             for path in sorted((root / folder).rglob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if direct.search(line) and not line.lstrip().startswith("#")]
    assert found == []
