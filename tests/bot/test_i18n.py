from datetime import UTC, datetime

from bot.kernel.i18n import SUPPORTED_LOCALES, format_clock, format_when, match_locale


def test_line_profile_languages_map_to_supported_locales():
    assert match_locale("en-US") == "en"
    assert match_locale("zh-Hans") == "zh_Hans"
    assert match_locale("zh-CN") == "zh_Hans"
    assert match_locale("zh-TW") == "ja"  # traditional Chinese is not supported: Japanese
    assert match_locale("ko") == "ko"
    assert match_locale("ne-NP") == "ne"
    assert match_locale(None) == "ja"
    assert match_locale("fr", default="en") == "en"


def test_times_are_shown_in_tokyo_time_in_each_language():
    moment = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # 10:30 in Tokyo
    assert format_clock(moment, "ja") == "10:30"
    assert "10:30" in format_clock(moment, "en")
    assert "10:30" in format_when(moment, "ko")
    for locale in SUPPORTED_LOCALES:
        assert "2026" in format_when(moment, locale)
