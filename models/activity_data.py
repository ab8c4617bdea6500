"""Activities in: the national standard event list (自治体標準オープンデータセット
「イベント一覧」) as CSV (out: models/activity_export.py).

Import is one transaction: every bad row is reported with its line in the file and the
reason (a msgid and its values, so the console tells it in the staff member's language),
all in one report, and nothing is written; a preview tells what each row would do (new,
updated, unchanged, rejected) and writes nothing; the same file twice changes nothing; a
changed row updates its activity and slot. Rows are keyed by municipality code and NO (our
slot code column, when given, names the slot). Files may be UTF-8 with or without BOM, or
Shift_JIS (CP932) from Excel.

What real files hold is not refused: blank times (an all-day event), several days (a
festival, an exhibition), a 定員 written as text (先着順, 定員なし: no limit, the text kept
to show) or left blank (no limit). イベント名_英語 is the English version of the title
(models/texts.py): a blank cell removes it, as the file no longer gives one.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.activities import (
    STYLE_JA,
    STYLES,
    Activity,
    Organisation,
    Slot,
    as_utc,
    new_checkin_word,
    new_code,
)
from models.categories import CATEGORIES, CATEGORY_JA
from models.locales import N_
from models.organisations import is_public
from models.slot_changes import as_it_is, record
from models.subscriptions import notify_new_item
from models.texts import set_text

# The 32 items of 自治体標準オープンデータセット「イベント一覧」 (デジタル庁), in the standard's
# order. Found transcribed item by item, with what each holds, in the FIWARE smart data
# models of the standard datasets: github.com/NEC-FIWARE/smart-data-models,
# cio/06_イベント一覧/datamodels.md; ward systems that read and write the list use the same
# order.
STANDARD_COLUMNS = (
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名",
    "イベント名_カナ", "イベント名_英語", "開始日", "終了日", "開始時間", "終了時間",
    "開始日時特記事項", "説明", "料金(基本)", "料金(詳細)", "連絡先名称", "連絡先電話番号",
    "連絡先内線番号", "主催者", "場所名称", "住所", "方書", "緯度", "経度", "アクセス方法",
    "駐車場情報", "定員", "参加申込終了日", "参加申込終了時間", "参加申込方法", "URL", "備考",
)
EXTRA_COLUMNS = ("category", "style", "area", "slot_code")
COLUMNS = STANDARD_COLUMNS + EXTRA_COLUMNS
# Excel users and older files write the extra columns in Japanese
EXTRA_ALIASES = {"カテゴリ": "category", "分野": "category", "形態": "style",
                 "活動形態": "style", "地区": "area", "エリア": "area", "枠コード": "slot_code",
                 "コード": "slot_code"}
REQUIRED = ("都道府県コード又は市区町村コード", "NO", "イベント名", "開始日")
END_OF_DAY = (24, 0)
DEADLINE_CLOCK = (23, 59)  # a 参加申込終了日 without a time: until the end of that day
PEOPLE = r"(?:名|人|組|席)"


NEW, UPDATED, UNCHANGED, REJECTED = "new", "updated", "unchanged", "rejected"


class RowProblem(ValueError):
    """What is wrong with a row: a msgid and its `{name}` values, read in English by the
    command line and in the staff member's language by the console."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid.format(**params))
        self.msgid, self.params = msgid, params


class ImportFailed(Exception):
    """Nothing was imported: `problems` are (line, problem), `errors` the same in English."""

    def __init__(self, problems: list[tuple[int, RowProblem]]) -> None:
        self.problems = sorted(problems, key=lambda found: found[0])
        self.errors = [f"line {number}: {problem}" for number, problem in self.problems]
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class RowOutcome:
    """One row of the file and what its import does (NEW, UPDATED, UNCHANGED, REJECTED)."""
    line: int
    title: str
    outcome: str
    problem: RowProblem | None = None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_activity_ids: list[int] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)  # in the file's order

    @property
    def rejected(self) -> int:
        return sum(1 for row in self.rows if row.outcome == REJECTED)

    def outcomes(self) -> list[tuple[int, str]]:
        """(line, outcome) of every row: what a preview promised an import."""
        return [(row.line, row.outcome) for row in self.rows]


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS as Excel writes it (CP932)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        raise ImportFailed([(1, RowProblem(N_("The file is neither UTF-8 nor Shift_JIS "
                                              "(CP932) text.")))]) from None


def _norm_header(name: str) -> str:
    name = name.strip().replace("（", "(").replace("）", ")")
    return EXTRA_ALIASES.get(name, name)


def _cell(row: dict[str, str], name: str, limit: int | None = None) -> str | None:
    value = row.get(name, "").strip()
    return (value[:limit] if limit else value) or None


def _parse_date(value: str) -> date:
    value = unicodedata.normalize("NFKC", value).strip().replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", value)
    try:
        if not match:
            raise ValueError(value)
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # no date, or none in the calendar (2月30日)
        raise RowProblem(N_("Not a date: “{value}” (write it as YYYY-MM-DD)."),
                         value=value) from None


def _parse_clock(value: str) -> tuple[int, int] | None:
    """HH:MM (H:MM, HH:MM:SS, full-width digits); None when blank; 24:00 ends the day."""
    written = value.strip()
    if not written:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2})?", unicodedata.normalize("NFKC", written))
    if not match or int(match[2]) > 59 or (int(match[1]), int(match[2])) > END_OF_DAY:
        raise RowProblem(N_("Not a time: “{value}” (write it as HH:MM)."), value=written)
    return int(match[1]), int(match[2])


def _at(day: date, clock: tuple[int, int], zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=clock[0] // 24), time(clock[0] % 24, clock[1]),
                            zone)


def _schedule(row: dict[str, str], zone: ZoneInfo) -> tuple[datetime, datetime, bool]:
    """(start, end, all day). Blank times: all day, every day from 開始日 to 終了日. A start
    and no end: two hours, or to the end of 終了日 when that is a later day."""
    start_day = _parse_date(row["開始日"])
    end_day = _parse_date(row["終了日"]) if row.get("終了日", "").strip() else start_day
    if end_day < start_day:
        raise RowProblem(N_("終了日 {end} is before 開始日 {start}."), end=end_day.isoformat(),
                         start=start_day.isoformat())
    start_clock = _parse_clock(row.get("開始時間", ""))
    end_clock = _parse_clock(row.get("終了時間", ""))
    if start_clock is None and end_clock is None:
        return _at(start_day, (0, 0), zone), _at(end_day, END_OF_DAY, zone), True
    starts_at = _at(start_day, start_clock or (0, 0), zone)
    if end_clock is not None:
        ends_at = _at(end_day, end_clock, zone)
    elif end_day > start_day:
        ends_at = _at(end_day, END_OF_DAY, zone)
    else:
        ends_at = starts_at + timedelta(hours=2)
    if ends_at <= starts_at:
        raise RowProblem(N_("The end is not after the start."))
    return starts_at, ends_at, False


def _capacity(value: str) -> tuple[int | None, str | None]:
    """定員 as (limit, note). Blank or 0: no limit. A number of people ("20", "20名"): that
    limit. Other text ("先着順", "定員なし", "各回10名（先着順）"): the number of people it
    names, if any (else no limit), and the text as written, to show."""
    written = value.strip()
    plain = unicodedata.normalize("NFKC", written).replace(",", "")
    if not plain:
        return None, None
    number = re.fullmatch(rf"(?:定員)?\s*(\d+)\s*{PEOPLE}?", plain)
    if number:
        return int(number[1]) or None, None
    people = re.search(rf"(\d+)\s*{PEOPLE}", plain)
    return (int(people[1]) or None) if people else None, written[:200]


def _parse_float(value: str, low: float, high: float, name: str) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise RowProblem(N_("{column} is not a number: “{value}”."), column=name,
                         value=value) from None
    if not low <= number <= high:
        raise RowProblem(N_("{column} {value} is out of range."), column=name, value=number)
    return number


def _category(value: str) -> str:
    value = value.strip()
    if not value:
        return "other"
    if value in CATEGORIES:
        return value
    if value in CATEGORY_JA:
        return CATEGORY_JA[value]
    raise RowProblem(N_("Unknown category “{value}” (write one of {choices})."), value=value,
                     choices="、".join(CATEGORY_JA))


def _styles(value: str) -> list[str]:
    found = []
    for part in re.split(r"[|,、・/]", value):
        part = part.strip()
        if not part:
            continue
        code = part if part in STYLES else STYLE_JA.get(part)
        if code is None:
            raise RowProblem(N_("Unknown style “{value}” (write one of {choices})."),
                             value=part, choices="、".join(STYLE_JA))
        if code not in found:
            found.append(code)
    return found


def _row_values(row: dict[str, str], tz: ZoneInfo, areas: list[str]) -> dict[str, Any]:
    """One CSV row as the fields of an activity and its slot; RowProblem says what is
    wrong."""
    missing = [c for c in REQUIRED if not row.get(c, "").strip()]
    if missing:
        raise RowProblem(N_("Empty: {columns}."), columns="、".join(missing))
    starts_at, ends_at, all_day = _schedule(row, tz)
    capacity, capacity_note = _capacity(row.get("定員", ""))
    deadline_day = row.get("参加申込終了日", "").strip()
    deadline_clock = _parse_clock(row.get("参加申込終了時間", ""))
    deadline = None
    if deadline_day or deadline_clock:  # a time alone: on the first day
        deadline = _at(_parse_date(deadline_day) if deadline_day else starts_at.date(),
                       deadline_clock or DEADLINE_CLOCK, tz)
    area = row.get("area", "").strip() or None
    if area and areas and area not in areas:
        raise RowProblem(N_("Unknown area “{value}” (the areas: {choices})."), value=area,
                         choices="、".join(areas))
    code = row.get("slot_code", "").strip() or None
    if code and not re.fullmatch(r"\d{3,8}", code):
        raise RowProblem(N_("The slot code “{value}” must be 3 to 8 digits."), value=code)
    return {
        "source_key": f"{row['都道府県コード又は市区町村コード'].strip()}:{row['NO'].strip()}",
        "activity": {
            "title": row["イベント名"].strip()[:200],
            "title_kana": _cell(row, "イベント名_カナ"),
            "description": row.get("説明", "").strip(),
            "when_note": _cell(row, "開始日時特記事項"),
            "fee": _cell(row, "料金(基本)"),
            "fee_detail": _cell(row, "料金(詳細)"),
            "contact_name": _cell(row, "連絡先名称"),
            "contact_phone": _cell(row, "連絡先電話番号"),
            "contact_extension": _cell(row, "連絡先内線番号", 40),
            "how_to_apply": _cell(row, "参加申込方法"),
            "url": _cell(row, "URL"),
            "note": _cell(row, "備考"),
            "category": _category(row.get("category", "")),
            "styles": _styles(row.get("style", "")),
            "area": area,
        },
        "title_en": _cell(row, "イベント名_英語"),  # the English version of the title
        "organiser": _cell(row, "主催者"),
        "slot": {
            "starts_at": as_utc(starts_at), "ends_at": as_utc(ends_at), "all_day": all_day,
            "place": _cell(row, "場所名称"),
            "address": _cell(row, "住所"),
            "address_detail": _cell(row, "方書", 200),
            "lat": _parse_float(row.get("緯度", ""), -90, 90, "緯度"),
            "lon": _parse_float(row.get("経度", ""), -180, 180, "経度"),
            "access": _cell(row, "アクセス方法"),
            "parking": _cell(row, "駐車場情報"),
            "capacity": capacity,
            "capacity_note": capacity_note,
            "signup_deadline": as_utc(deadline) if deadline else None,
        },
        "code": code,
    }


def _same(obj: Any, values: dict[str, Any]) -> bool:
    for key, value in values.items():
        current = getattr(obj, key)
        if isinstance(current, datetime) and isinstance(value, datetime):
            current = as_utc(current)
        if current != value:
            return False
    return True


def _parse_rows(text: str, zone: ZoneInfo, areas: list[str],
                ) -> tuple[list[tuple[int, dict[str, Any]]], list[RowOutcome]]:
    """Every row as (its line in the file, its values), and every bad one as REJECTED.
    A cell may span lines (a description of several paragraphs): the line is where the
    row starts, as a spreadsheet or an editor shows it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_norm_header(h) for h in next(reader)]
    except StopIteration:
        raise ImportFailed([(1, RowProblem(N_("The file is empty.")))]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([(1, RowProblem(N_("Missing columns: {columns}."),
                                           columns="、".join(missing)))])
    rejected: list[RowOutcome] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen_keys: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    starts = reader.line_num + 1
    for cells in reader:
        number, starts = starts, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))
        title = row.get("イベント名", "").strip()[:200]
        try:
            if len(cells) > len(header):
                raise RowProblem(N_("{cells} cells but {columns} columns."), cells=len(cells),
                                 columns=len(header))
            values = _row_values(row, zone, areas)
            key, code = values["source_key"], values["code"]
            if key in seen_keys:
                raise RowProblem(N_("NO {number} repeats line {line}."),
                                 number=row["NO"].strip(), line=seen_keys[key])
            if code and code in seen_codes:
                raise RowProblem(N_("The slot code {code} repeats line {line}."), code=code,
                                 line=seen_codes[code])
        except RowProblem as problem:
            rejected.append(RowOutcome(number, title, REJECTED, problem))
            continue
        seen_keys[key] = number
        if code:
            seen_codes[code] = number
        parsed.append((number, values))
    return parsed, rejected


def import_csv(session: Session, raw: bytes, *, tz: str = "Asia/Tokyo",
               areas: Iterable[str] = ()) -> ImportReport:
    """Import every row or none: raises ImportFailed listing each bad row."""
    return _import(session, raw, tz=tz, areas=areas, keep_going=False)


def preview_csv(session: Session, raw: bytes, *, tz: str = "Asia/Tokyo",
                areas: Iterable[str] = ()) -> ImportReport:
    """What `import_csv` would do with each row, the rejected ones too, and writes nothing:
    the import runs in a savepoint that is rolled back. ImportFailed only for a file that
    is not a list at all (unreadable, empty, without the required columns)."""
    savepoint = session.begin_nested()
    try:
        return _import(session, raw, tz=tz, areas=areas, keep_going=True)
    finally:
        savepoint.rollback()


def _import(session: Session, raw: bytes, *, tz: str, areas: Iterable[str],
            keep_going: bool) -> ImportReport:
    """Import the rows; a bad one raises ImportFailed (listing each) unless `keep_going`,
    which imports the others and reports the bad ones (for a preview, rolled back)."""
    parsed, rejected = _parse_rows(decode(raw), ZoneInfo(tz), list(areas))
    found: list[tuple[int, dict[str, Any], Activity | None, Slot | None]] = []
    for number, values in parsed:
        activity = session.scalar(select(Activity).where(
            Activity.source_key == values["source_key"]))
        slot = None
        if values["code"]:
            slot = session.scalar(select(Slot).where(Slot.code == values["code"]))
            if slot is not None and (activity is None or slot.activity_id != activity.id):
                rejected.append(RowOutcome(number, values["activity"]["title"], REJECTED,
                                           RowProblem(N_("The slot code {code} belongs to "
                                                         "another activity."),
                                                      code=values["code"])))
                continue
        elif activity is not None and activity.slots:
            slot = activity.slots[0]
        found.append((number, values, activity, slot))
    if rejected and not keep_going:
        raise ImportFailed([(row.line, row.problem) for row in rejected
                            if row.problem is not None])

    report = ImportReport(rows=list(rejected))
    organisations = {o.name: o for o in session.scalars(select(Organisation))}
    for number, values, activity, slot in found:
        organisation = None
        if values["organiser"]:
            organisation = organisations.get(values["organiser"])
            if organisation is None:
                organisation = Organisation(name=values["organiser"][:200])
                session.add(organisation)
                organisations[organisation.name] = organisation
        created = activity is None
        changed = False
        if activity is None:
            activity = Activity(source_key=values["source_key"], **values["activity"])
            session.add(activity)
        elif not _same(activity, values["activity"]):
            for key, value in values["activity"].items():
                setattr(activity, key, value)
            changed = True
        if activity.organisation is not organisation:
            activity.organisation = organisation
            changed = True
        if slot is None:
            slot = Slot(code=values["code"] or new_code(session), checkin_word=new_checkin_word(),
                        seats_taken=0, status="open", **values["slot"])
            activity.slots.append(slot)
            changed = True
        elif not _same(slot, values["slot"]):
            before = as_it_is(slot)
            for key, value in values["slot"].items():
                setattr(slot, key, value)
            record(session, slot, before)
            changed = True
        session.flush()
        if set_text(session, activity, "title", "en", values["title_en"]):
            changed = True
        if created:
            report.created += 1
            report.new_activity_ids.append(activity.id)
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
        report.rows.append(RowOutcome(number, values["activity"]["title"],
                                      NEW if created else UPDATED if changed else UNCHANGED))
    report.rows.sort(key=lambda row: row.line)
    _announce_new(session, report.new_activity_ids)
    return report


def _announce_new(session: Session, activity_ids: list[int]) -> None:
    """Tell the people who follow each new activity's category or area."""
    for activity_id in activity_ids:
        activity = session.get(Activity, activity_id)
        if activity is not None and is_public(activity.organisation):
            notify_new_item(session, kind="activity", ref=str(activity.id),
                            category=activity.category, area=activity.area,
                            organisation_id=activity.organisation_id)
