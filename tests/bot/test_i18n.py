import re
import shutil
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

import locales
from bot.app import create_app, main
from bot.kernel.i18n import (
    SUPPORTED_LOCALES,
    MissingCatalogError,
    format_clock,
    format_span,
    format_when,
    match_locale,
)

REFUSAL = r"no translation catalog for ko in .*Reinstall machibot"


def test_line_profile_languages_map_to_supported_locales():
    assert match_locale("en-US") == "en"
    assert match_locale("zh-Hans") == "zh_Hans"
    assert match_locale("zh-CN") == "zh_Hans"
    # traditional Chinese is not supported: simplified Chinese is closer than Japanese
    for tag in ("zh-TW", "zh-Hant", "zh-Hant-TW", "zh-HK", "zh_Hant"):
        assert match_locale(tag) == "zh_Hans", tag
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


def test_dates_and_times_are_shown_without_seconds():
    moment = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo
    for locale in SUPPORTED_LOCALES:
        shown = format_when(moment, locale)
        assert not re.search(r"\d:\d\d:\d\d", shown), (locale, shown)
        assert re.search(r"(14|2):00", shown), (locale, shown)


@pytest.fixture
def catalogs_without_korean(tmp_path, monkeypatch):
    """A copy of the catalogs that lacks Korean's, where the bot looks for its catalogs."""
    copy = tmp_path / "locales"
    shutil.copytree(locales.CATALOG_DIR, copy, ignore=shutil.ignore_patterns("*.py*", "__*"))
    (copy / "ko" / "LC_MESSAGES" / "messages.po").unlink()
    monkeypatch.setattr(locales, "CATALOG_DIR", copy)
    return copy


def test_the_app_refuses_to_start_without_every_catalog(tmp_path, catalogs_without_korean):
    # Babel would quietly answer Korean speakers in English
    with pytest.raises(MissingCatalogError, match=REFUSAL):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})


def test_the_command_exits_2_naming_the_missing_catalog(tmp_path, catalogs_without_korean):
    env = {name: None for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN",
                                   "LINE_API_BASE_URL", "DATABASE_URL", "REDIS_URL")}
    env["MACHIBOT_INSTANCE"] = str(tmp_path / "instance")
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("machibot: no translation catalog for ko in ")
    assert "Reinstall machibot" in result.stderr


def test_a_span_names_the_end_s_date_only_when_it_ends_on_another_day():
    starts = datetime(2026, 7, 4, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    same_day = format_span(starts, datetime(2026, 7, 4, 3, 0, tzinfo=UTC), "en")
    assert same_day.replace("\u202f", " ").endswith("–12:00 PM") and same_day.count("2026") == 1
    next_day = format_span(starts, datetime(2026, 7, 5, 3, 0, tzinfo=UTC), "ja")
    assert next_day == "2026/07/04 10:00–2026/07/05 12:00"
