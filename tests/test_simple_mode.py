"""Simple mode by taps alone: a breadth-first walk over every choice from the simple menu.

The walker knows no feature: it taps whatever the bot offers (buttons and quick replies),
replaying each path from the menu, so flows that land later (activities, idea calls...) are
covered as they arrive. Every reply on the way must offer at most four choices, a way on or
back to the menu, and never wait for typing: a reply that leaves the person at a dialog
step whose only choices lead away (menu, help) needs typing, which simple mode must not.
"""

from __future__ import annotations

import json
from collections import deque

import pytest

from bot import keys
from bot.db import session_scope
from bot.kernel.composer import SIMPLE_CHOICE_LIMIT
from bot.redis_store import get_redis
from models.users import get_by_line_id
from simulator import events as ev
from tests.conftest import actions_of

MAX_DEPTH = 6
MAX_PATHS = 400
TAPPABLE = {"postback", "datetimepicker", "location", "message"}
# Choices the walk does not take: they leave simple mode, or end the person's account.
LEAVES_SIMPLE = {("settings.ask_mode", "standard"), ("onboarding.ask_mode", "standard")}
NOT_TAKEN_ACTIONS = {"delete_data"}
# Steps whose answer is the person's own words (none yet): list them here, with a reason.
TYPING_ALLOWED: set[str] = set()


def _decode(app, action: dict) -> tuple[str, dict]:
    codec = app.extensions["machibot.codec"]
    postback = codec.decode(action["data"])
    return postback.action, postback.args


@pytest.fixture
def simple_resident(make_user):
    from bot.kernel.i18n import gettext

    person = make_user("簡単花子", "ja")
    person.follow()
    person.taps(gettext("ja", "I agree"))
    person.taps(gettext("ja", "Simple"))
    person.taps(gettext("ja", "Skip"))
    return person


def _reset(app, person) -> None:
    """Back to simple mode in Japanese with no dialog, before replaying a path."""
    with session_scope(app) as session:
        user = get_by_line_id(session, person.user_id)
        user.mode, user.locale = "simple", "ja"
    get_redis(app).delete(keys.dialog_state(person.user_id))


def _needs_state(app, action: dict) -> bool:
    """An answer to a step (or "continue") only works where the path left the person; a
    plain action such as "find" or "menu" works from anywhere."""
    if action["type"] not in ("postback", "datetimepicker"):
        return True
    return _decode(app, action)[0] in ("ans", "resume")


def _tap(person, action: dict) -> list[dict]:
    if action["type"] == "message":
        return person.says(action["text"])
    if action["type"] == "location":
        return person.shares_location(35.6995, 139.6364, title="阿佐ヶ谷駅")
    params = None
    if action["type"] == "datetimepicker":
        params = {"date": "2030-01-15", "time": "10:00",
                  "datetime": "2030-01-15T10:00"}.get(action["mode"], "2030-01-15")
        params = {action["mode"]: params}
    return person.send(ev.postback(person.user_id, action["data"], params=params,
                                   reply_token=person.token()))


def _waiting_step(app, person) -> str | None:
    raw = get_redis(app).get(keys.dialog_state(person.user_id))
    return json.loads(raw).get("step") if raw else None


def _check(app, person, path: list[str], messages: list[dict]) -> list[dict]:
    """Assert the simple-mode rules on one reply; return its tappable choices."""
    where = " > ".join(path) or "menu"
    assert messages, f"no reply at {where}"
    choices: list[dict] = []
    for message in messages:
        found = actions_of(message)
        assert len(found) <= SIMPLE_CHOICE_LIMIT, (
            f"{len(found)} choices at {where}: {[a.get('label') for a in found]}")
        choices += found
    tappable = [a for a in choices if a["type"] in TAPPABLE]
    assert tappable, f"no way on or back to the menu at {where}"
    step = _waiting_step(app, person)
    if step and step not in TYPING_ALLOWED:
        onward = [a for a in tappable if a["type"] != "postback"
                  or _decode(app, a)[0] not in ("menu", "help", "cancel")]
        assert onward, f"{where} waits at {step} for typing: no choice answers it"
    return tappable


def test_every_simple_flow_can_be_done_by_taps(app, simple_resident):
    _walk(app, simple_resident)


def test_every_simple_flow_can_be_done_by_taps_with_activities_to_join(app, simple_resident):
    """With the demo activities the walk goes on into finding, signing up and my schedule."""
    from datetime import UTC, datetime

    from models.demo_data import load_demo

    with session_scope(app) as session:
        load_demo(session, now=datetime.now(UTC))
    walked = _walk(app, simple_resident)
    assert walked >= 20


def test_every_simple_flow_can_be_done_by_taps_with_an_open_idea_call(app, simple_resident):
    """With an idea call open, the walk goes into seeing the call and sending an idea."""
    from datetime import UTC, datetime, timedelta

    from models.ideas import publish_call

    with session_scope(app) as session:
        publish_call(session, theme="公園の使い方", issue="子どもの遊び場が足りない",
                     deadline=datetime.now(UTC) + timedelta(days=10), config=app.config)
    steps: set[str] = set()
    _walk(app, simple_resident, steps)
    # the idea itself is the person's own words (or a photo of a note, or a supporter's help)
    assert "ideas.ask_idea" in steps, sorted(steps)


def _walk(app, person, steps: set[str] | None = None) -> int:
    """Walk every path of taps; `steps` collects the dialog steps the walk reached."""
    person.says("menu")
    start = _check(app, person, [], person.last)
    queue: deque[tuple[list[dict], list[str], dict]] = deque(
        ([], [a.get("label", "")], a) for a in start)
    seen: set[tuple] = set()
    walked = 0
    while queue and walked < MAX_PATHS:
        prefix, labels, action = queue.popleft()
        if action["type"] in ("postback", "datetimepicker"):
            name, args = _decode(app, action)
            if name in NOT_TAKEN_ACTIONS or (args.get("s"), args.get("v")) in LEAVES_SIMPLE:
                continue
        _reset(app, person)
        if _needs_state(app, action):
            for earlier in prefix:  # replay the path up to here
                _tap(person, earlier)
        reply = _tap(person, action)
        walked += 1
        if steps is not None:
            steps.add(_waiting_step(app, person) or "")
        choices = _check(app, person, labels, reply)
        if len(labels) >= MAX_DEPTH:
            continue
        for choice in choices:
            signature = _signature(app, choice)
            if signature in seen:
                continue
            seen.add(signature)
            queue.append(([*prefix, action], [*labels, choice.get("label", "")], choice))
    assert walked >= 5, "the walk found almost nothing to tap"
    return walked


def _signature(app, action: dict) -> tuple:
    """What a choice does, ignoring its label: a screen reached twice is walked once."""
    if action["type"] in ("postback", "datetimepicker"):
        name, args = _decode(app, action)
        return (name, tuple(sorted(args.items())))
    return (action["type"], action.get("text", ""))


def test_the_simple_menu_pages_four_at_a_time_with_the_page_number(app, simple_resident):
    from bot.kernel.i18n import gettext

    simple_resident.says("menu")
    menu, pager = simple_resident.last
    assert 2 <= len(actions_of(menu)) <= SIMPLE_CHOICE_LIMIT
    assert [a["label"] for a in actions_of(pager)] == [gettext("ja", "Next page")]
    assert gettext("ja", "Page {page} of {pages}", page=1, pages=3) in \
        simple_resident.last_text()
