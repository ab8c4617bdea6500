"""`machibot data import|export|demo` and `machibot activities qr`."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import format_clock, format_when, gettext
from models.activities import Activity, Slot
from models.activity_data import COLUMNS, STANDARD_COLUMNS
from models.outbox import as_utc
from models.signups import Signup, sign_up
from models.users import get_by_line_id
from tests.collab_helpers import deliver

TOKYO = ZoneInfo("Asia/Tokyo")
# a file as a ward publishes it: the standard's 32 columns and nothing else, with an all-day
# exhibition, a five-day festival, capacities written as text and cells that span lines
STANDARD_FILE = Path(__file__).resolve().parent.parent / "data" / "events_standard.csv"
# 自治体標準オープンデータセット「イベント一覧」, its 32 items in their order
STANDARD_32 = (
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名",
    "イベント名_カナ", "イベント名_英語", "開始日", "終了日", "開始時間", "終了時間",
    "開始日時特記事項", "説明", "料金(基本)", "料金(詳細)", "連絡先名称", "連絡先電話番号",
    "連絡先内線番号", "主催者", "場所名称", "住所", "方書", "緯度", "経度", "アクセス方法",
    "駐車場情報", "定員", "参加申込終了日", "参加申込終了時間", "参加申込方法", "URL", "備考",
)

ROW = {
    "都道府県コード又は市区町村コード": "131156", "NO": "1", "都道府県名": "東京都",
    "市区町村名": "杉並区", "イベント名": "善福寺川クリーン作戦",
    "イベント名_カナ": "ゼンプクジガワ",
    "イベント名_英語": "River clean-up", "開始日": "2030-05-11", "終了日": "2030-05-11",
    "開始時間": "10:00", "終了時間": "12:00", "説明": "川沿いのごみを拾います。",
    "主催者": "荻窪みどりの会", "場所名称": "善福寺川緑地", "住所": "杉並区成田西",
    "緯度": "35.6950", "経度": "139.6300", "定員": "20人", "category": "環境",
    "style": "単発", "area": "荻窪", "slot_code": "5511",
}


def _csv(rows: list[dict[str, str]], encoding: str = "utf-8", bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    text = out.getvalue()
    return (("\ufeff" if bom else "") + text).encode(encoding)


def _import(app, tmp_path, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / "events.csv"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["data", "import", str(path)])


def _counts(app) -> tuple[int, int]:
    with session_scope(app) as session:
        return (session.scalar(select(func.count(Activity.id))),
                session.scalar(select(func.count(Slot.id))))


def test_import_twice_creates_no_duplicates_and_a_changed_row_updates(app, tmp_path):
    rows = [ROW, {**ROW, "NO": "2", "イベント名": "子ども食堂", "category": "子育て支援",
                  "slot_code": ""}]
    first = _import(app, tmp_path, _csv(rows, bom=True))
    assert first.exit_code == 0, first.output
    assert "2 new" in first.output
    again = _import(app, tmp_path, _csv(rows, bom=True))
    assert "0 new, 0 updated, 2 unchanged" in again.output
    assert _counts(app) == (2, 2)
    changed = _import(app, tmp_path, _csv([{**ROW, "定員": "5"}, rows[1]]))
    assert "1 updated" in changed.output
    with session_scope(app) as session:
        slot = session.scalar(select(Slot).where(Slot.code == "5511"))
        assert slot.capacity == 5 and slot.activity.category == "environment"
        assert slot.activity.organisation.name == "荻窪みどりの会"


def test_shift_jis_from_excel_imports(app, tmp_path):
    result = _import(app, tmp_path, _csv([ROW], encoding="cp932"))
    assert result.exit_code == 0, result.output
    with session_scope(app) as session:
        assert session.scalar(select(Activity.title)) == "善福寺川クリーン作戦"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(app, tmp_path):
    rows = [ROW, {**ROW, "NO": "2", "開始日": "2030-13-40", "slot_code": ""},
            {**ROW, "NO": "3", "category": "宇宙", "slot_code": ""},
            {**ROW, "NO": "4", "緯度": "north", "slot_code": ""}]
    result = _import(app, tmp_path, _csv(rows))
    assert result.exit_code != 0
    assert "line 3:" in result.output and "line 4:" in result.output
    assert "line 5:" in result.output and "line 2:" not in result.output
    assert "宇宙" in result.output
    assert _counts(app) == (0, 0)


def test_export_has_the_standard_columns_first_and_no_personal_data(app, tmp_path, resident):
    assert _import(app, tmp_path, _csv([ROW])).exit_code == 0
    resident.says("参加 5511")
    resident.taps(gettext_ja("Sign up"))
    with session_scope(app) as session:
        assert session.scalar(select(func.count(Signup.id))) == 1
    target = tmp_path / "out.csv"
    result = app.test_cli_runner().invoke(args=["data", "export", str(target)])
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0][:len(STANDARD_COLUMNS)]) == STANDARD_COLUMNS
    assert rows[1][rows[0].index("slot_code")] == "5511"
    assert "山田花子" not in raw.decode("utf-8-sig")
    # and it imports back unchanged
    again = _import(app, tmp_path, raw)
    assert "0 new, 0 updated, 1 unchanged" in again.output, again.output


def test_the_english_title_is_the_activity_s_english_version_in_and_out(app, tmp_path):
    from models.texts import MACHINE, set_text, texts_of

    def english() -> list[tuple[str, str]]:
        with session_scope(app) as session:
            activity_id = session.scalar(select(Activity.id))
            return [(v.text, v.state) for v in texts_of(session, "activity", [activity_id])
                    [activity_id] if (v.field, v.locale) == ("title", "en")]

    assert _import(app, tmp_path, _csv([ROW])).exit_code == 0
    assert english() == [("River clean-up", "author")]
    target = tmp_path / "out.csv"
    assert app.test_cli_runner().invoke(args=["data", "export", str(target)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0]["イベント名_英語"] == "River clean-up"
    renamed = _import(app, tmp_path, _csv([{**ROW, "イベント名_英語": "Zenpukuji river clean-up"}]))
    assert "1 updated" in renamed.output, renamed.output
    assert english() == [("Zenpukuji river clean-up", "author")]
    dropped = _import(app, tmp_path, _csv([{**ROW, "イベント名_英語": ""}]))
    assert "1 updated" in dropped.output and english() == []
    # a machine's English title is no part of the ward's open data
    with session_scope(app) as session:
        set_text(session, session.scalar(select(Activity)), "title", "en", "River cleaning",
                 state=MACHINE)
    assert app.test_cli_runner().invoke(args=["data", "export", str(target)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0]["イベント名_英語"] == ""


def _slot_of(session, no: str) -> Slot:
    return session.scalar(select(Slot).join(Activity).where(
        Activity.source_key == f"131156:{no}"))


def _span(slot: Slot) -> tuple[datetime, datetime]:
    return as_utc(slot.starts_at), as_utc(slot.ends_at)


def test_a_file_in_the_standards_32_columns_imports_every_column(app, tmp_path):
    result = _import(app, tmp_path, STANDARD_FILE.read_bytes())
    assert result.exit_code == 0, result.output
    assert "5 new" in result.output
    with session_scope(app) as session:
        river = _slot_of(session, "101")
        assert river.activity.contact_extension == "3456"
        assert (river.address, river.address_detail) == ("東京都杉並区成田西1丁目", "管理事務所前")
        assert river.access == "JR荻窪駅から関東バス「成田西」下車、徒歩3分"
        assert river.parking == "駐車場はありません。自転車は緑地の駐輪場へ"
        assert (river.capacity, river.capacity_note) == (20, None)
        assert as_utc(river.signup_deadline) == datetime(2030, 5, 8, 17, 0, tzinfo=TOKYO)
        assert river.activity.description.count("\n") == 2

        festival = _slot_of(session, "102")  # five days, 10:00 to 18:00
        assert _span(festival) == (datetime(2030, 8, 4, 10, 0, tzinfo=TOKYO),
                                   datetime(2030, 8, 8, 18, 0, tzinfo=TOKYO))
        assert not festival.all_day
        assert (festival.capacity, festival.capacity_note) == (None, "先着順")

        gallery = _slot_of(session, "103")  # blank times: all day, a week
        assert gallery.all_day
        assert _span(gallery) == (datetime(2030, 6, 1, 0, 0, tzinfo=TOKYO),
                                  datetime(2030, 6, 8, 0, 0, tzinfo=TOKYO))
        assert (gallery.capacity, gallery.capacity_note) == (None, "定員なし")

        fair = _slot_of(session, "104")  # all day, one day, no 定員: no limit
        assert fair.all_day and _span(fair)[1] == datetime(2030, 9, 2, 0, 0, tzinfo=TOKYO)
        assert (fair.capacity, fair.capacity_note) == (None, None)

        kitchen = _slot_of(session, "105")
        assert (kitchen.capacity, kitchen.capacity_note) == (10, "各回10名（先着順）")
        # no 参加申込終了時間: the end of the day
        assert as_utc(kitchen.signup_deadline) == datetime(2030, 5, 15, 23, 59, tzinfo=TOKYO)


def test_export_writes_the_32_columns_in_the_standards_order_and_reads_back(app, tmp_path):
    assert _import(app, tmp_path, STANDARD_FILE.read_bytes()).exit_code == 0
    target = tmp_path / "out.csv"
    assert app.test_cli_runner().invoke(args=["data", "export", str(target)]).exit_code == 0
    raw = target.read_bytes()
    header, *cells = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(header[:32]) == STANDARD_32
    assert header[32:] == ["category", "style", "area", "slot_code"]
    rows = {row["NO"]: row for row in (dict(zip(header, c, strict=True)) for c in cells)}
    river = rows["101"]
    assert (river["連絡先内線番号"], river["方書"]) == ("3456", "管理事務所前")
    assert river["アクセス方法"] == "JR荻窪駅から関東バス「成田西」下車、徒歩3分"
    assert river["駐車場情報"] == "駐車場はありません。自転車は緑地の駐輪場へ"
    assert (river["参加申込終了日"], river["参加申込終了時間"]) == ("2030-05-08", "17:00")
    assert river["定員"] == "20"
    festival = rows["102"]
    assert [festival[c] for c in ("開始日", "終了日", "開始時間", "終了時間", "定員")] == [
        "2030-08-04", "2030-08-08", "10:00", "18:00", "先着順"]
    gallery = rows["103"]
    assert [gallery[c] for c in ("開始日", "終了日", "開始時間", "終了時間", "定員")] == [
        "2030-06-01", "2030-06-07", "", "", "定員なし"]
    assert rows["104"]["定員"] == ""
    again = _import(app, tmp_path, raw)
    assert "0 new, 0 updated, 5 unchanged" in again.output, again.output
    twice = _import(app, tmp_path, STANDARD_FILE.read_bytes())
    assert "0 new, 0 updated, 5 unchanged" in twice.output, twice.output


def test_every_bad_row_is_reported_at_its_line_in_the_file_in_one_report(app, tmp_path):
    assert _import(app, tmp_path, _csv([ROW])).exit_code == 0  # slot 5511 is NO 1's
    rows = [{**ROW, "NO": "7", "説明": "一行目\n二行目\n三行目", "slot_code": ""},  # lines 2-4
            {**ROW, "NO": "8", "開始日": "5月11日", "slot_code": ""},  # line 5: no year
            {**ROW, "NO": "9", "slot_code": "5511"},  # line 6: another activity's slot
            {**ROW, "NO": "10", "開始時間": "25:00", "slot_code": ""}]  # line 7
    result = _import(app, tmp_path, _csv(rows))
    assert result.exit_code != 0
    reported = [line.split(":")[0] for line in result.output.splitlines()
                if line.startswith("line ")]
    assert reported == ["line 5", "line 6", "line 7"], result.output
    assert "5511" in result.output and "25:00" in result.output
    assert _counts(app) == (1, 1)


def test_cancelled_slots_are_not_exported(app, tmp_path):
    rows = [ROW, {**ROW, "NO": "2", "イベント名": "子ども食堂", "slot_code": "5512"}]
    assert _import(app, tmp_path, _csv(rows)).exit_code == 0
    with session_scope(app) as session:
        session.scalar(select(Slot).where(Slot.code == "5512")).status = "cancelled"
    target = tmp_path / "out.csv"
    assert app.test_cli_runner().invoke(args=["data", "export", str(target)]).exit_code == 0
    text = target.read_bytes().decode("utf-8-sig")
    header, *cells = list(csv.reader(io.StringIO(text, newline="")))
    assert [c[header.index("slot_code")] for c in cells] == ["5511"]
    assert "子ども食堂" not in text


def test_a_person_following_a_category_hears_of_a_new_activity_imported_in_it(
        app, resident, tmp_path):
    resident.opens(gettext_ja("Notifications"))
    resident.taps(gettext_ja("Topics"))
    resident.taps("✗ " + gettext_ja("Child-care support"))
    resident.taps(gettext_ja("Done"))
    rows = [{**ROW, "NO": "31", "イベント名": "子ども食堂の調理補助", "category": "子育て支援",
             "slot_code": ""},
            {**ROW, "NO": "32", "イベント名": "公園の花壇づくり", "category": "環境",
             "slot_code": ""}]
    assert _import(app, tmp_path, _csv(rows)).exit_code == 0
    deliver(app)
    resident.new_messages()
    heard = " ".join(resident.texts())
    assert "子ども食堂の調理補助" in heard
    assert "公園の花壇づくり" not in heard


def test_demo_loads_a_varied_set_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["data", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    with session_scope(app) as session:
        activities = list(session.scalars(select(Activity)))
        assert len(activities) >= 60
        assert len({a.category for a in activities}) == 9
        assert len({a.area for a in activities if a.area}) >= 6
        assert {s for a in activities for s in a.styles} == {"micro", "online", "skills",
                                                             "regular"}
        slots = list(session.scalars(select(Slot).where(Slot.lat.is_not(None))))
        assert all(35.66 < s.lat < 35.73 and 139.58 < s.lon < 139.68 for s in slots)
    assert "not loaded" in runner.invoke(args=["data", "demo", "--if-empty"]).output


def test_qr_code_for_a_slot(app, tmp_path):
    assert _import(app, tmp_path, _csv([ROW])).exit_code == 0
    target = tmp_path / "qr.png"
    result = app.test_cli_runner().invoke(args=["activities", "qr", "5511", "--out",
                                                str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG")
    assert "https://line.me/R/oaMessage/%40machibot/?%E5%8F%82%E5%8A%A0%205511" in result.output
    missing = app.test_cli_runner().invoke(args=["activities", "qr", "0000"])
    assert missing.exit_code != 0


def gettext_ja(msgid: str) -> str:
    from bot.kernel.i18n import gettext

    return gettext("ja", msgid)


def test_a_re_imported_row_with_a_new_time_tells_the_people_on_its_slot(app, sim, tmp_path,
                                                                        resident):
    assert _import(app, tmp_path, _csv([ROW])).exit_code == 0
    with session_scope(app) as session:
        slot = session.scalar(select(Slot).where(Slot.code == "5511"))
        sign_up(session, slot, get_by_line_id(session, resident.user_id),
                now=datetime(2030, 5, 1, tzinfo=TOKYO))
    moved = _import(app, tmp_path, _csv([{**ROW, "開始時間": "13:00", "終了時間": "15:00"}]))
    assert "1 updated" in moved.output
    deliver(app)
    resident.new_messages()
    old = datetime(2030, 5, 11, 10, 0, tzinfo=TOKYO)
    new = datetime(2030, 5, 11, 13, 0, tzinfo=TOKYO)
    assert gettext("ja", "Time: {old} → {new}",
                   old=f"{format_when(old, 'ja')}–{format_clock(old.replace(hour=12), 'ja')}",
                   new=f"{format_when(new, 'ja')}–{format_clock(new.replace(hour=15), 'ja')}",
                   ) in resident.last_text()
