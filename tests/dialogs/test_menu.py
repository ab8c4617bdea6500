"""The main menu: every feature in standard mode, a few big buttons a page in simple mode."""

from __future__ import annotations

import pytest

from bot.kernel.i18n import gettext
from dialogs import menu
from dialogs.menu import MENU_ITEMS, MenuItem

MORE = gettext("ja", "More")


@pytest.fixture
def simple_resident(make_user):
    person = make_user("佐藤一郎", "ja")
    person.follow()
    person.taps(gettext("ja", "I agree"))
    person.taps(gettext("ja", "Simple"))
    person.taps(gettext("ja", "Skip"))
    return person


@pytest.fixture
def many_items(monkeypatch):
    """More simple-mode items than fit on one page, and one kept for standard mode."""
    items = (
        MenuItem("Settings", "settings"),
        MenuItem("Language", "language"),
        MenuItem("Help", "help"),
        MenuItem("Look", "look"),
        MenuItem("Privacy notice", "privacy"),
        MenuItem("Delete my data", "delete_data"),
        MenuItem("Menu", "menu", simple=False),
    )
    monkeypatch.setattr(menu, "MENU_ITEMS", items)
    return items


def test_standard_menu_shows_every_item(resident):
    resident.says("menu")
    for item in MENU_ITEMS:
        if not item.roles:  # rows for supporters, staff or organisers only: see below
            assert gettext("ja", item.label) in resident.choices()


def test_rows_for_a_role_show_only_to_people_with_it(resident):
    resident.says("menu")
    for item in MENU_ITEMS:
        if item.roles:
            assert gettext("ja", item.label) not in resident.choices()


def test_standard_menu_shows_items_that_simple_mode_leaves_out(resident, many_items):
    resident.says("menu")
    assert [gettext("ja", i.label) for i in many_items] == resident.choices()


def test_simple_menu_shows_at_most_four_big_buttons(simple_resident):
    simple_resident.says("menu")
    assert 1 <= len(simple_resident.choices()) <= 4
    [message] = simple_resident.last
    assert message["contents"]["body"]["contents"][0]["size"] == "xl"


def test_simple_menu_pages_with_more(simple_resident, many_items):
    simple_resident.says("menu")
    first = simple_resident.choices()
    seen: list[str] = []
    for _ in range(len(many_items)):
        page = simple_resident.choices()
        assert len(page) <= 4 and page[-1] == MORE
        seen += page[:-1]
        simple_resident.taps(MORE)
        if simple_resident.choices() == first:
            break
    else:
        pytest.fail("'More' never came back to the first page")
    assert seen == [gettext("ja", i.label) for i in many_items if i.simple]


def test_a_button_on_a_later_page_works(simple_resident, many_items):
    simple_resident.says("menu")
    simple_resident.taps(MORE)
    simple_resident.taps(gettext("ja", "Privacy notice"))
    assert gettext("ja", "Before we start: privacy notice") in simple_resident.last_text()


def test_every_menu_button_leads_somewhere(resident):
    not_understood = gettext("ja", "This button is no longer valid.")
    for item in MENU_ITEMS:
        if item.roles:
            continue
        resident.says("menu")
        resident.taps(gettext("ja", item.label))
        assert resident.last and not_understood not in resident.last_text(), item.action
