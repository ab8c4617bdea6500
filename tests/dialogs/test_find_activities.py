"""Finding activities: filters that combine, keywords in any language, near me, paging,
and the closest alternatives instead of a dead end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.kernel.i18n import gettext
from tests.activity_factory import make_slot


def _(msgid: str, locale: str = "ja", **params: object) -> str:
    return gettext(locale, msgid, **params)


def _cards(person) -> list[list[str]]:
    from tests.conftest import flex_texts

    for message in person.last:
        if message["type"] == "flex" and message["contents"]["type"] == "carousel":
            return [flex_texts(b) for b in message["contents"]["contents"]]
    return []


def _titles(person) -> list[str]:
    return [texts[0] for texts in _cards(person)]


def _next_weekday(weekday: int) -> timedelta:
    """From now to 10:00 UTC+9 on the next such weekday (at least a day away)."""
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Tokyo"))
    days = (weekday - now.weekday()) % 7 or 7
    target = (now + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    return target - now


def _this_weekend() -> timedelta:
    """From now to a time later this weekend (as the "This weekend" filter means it)."""
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Tokyo"))
    if now.weekday() < 5:
        return _next_weekday(5)
    if now.weekday() == 5:
        return _next_weekday(6)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now) / 2


def _find(person, *taps: str) -> None:  # type: ignore[no-untyped-def]
    person.opens(gettext(person.user_row().locale, "Find activities"))
    for label in taps:
        person.taps(label)


def test_a_category_shows_cards_with_everything_a_person_needs(app, resident):
    make_slot(app, title="善福寺川の清掃", code="123", capacity=5)
    make_slot(app, title="子ども食堂", code="124", category="childcare")
    resident.opens(_("Find activities"))
    resident.taps(_("By category"))
    resident.taps(_("Environment"))
    [card] = _cards(resident)
    text = "\n".join(card)
    assert card[0] == "善福寺川の清掃"
    for expected in ("善福寺川緑地", "荻窪みどりの会", _("Seats left: {n}", n=5),
                     _("Environment"), _("One-off"), "123"):
        assert expected in text
    assert {_("Sign up"), _("Details")} <= set(resident.choices())


def test_filters_combine_category_area_and_weekend(app, resident):
    saturday = _this_weekend()
    make_slot(app, title="週末の清掃 阿佐谷", code="201", starts_in=saturday)
    make_slot(app, title="週末の清掃 高円寺", code="202", starts_in=saturday, area="高円寺")
    make_slot(app, title="平日の清掃 阿佐谷", code="203", starts_in=_next_weekday(2))
    make_slot(app, title="週末の子育て 阿佐谷", code="204", starts_in=saturday,
              category="childcare")
    resident.opens(_("Find activities"))
    resident.taps(_("By category"))
    resident.taps(_("Environment"))
    resident.taps(_("By area"))
    resident.taps("阿佐谷")
    assert set(_titles(resident)) == {"週末の清掃 阿佐谷", "平日の清掃 阿佐谷"}
    resident.taps(_("This weekend"))
    assert _titles(resident) == ["週末の清掃 阿佐谷"]


def test_a_picked_date_finds_that_day(app, resident):
    make_slot(app, title="三日後", code="301", starts_in=timedelta(days=3))
    make_slot(app, title="十日後", code="302", starts_in=timedelta(days=10))
    from zoneinfo import ZoneInfo

    day = (datetime.now(UTC) + timedelta(days=10)).astimezone(ZoneInfo("Asia/Tokyo")).date()
    resident.opens(_("Find activities"))
    resident.taps(_("Pick a date"), date=day.isoformat())
    assert _titles(resident) == ["十日後"]
    lead = resident.texts()[0]
    assert day.isoformat() not in lead  # the day as people write it: "12月13日(日)"
    assert f"{day.month}月{day.day}日" in lead


def test_a_keyword_in_any_language_finds_by_category_or_text(app, resident):
    make_slot(app, title="善福寺川の清掃", code="123")
    make_slot(app, title="やさしい日本語のおしゃべり会", code="124", category="multicultural")
    resident.opens(_("Find activities"))
    resident.taps(_("Keyword"))
    resident.says("environment")
    assert _titles(resident) == ["善福寺川の清掃"]
    resident.taps(_("Clear filters"))
    resident.taps(_("Keyword"))
    resident.says("おしゃべり")
    assert _titles(resident) == ["やさしい日本語のおしゃべり会"]


def test_near_me_sorts_by_distance_and_shows_it(app, resident):
    make_slot(app, title="遠い", code="401", lat=35.6827, lon=139.6566)  # 方南
    make_slot(app, title="近い", code="402", lat=35.7046, lon=139.6358)  # 阿佐谷
    resident.shares_location(35.7050, 139.6360)
    assert _titles(resident) == ["近い", "遠い"]
    cards = _cards(resident)
    assert any(" m)" in line for line in cards[0])
    assert any(" km)" in line for line in cards[1])


def test_more_pages_on_through_the_results(app, resident):
    for n in range(13):
        make_slot(app, title=f"活動{n:02d}", code=str(500 + n), starts_in=timedelta(days=1 + n))
    resident.opens(_("Find activities"))
    resident.taps(_("By category"))
    resident.taps(_("Environment"))
    first = _titles(resident)
    assert len(first) == 10 and first[0] == "活動00"
    resident.taps(_("More"))
    assert _titles(resident) == ["活動10", "活動11", "活動12"]


def test_nothing_found_suggests_the_closest_instead(app, resident):
    make_slot(app, title="善福寺川の清掃", code="123", area="高円寺")
    resident.opens(_("Find activities"))
    resident.taps(_("By area"))
    resident.taps("阿佐谷")
    assert _titles(resident) == ["善福寺川の清掃"]
    assert "阿佐谷" in resident.texts()[0]


def test_nothing_found_says_which_filter_it_dropped(app, resident, make_user):
    make_slot(app, title="週末の清掃 高円寺", code="201", starts_in=_this_weekend(),
              area="高円寺")
    _find(resident, _("By category"), _("Environment"), _("By area"), "阿佐谷",
          _("This weekend"))
    assert _titles(resident) == ["週末の清掃 高円寺"]
    asked = " · ".join([_("Environment"), "阿佐谷", _("This weekend")])
    assert resident.texts()[0] == _(
        "Nothing found for {filters}. Here is what is on in other areas.", filters=asked)
    reader = make_user("Ann", "en")
    reader.follow()
    reader.taps(_("I agree", "en"))
    reader.taps(_("Standard", "en"))
    reader.taps(_("Skip", "en"))
    make_slot(app, title="平日の清掃 阿佐谷", code="202", starts_in=_next_weekday(2))
    _find(reader, "By area", "Asagaya", "This weekend")  # the ward's 阿佐谷, in English
    assert _titles(reader) == ["平日の清掃 阿佐谷 (Japanese)"]
    assert reader.texts()[0] == ("Nothing found for Asagaya · This weekend. Here is what is "
                                 "on at other times.")


def test_more_pages_on_through_the_closest_results(app, resident):
    for n in range(11):
        make_slot(app, title=f"高円寺{n:02d}", code=str(600 + n), area="高円寺",
                  starts_in=timedelta(days=1 + n))
    _find(resident, _("By area"), "阿佐谷")
    assert len(_titles(resident)) == 10
    resident.taps(_("More"))
    assert _titles(resident) == ["高円寺10"]
    assert "阿佐谷" in resident.texts()[0]


def test_the_sign_up_button_on_a_card_asks_once_then_signs_up(app, resident):
    make_slot(app, title="善福寺川の清掃", code="123")
    resident.opens(_("Find activities"))
    resident.taps(_("Today"))  # nothing today: the closest are shown
    resident.taps(_("Sign up"))
    resident.taps(_("Sign up"))
    assert "善福寺川の清掃" in resident.last_text()
    resident.says("参加 123")
    assert "善福寺川の清掃" in resident.last_text()


def test_details_and_not_interested(app, resident):
    make_slot(app, title="善福寺川の清掃", code="123", description="軍手を貸し出します。")
    resident.opens(_("Find activities"))
    resident.taps(_("By category"))
    resident.taps(_("Environment"))
    resident.taps(_("Details"))
    assert "軍手を貸し出します。" in resident.last_text()
    resident.taps(_("Not interested"))
    assert _("Noted: we will suggest fewer activities like this one.") in resident.last_text()


def test_details_say_how_to_get_there_and_where_to_park(app, resident):
    make_slot(app, title="善福寺川の清掃", code="123", address="杉並区成田西1丁目",
              address_detail="管理事務所前", access="荻窪駅からバスで10分",
              parking="駐車場はありません")
    resident.opens(_("Find activities"))
    resident.taps(_("By category"))
    resident.taps(_("Environment"))
    resident.taps(_("Details"))
    text = resident.last_text()
    assert "杉並区成田西1丁目 管理事務所前" in text
    assert _("Access: {access}", access="荻窪駅からバスで10分") in text
    assert _("Parking: {parking}", parking="駐車場はありません") in text


def test_a_slot_without_a_limit_says_so_instead_of_counting_seats(app, resident):
    make_slot(app, title="写真展の受付", code="123", capacity=None, capacity_note="先着順")
    make_slot(app, title="防災フェア", code="124", capacity=None)
    _find(resident, _("By category"), _("Environment"))
    cards = {texts[0]: "\n".join(texts) for texts in _cards(resident)}
    assert _("Capacity: {note}", note="先着順") in cards["写真展の受付"]
    assert _("No limit on numbers") in cards["防災フェア"]
    # no seat count of a limit that is not there, and never "full"
    seats = _("Seats left: {n}", n="@").split("@")[0]
    assert seats not in "".join(cards.values())
    assert _("Full (waitlist open)") not in "".join(cards.values())


def test_an_all_day_slot_shows_its_days_without_times(app, resident):
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Tokyo"))
    first = (now + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    make_slot(app, title="写真展の受付", code="123", starts_in=first - now, hours=7 * 24,
              all_day=True)
    _find(resident, _("By category"), _("Environment"))
    [card] = _cards(resident)
    [when] = [line for line in card if line.startswith("📅")]
    last = first + timedelta(days=6)
    assert when == f"📅 {first.month}月{first.day}日({'月火水木金土日'[first.weekday()]})–" \
                   f"{last.month}月{last.day}日({'月火水木金土日'[last.weekday()]}) " + _("All day")


def test_imported_english_titles_are_shown_to_readers_of_other_languages(app, make_user,
                                                                         tmp_path):
    from tests.bot.test_data_import import ROW, _csv

    day = (datetime.now(UTC) + timedelta(days=4)).date().isoformat()
    when = {"開始日": day, "終了日": day}
    rows = [{**ROW, **when},
            {**ROW, **when, "NO": "2", "イベント名": "公園の清掃", "イベント名_英語": "",
             "説明": "Park clean-up for everyone.", "slot_code": "5512"}]
    path = tmp_path / "events.csv"
    path.write_bytes(_csv(rows))
    result = app.test_cli_runner().invoke(args=["data", "import", str(path)])
    assert result.exit_code == 0, result.output
    readers = {}
    for language in ("en", "vi", "ja"):
        person = make_user(f"reader-{language}", language)
        person.follow()
        person.taps(_("I agree", language))
        person.taps(_("Standard", language))
        person.taps(_("Skip", language))
        _find(person, _("Keyword", language))
        person.says("clean-up")
        readers[language] = _titles(person)
    # an English title when the data has one; the title as written when it has none, said
    # to be in another language than the reader's
    assert readers["en"] == ["River clean-up", "公園の清掃 (Japanese)"]
    assert readers["vi"] == [_("{text} (English)", "vi", text="River clean-up"),
                             _("{text} (Japanese)", "vi", text="公園の清掃")]
    assert readers["ja"] == ["善福寺川クリーン作戦", "公園の清掃"]
    english = make_user("Ann", "en")
    english.follow()
    english.taps("I agree")
    english.taps("Standard")
    english.taps("Skip")
    english.says("join 5511")
    assert "Sign up for “River clean-up”?" in english.last_text()
    english.taps("Sign up")
    assert "You are signed up for “River clean-up”." in english.last_text()
