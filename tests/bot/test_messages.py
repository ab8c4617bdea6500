"""Message builders: whatever a dialog asks for, LINE accepts what they make.

Where it matters the messages are sent through the simulator, whose checks are LINE's
published limits, so LINE (as the simulator enforces it) is the judge.
"""

from __future__ import annotations

import uuid

import pytest

from bot.kernel.composer import (
    ALT_TEXT_LIMIT,
    CAROUSEL_BUBBLES,
    LABEL_LIMIT,
    QUICK_REPLY_LIMIT,
    SIMPLE_CHOICE_LIMIT,
    TEXT_LIMIT,
    Choice,
    Composer,
    utf16_len,
)
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from bot.kernel.postback import PostbackCodec
from bot.line import get_line
from tests.conftest import actions_of, flex_texts

MODES = ("standard", "simple")
codec = PostbackCodec("channel-secret")


def composer(mode: str = "standard", locale: str = "en") -> Composer:
    return Composer(locale, mode, codec)


@pytest.fixture
def line_user(app, sim):
    """Send messages to a simulated friend; LINE's limits (as the simulator checks them)
    refuse anything invalid with LineError."""
    user_id = f"U{uuid.uuid4().hex}"
    sim.add_user(user_id, "Tester", "en")

    def send(*messages: dict) -> list[dict]:
        get_line(app).push(user_id, list(messages), str(uuid.uuid4()))
        return [e["message"] for e in sim.messages(user_id)]

    return send


def _labels(message: dict) -> list[str]:
    return [a.get("label", "") for a in actions_of(message)]


def _options(n: int) -> list[Choice]:
    return [Choice.answer("x.step", f"Option {i}", i) for i in range(n)]


# -- text -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_long_text_with_emoji_is_clipped_to_what_line_takes(line_user, mode):
    body = "😀" * 2600 + "終"  # 5,201 UTF-16 units
    [sent] = line_user(composer(mode).text(body))
    read = sent["text"] if sent["type"] == "text" else "".join(flex_texts(sent["contents"]))
    assert utf16_len(read) <= TEXT_LIMIT
    assert read.startswith("😀" * 100)
    assert read.endswith("…")


def test_text_at_the_limit_is_sent_whole(line_user):
    body = "あ" * (TEXT_LIMIT - 2) + "😀"
    [sent] = line_user(composer().text(body))
    assert sent["text"] == body


@pytest.mark.parametrize("mode", MODES)
def test_long_labels_are_clipped_to_20_units(line_user, mode):
    choices = [Choice.answer("x.step", "😀" * 15, 1), Choice.answer("x.step", "Choose " * 10, 2)]
    [sent] = line_user(composer(mode).choices("Pick one", choices))
    labels = _labels(sent)
    assert labels and all(utf16_len(label) <= LABEL_LIMIT for label in labels)
    assert labels[0].startswith("😀")


def test_standard_mode_offers_up_to_13_quick_replies(line_user):
    [sent] = line_user(composer().choices("Pick one", _options(QUICK_REPLY_LIMIT)))
    assert len(sent["quickReply"]["items"]) == QUICK_REPLY_LIMIT


def test_a_14th_quick_reply_is_refused_before_anything_is_sent():
    with pytest.raises(ValueError):
        composer().choices("Pick one", _options(QUICK_REPLY_LIMIT + 1))


# -- simple mode ------------------------------------------------------------------------------


def test_simple_mode_shows_big_text_and_a_way_back(line_user):
    [sent] = line_user(composer("simple").choices("Pick one", _options(2)))
    body = sent["contents"]["body"]["contents"][0]
    assert body["text"] == "Pick one" and body["size"] == "xl"
    labels = _labels(sent)
    assert len(labels) <= SIMPLE_CHOICE_LIMIT
    assert gettext("en", "Back to menu") in labels


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_simple_mode_back_to_menu_is_in_the_reader_s_language(locale):
    labels = _labels(composer("simple", locale).choices("?", _options(1)))
    assert gettext(locale, "Back to menu") in labels


def test_simple_mode_takes_three_choices_plus_the_way_back(line_user):
    [sent] = line_user(composer("simple").choices("Pick one", _options(3)))
    assert len(_labels(sent)) == SIMPLE_CHOICE_LIMIT


def test_simple_mode_refuses_a_fifth_choice():
    with pytest.raises(ValueError):
        composer("simple").choices("Pick one", _options(4))


def test_simple_mode_confirm_keeps_a_way_back(line_user):
    c = composer("simple")
    [sent] = line_user(c.confirm("Sure?", Choice.answer("x.s", "Yes", "y"),
                                 Choice.answer("x.s", "No", "n")))
    labels = _labels(sent)
    assert labels[:2] == ["Yes", "No"] and gettext("en", "Back to menu") in labels
    assert len(labels) <= SIMPLE_CHOICE_LIMIT


@pytest.mark.parametrize("mode", MODES)
def test_a_location_choice_goes_to_the_quick_reply(line_user, mode):
    location = Choice("Send my location", kind="location")
    [sent] = line_user(composer(mode).choices("Where are you?", [location, *_options(1)]))
    quick = [item["action"]["type"] for item in sent["quickReply"]["items"]]
    assert "location" in quick
    if sent["type"] == "flex":  # LINE refuses the location action in Flex buttons
        buttons = [a for a in actions_of({"type": "flex", "contents": sent["contents"]})]
        assert all(a["type"] != "location" for a in buttons)
        assert gettext("en", "Back to menu") in [a["label"] for a in buttons]


# -- cards and carousels ----------------------------------------------------------------------


def _card(c: Composer, n: int, lines: int = 2) -> dict:
    return c.bubble(f"Event {n}", ["Detail " * 60] * lines,
                    [Choice.answer("x.s", "Join", n), Choice.go("Details", "menu", n=n)],
                    badges=["new"])


@pytest.mark.parametrize("mode", MODES)
def test_a_carousel_keeps_at_most_12_cards(line_user, mode):
    c = composer(mode)
    [sent] = line_user(c.carousel([_card(c, n) for n in range(20)], "Events"))
    assert len(sent["contents"]["contents"]) == CAROUSEL_BUBBLES


@pytest.mark.parametrize("mode", MODES)
def test_a_carousel_drops_trailing_cards_to_stay_under_50_kb(line_user, mode):
    c = composer(mode)
    cards = [_card(c, n, lines=12) for n in range(12)]  # ~6 KB each
    [sent] = line_user(c.carousel(cards, "Events"))
    kept = sent["contents"]["contents"]
    assert 1 <= len(kept) < len(cards)
    assert [flex_texts(b)[0] for b in kept] == [f"Event {n}" for n in range(len(kept))]


def test_a_card_over_30_kb_is_left_out_of_a_carousel(line_user):
    c = composer()
    huge = _card(c, 99, lines=75)  # ~37 KB: LINE refuses a bubble over 30 KB
    [sent] = line_user(c.carousel([_card(c, 1), huge, _card(c, 2)], "Events"))
    assert [flex_texts(b)[0] for b in sent["contents"]["contents"]] == ["Event 1", "Event 2"]


def test_a_carousel_with_no_card_that_fits_is_refused_before_sending():
    c = composer()
    with pytest.raises(ValueError):
        c.carousel([_card(c, 1, lines=120)], "Events")


def test_a_card_over_30_kb_is_refused_before_sending():
    c = composer()
    with pytest.raises(ValueError):
        c.card("Too much", ["Detail " * 60] * 120)


@pytest.mark.parametrize("mode", MODES)
def test_alt_text_is_clipped_to_1500(line_user, mode):
    c = composer(mode)
    long = "お知らせ" * 1000
    sent = line_user(c.card("Title", ["line"], alt_text=long),
                     c.carousel([_card(c, 1)], long),
                     c.confirm(long, Choice.answer("x.s", "Yes", 1), Choice.answer("x.s", "No", 0)))
    assert all(len(m["altText"]) <= ALT_TEXT_LIMIT for m in sent)


def test_simple_mode_carousel_keeps_a_way_back(line_user):
    c = composer("simple")
    [sent] = line_user(c.carousel([_card(c, 1), _card(c, 2)], "Events"))
    labels = [item["action"]["label"] for item in sent.get("quickReply", {}).get("items", [])]
    assert gettext("en", "Back to menu") in labels


def test_standard_mode_carousel_offers_its_choices(line_user):
    c = composer()
    [sent] = line_user(c.carousel([_card(c, 1)], "Events", _options(3)))
    assert [i["action"]["label"] for i in sent["quickReply"]["items"]] == [
        "Option 0", "Option 1", "Option 2"]


# -- every locale, both modes, judged by the simulator ----------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_builder_makes_messages_line_accepts(line_user, locale, mode):
    c = composer(mode, locale)
    _ = c._
    long_label = _("Delete all your data? Your settings, sign-ups and history will be "
                   "removed and cannot be restored.")
    choices = [Choice.answer("x.s", _("Standard"), "standard"),
               Choice.answer("x.s", long_label, "long"),
               Choice("📍" * 12, kind="location")]
    card = c.bubble(_("Settings") * 30, [long_label * 3] * 3,
                    [Choice.go(long_label, "menu"), Choice.go(_("Help"), "help")],
                    badges=[long_label, _("New")])
    messages = [
        c.text(long_label * 80, choices),
        c.choices(_("Which language?"), choices[:2] + [Choice.go(_("Language"), "language")]),
        c.confirm(long_label, Choice.answer("x.s", _("Delete"), "yes"),
                  Choice.answer("x.s", _("Keep my data"), "no")),
        c.card(long_label, [long_label] * 5, [Choice.go(_("Menu"), "menu")]),
        c.carousel([card] * 15, long_label * 20, [Choice.go(_("Menu"), "menu")]),
    ]
    sent = line_user(*messages)
    assert len(sent) == len(messages)
