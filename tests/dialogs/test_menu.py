"""The main menus by what people do: in standard mode one message of at most six choices,
the main tasks first, sub-menus for the rest and role choices only for their roles; in
simple mode pages of four big buttons, numbered, the first one the simple rich menu's."""

from __future__ import annotations

import pytest

from bot.db import session_scope
from bot.kernel.composer import SIMPLE_CHOICE_LIMIT
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from bot.richmenu import layout
from dialogs.menu import MAIN, MENUS, SIMPLE_ITEMS, STANDARD_LIMIT
from models.organisations import Organisation, add_member
from models.users import get_by_line_id, grant_role
from tests.activity_factory import make_slot, organisation_id
from tests.conftest import actions_of

MAIN_TASKS = ["Find activities", "My schedule", "Ideas & initiatives", "Notifications",
              "Settings and help", "More features"]
FIRST_SIMPLE_PAGE = ["Find activities", "My schedule", "Get help", "Call us"]
ROLE_LABELS = {item.label for items in MENUS.values() for item in items if item.roles} | {
    item.label for item in SIMPLE_ITEMS if item.roles}
EVERYONE_LABELS = {item.label for items in MENUS.values() for item in items
                   if not item.roles and not item.opens}


def _(msgid: str, locale: str = "ja", **params: object) -> str:
    return gettext(locale, msgid, **params)


def _person(app, make_user, name: str, locale: str, mode: str, roles: tuple[str, ...] = ()):
    person = make_user(name, "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    with session_scope(app) as session:
        user = get_by_line_id(session, person.user_id)
        user.locale, user.mode = locale, mode
        for role in roles:
            if role == "organiser":
                add_member(session, session.get(Organisation, organisation_id(app)), user)
            else:
                grant_role(session, user, role)
    return person


def _menu_postbacks(app, person) -> list[tuple[str, dict]]:
    """(label, args) of the choices that open a sub-menu or another page of the menu."""
    codec = app.extensions["machibot.codec"]
    found = []
    for message in person.last:
        for action in actions_of(message):
            if action["type"] == "postback":
                postback = codec.decode(action["data"])
                if postback.action == "menu" and postback.args:
                    found.append((action["label"], postback.args))
    return found


def _walk_standard(app, person) -> dict[str, list[str]]:
    """Every menu message reachable from the menu: its sub-menu key -> its choices."""
    person.says("menu")
    seen = {MAIN: person.choices()}
    paths = [[label] for label, _args in _menu_postbacks(app, person)]
    while paths:
        path = paths.pop(0)
        person.says("menu")
        for label in path:
            person.taps(label)
        seen["/".join(path)] = person.choices()
        paths += [[*path, label] for label, args in _menu_postbacks(app, person)
                  if "m" in args]
    return seen


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_standard_menu_puts_the_main_tasks_first_and_hides_role_choices(app, make_user,
                                                                        locale):
    make_slot(app)
    resident = _person(app, make_user, "住民", locale, "standard")
    menus = _walk_standard(app, resident)
    assert menus[MAIN] == [_(label, locale) for label in MAIN_TASKS]
    assert all(len(choices) <= STANDARD_LIMIT for choices in menus.values()), menus
    reached = {label for choices in menus.values() for label in choices}
    assert not reached & {_(label, locale) for label in ROLE_LABELS - EVERYONE_LABELS}
    assert {_(label, locale) for label in EVERYONE_LABELS} <= reached
    assert menus[_("Ideas & initiatives", locale)] == [
        _(label, locale) for label in ("Idea calls", "Initiatives", "Organisations",
                                       "Back to menu")]

    organiser = _person(app, make_user, "主催者", locale, "standard",
                        roles=("organiser", "supporter", "staff"))
    menus = _walk_standard(app, organiser)
    assert menus[MAIN] == [_(label, locale) for label in MAIN_TASKS]
    assert all(len(choices) <= STANDARD_LIMIT for choices in menus.values()), menus
    reached = {label for choices in menus.values() for label in choices}
    assert {_(label, locale) for label in ROLE_LABELS | EVERYONE_LABELS} <= reached


def test_a_role_choice_shows_only_with_its_role(app, make_user):
    make_slot(app)
    supporter = _person(app, make_user, "支援者", "ja", "standard", roles=("supporter",))
    supporter.opens(_("More features"))
    assert _("Supporter tools") in supporter.choices()
    assert _("For staff") not in supporter.choices()
    assert _("For organisers") not in supporter.choices()
    organiser = _person(app, make_user, "主催者", "ja", "standard", roles=("organiser",))
    organiser.opens(_("For organisers"))
    assert organiser.choices() == [_("Organiser: my slots"), _("My organisation"),
                                   _("Back to menu")]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_simple_menu_pages_say_where_they_are_and_start_with_the_rich_menu(app, make_user,
                                                                         locale):
    person = _person(app, make_user, "簡単", locale, "simple")
    person.says("menu")
    assert person.choices()[:4] == [_(label, locale) for label in FIRST_SIMPLE_PAGE]
    items = [i for i in SIMPLE_ITEMS if not i.roles]
    pages = -(-len(items) // 4)
    seen: list[str] = []
    for page in range(1, pages + 1):
        menu, pager = person.last
        assert len(actions_of(menu)) <= SIMPLE_CHOICE_LIMIT
        assert _("Page {page} of {pages}", locale, page=page, pages=pages) in person.last_text()
        seen += [a["label"] for a in actions_of(menu)]
        turn = _("Next page", locale) if page < pages else _("First page", locale)
        assert [a["label"] for a in actions_of(pager)] == [turn]
        person.taps(turn)
    assert person.choices()[:4] == [_(label, locale) for label in FIRST_SIMPLE_PAGE]
    assert seen == [_(item.label, locale) for item in items]
    assert not set(seen) & {_(label, locale) for label in ROLE_LABELS - EVERYONE_LABELS}

    codec = app.extensions["machibot.codec"]
    rich = [a["action"] for a in layout.definition(app, locale, "simple")["areas"]]
    assert [codec.decode(a["data"]).action if a["type"] == "postback" else a["uri"][:4]
            for a in rich] == ["find", "schedule", "ask_supporter", "tel:"]
    assert [a["label"] for a in rich[1:]] == [_(label, locale)
                                               for label in FIRST_SIMPLE_PAGE[1:]]


def test_the_simple_menu_of_a_supporter_adds_their_tools(app, make_user):
    person = _person(app, make_user, "簡単", "ja", "simple", roles=("supporter",))
    person.opens(_("Supporter tools"))
    assert _("Enter a code") in person.choices()


def test_every_menu_choice_leads_somewhere(resident):
    not_understood = _("This button is no longer valid.")
    for label in sorted(EVERYONE_LABELS):
        resident.opens(_(label))
        assert resident.last and not_understood not in resident.last_text(), label


def test_an_unknown_sub_menu_shows_the_main_menu(app, resident):
    codec = app.extensions["machibot.codec"]
    from simulator import events as ev

    resident.send(ev.postback(resident.user_id, codec.encode("menu", m="nowhere"),
                              reply_token=resident.token()))
    assert resident.choices() == [_(label) for label in MAIN_TASKS]
