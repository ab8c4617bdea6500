"""Postback data: what the bot writes comes back intact, anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kernel.postback import MAX_DATA_LENGTH, InvalidPostback, Postback, PostbackCodec

codec = PostbackCodec("channel-secret")


def test_round_trip():
    data = codec.encode("ans", s="settings.ask_language", v="en")
    assert codec.decode(data) == Postback("ans", {"s": "settings.ask_language", "v": "en"})


def test_round_trip_without_arguments():
    assert codec.decode(codec.encode("menu")) == Postback("menu", {})


@given(st.dictionaries(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    max_size=4,
))
@settings(max_examples=200, deadline=None)
def test_any_arguments_survive_or_are_refused_before_sending(args):
    try:
        data = codec.encode("act", **args)
    except ValueError:
        return  # too long for LINE: refused when written, never sent
    assert len(data) <= MAX_DATA_LENGTH
    assert codec.decode(data).args == args


def test_separators_and_non_ascii_survive():
    args = {"q": "a|b&c=d", "名前": "山田 花子", "note": "Tiếng Việt|नेपाली&x=1", "e": ""}
    assert codec.decode(codec.encode("search", **args)).args == args


def test_data_over_300_characters_is_refused_when_written():
    with pytest.raises(ValueError, match="300"):
        codec.encode("ans", v="x" * 300)


def test_data_at_the_limit_is_accepted():
    # find the longest value that still fits, and check it decodes
    value = ""
    while True:
        try:
            data = codec.encode("ans", v=value + "x")
        except ValueError:
            break
        value += "x"
    data = codec.encode("ans", v=value)
    assert len(data) == MAX_DATA_LENGTH
    assert codec.decode(data).args == {"v": value}


def test_data_over_300_characters_is_refused_when_read():
    with pytest.raises(InvalidPostback):
        codec.decode("1|ans|v=" + "x" * 300 + "|abcdefgh")


_DATA = codec.encode("ans", s="settings.confirm_delete", v="yes")
_ALPHABET = st.sampled_from(sorted(set(_DATA) | set("0123456789abcdefXYZ|&=%-_")))


@given(position=st.integers(0, len(_DATA) - 1), replacement=_ALPHABET)
@settings(max_examples=300, deadline=None)
def test_any_single_character_change_is_refused(position, replacement):
    if _DATA[position] == replacement:
        return
    edited = _DATA[:position] + replacement + _DATA[position + 1:]
    with pytest.raises(InvalidPostback):
        codec.decode(edited)


@given(position=st.integers(0, len(_DATA) - 1))
@settings(max_examples=100, deadline=None)
def test_dropping_a_character_is_refused(position):
    with pytest.raises(InvalidPostback):
        codec.decode(_DATA[:position] + _DATA[position + 1:])


def test_data_signed_with_another_secret_is_refused():
    other = PostbackCodec("another-channel").encode("ans", v="yes")
    with pytest.raises(InvalidPostback):
        codec.decode(other)


@pytest.mark.parametrize("version", ["0", "2", "", "v1"])
def test_an_unknown_version_is_refused(version):
    data = codec.encode("menu")
    with pytest.raises(InvalidPostback):
        codec.decode(version + data[1:])


@pytest.mark.parametrize("data", ["", "menu", "action=menu", "1|menu", "1|menu||sig|x", "||||"])
def test_data_the_bot_never_wrote_is_refused(data):
    with pytest.raises(InvalidPostback):
        codec.decode(data)
