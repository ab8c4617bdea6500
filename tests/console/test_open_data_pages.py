"""Open data in the console: an event list previewed row by row (nothing written), imported
as previewed, refused when the data changed in between; the export downloaded."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.activities import Activity
from models.activity_data import COLUMNS
from models.users import AuditLog
from tests.console.helpers import audited

PAGE = "/console/open-data"
PREVIEW = "/console/open-data/preview"
IMPORT = "/console/open-data/import"
EXPORT = "/console/open-data/export.csv"
ROW = {"都道府県コード又は市区町村コード": "131156", "NO": "1", "都道府県名": "東京都",
       "市区町村名": "杉並区", "イベント名": "善福寺川クリーン作戦", "開始日": "2030-05-11",
       "終了日": "2030-05-11", "開始時間": "10:00", "終了時間": "12:00",
       "場所名称": "善福寺川緑地", "定員": "20人", "category": "環境"}


def _csv(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return out.getvalue().encode(encoding)


def _text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def _upload(browser, data: bytes, name: str = "events.csv"):
    return browser.post(PREVIEW, {"file": (io.BytesIO(data), name)}, page=PAGE)


def _outcomes(page: str) -> list[str]:
    return re.findall(r'data-outcome="(\w+)"', page)


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "no import button on the preview"
    return found[1]


def _activities(app) -> int:
    with session_scope(app) as session:
        return session.scalar(select(func.count()).select_from(Activity))


@pytest.fixture
def staff(person, browser):
    return browser(person("区職員", staff=True))


def test_staff_preview_a_file_then_import_exactly_it(app, staff):
    first = _csv([ROW, {**ROW, "NO": "2", "イベント名": "夏祭り"}])
    assert _outcomes(_text(_upload(staff, first))) == ["new", "new"]
    assert staff.post(IMPORT, {"token": _token(_text(_upload(staff, first)))},
                      page=PAGE).status_code == 302
    assert _activities(app) == 2
    changed = _csv([{**ROW, "開始時間": "09:00"}, {**ROW, "NO": "2", "イベント名": "夏祭り"},
                    {**ROW, "NO": "3", "イベント名": "防災訓練"}], encoding="cp932")
    preview = _text(_upload(staff, changed))
    assert _outcomes(preview) == ["updated", "unchanged", "new"]
    assert "防災訓練" in preview and gettext("ja", "Nothing has been imported yet.") in preview
    assert _activities(app) == 2  # the preview wrote nothing
    done = staff.post(IMPORT, {"token": _token(preview)}, page=PAGE)
    assert done.status_code == 302
    assert _activities(app) == 3
    shown = _text(staff.get(PAGE))
    assert gettext("ja", "Imported: {new} new, {updated} updated, {unchanged} unchanged.",
                   new=1, updated=1, unchanged=1) in shown
    logged = audited(app, "open_data.import")
    assert [(e.detail["created"], e.detail["updated"], e.detail["unchanged"])
            for e in logged] == [(2, 0, 0), (1, 1, 1)]


def test_a_second_press_imports_nothing_more(app, staff):
    token = _token(_text(_upload(staff, _csv([ROW]))))
    assert staff.post(IMPORT, {"token": token}, page=PAGE).status_code == 302
    again = staff.post(IMPORT, {"token": token}, page=PAGE)
    assert again.status_code == 302
    assert gettext("ja", "That preview has expired or was imported already. Please upload "
                         "the file again.") in _text(staff.get(PAGE))
    assert len(audited(app, "open_data.import")) == 1 and _activities(app) == 1


def test_rejected_rows_are_told_in_the_staff_member_s_language_and_nothing_can_be_imported(
        app, person, browser):
    english = browser(person("Staff", staff=True, locale="en"))
    bad = _csv([ROW, {**ROW, "NO": "2", "開始時間": "25:00"}, {**ROW, "NO": "3",
                                                               "category": "宇宙"}])
    preview = _text(_upload(english, bad))
    assert _outcomes(preview) == ["new", "rejected", "rejected"]
    assert "Not a time: “25:00” (write it as HH:MM)." in preview
    assert "Unknown category “宇宙”" in preview
    assert 'name="token"' not in preview
    japanese = browser(person("職員", staff=True))
    shown = _text(_upload(japanese, bad))
    assert gettext("ja", "Not a time: “{value}” (write it as HH:MM).", value="25:00") in shown
    assert _activities(app) == 0 and not audited(app, "open_data.import")


def test_a_file_that_is_no_event_list_is_refused_on_the_upload_page(app, staff):
    shown = _text(_upload(staff, "名前,電話\n山田,090\n".encode()))
    assert gettext("ja", "This file cannot be imported:") in shown
    assert gettext("ja", "Missing columns: {columns}.",
                   columns="都道府県コード又は市区町村コード、NO、イベント名、開始日") in shown
    no_file = _text(staff.post(PREVIEW, {}, page=PAGE))
    assert gettext("ja", "Please choose a file.") in no_file


def test_when_the_data_changed_since_the_preview_nothing_is_imported(app, staff):
    preview = _text(_upload(staff, _csv([ROW])))
    other = _csv([ROW])
    staff.post(IMPORT, {"token": _token(_text(_upload(staff, other)))}, page=PAGE)
    answer = _text(staff.post(IMPORT, {"token": _token(preview)}, page=PAGE))
    assert gettext("ja", "The activities changed since the preview: nothing was imported. "
                         "Here is the file's preview again; check it and import it again.") \
        in answer
    assert _outcomes(answer) == ["unchanged"]
    assert len(audited(app, "open_data.import")) == 1 and _activities(app) == 1


def test_a_token_is_good_only_in_the_sign_in_that_previewed(app, person, browser, staff):
    token = _token(_text(_upload(staff, _csv([ROW]))))
    other = browser(person("別の職員", staff=True))
    assert other.post(IMPORT, {"token": token}, page=PAGE).status_code == 302
    assert _activities(app) == 0


def test_staff_download_the_export(app, staff):
    staff.post(IMPORT, {"token": _token(_text(_upload(staff, _csv([ROW]))))}, page=PAGE)
    answer = staff.get(EXPORT)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0][:2] == ["都道府県コード又は市区町村コード", "NO"]
    assert rows[1][4] == "善福寺川クリーン作戦"
    with session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "open_data.import")) == 1
