"""Activities in and out: the national standard event list (自治体標準オープンデータセット
「イベント一覧」) as CSV, and a demo set for trying the bot.

Import is one transaction: every bad row is reported with its line number and reason and
nothing is written; the same file twice changes nothing; a changed row updates its activity
and slot. Rows are keyed by municipality code and NO (our slot code column, when given,
names the slot). Files may be UTF-8 with or without BOM, or Shift_JIS (CP932) from Excel.
Export writes the same columns and no personal data (no sign-ups, no names of people).
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
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
    reschedule_notices,
)
from models.categories import CATEGORIES, CATEGORY_JA
from models.subscriptions import notify_new_item

STANDARD_COLUMNS = (
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名",
    "イベント名_カナ", "イベント名_英語", "開始日", "終了日", "開始時間", "終了時間",
    "開始日時特記事項", "説明", "料金(基本)", "料金(詳細)", "連絡先名称", "連絡先電話番号",
    "主催者", "場所名称", "住所", "緯度", "経度", "定員", "参加申込終了日", "参加申込方法",
    "URL", "備考",
)
EXTRA_COLUMNS = ("category", "style", "area", "slot_code")
COLUMNS = STANDARD_COLUMNS + EXTRA_COLUMNS
# Excel users and older files write the extra columns in Japanese
EXTRA_ALIASES = {"カテゴリ": "category", "分野": "category", "形態": "style",
                 "活動形態": "style", "地区": "area", "エリア": "area", "枠コード": "slot_code",
                 "コード": "slot_code"}
REQUIRED = ("都道府県コード又は市区町村コード", "NO", "イベント名", "開始日", "開始時間")
DEFAULT_CAPACITY = 20


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_activity_ids: list[int] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS as Excel writes it (CP932)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp932")


def _norm_header(name: str) -> str:
    name = name.strip().replace("（", "(").replace("）", ")")
    return EXTRA_ALIASES.get(name, name)


def _parse_date(value: str) -> date:
    value = value.strip().replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", value)
    if not match:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD)")
    return date(int(match[1]), int(match[2]), int(match[3]))


def _parse_time(value: str) -> time:
    match = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?", value.strip())
    if not match or int(match[1]) > 24 or int(match[2]) > 59:
        raise ValueError(f"not a time: {value!r} (use HH:MM)")
    hours = int(match[1])
    return time(23, 59) if hours == 24 else time(hours, int(match[2]))


def _parse_float(value: str, low: float, high: float, name: str) -> float | None:
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} is not a number: {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{name} {number} is out of range")
    return number


def _category(value: str) -> str:
    value = value.strip()
    if not value:
        return "other"
    if value in CATEGORIES:
        return value
    if value in CATEGORY_JA:
        return CATEGORY_JA[value]
    raise ValueError(f"unknown category {value!r} (use one of {', '.join(CATEGORY_JA)})")


def _styles(value: str) -> list[str]:
    found = []
    for part in re.split(r"[|,、・/]", value):
        part = part.strip()
        if not part:
            continue
        code = part if part in STYLES else STYLE_JA.get(part)
        if code is None:
            raise ValueError(f"unknown style {part!r} (use one of {', '.join(STYLE_JA)})")
        if code not in found:
            found.append(code)
    return found


def _row_values(row: dict[str, str], tz: ZoneInfo, areas: list[str]) -> dict[str, Any]:
    """One CSV row as the fields of an activity and its slot; ValueError says what is wrong."""
    missing = [c for c in REQUIRED if not row.get(c, "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    start_day = _parse_date(row["開始日"])
    end_day = _parse_date(row["終了日"]) if row.get("終了日", "").strip() else start_day
    start_clock = _parse_time(row["開始時間"])
    end_clock = _parse_time(row["終了時間"]) if row.get("終了時間", "").strip() else None
    starts_at = datetime.combine(start_day, start_clock, tz)
    ends_at = (datetime.combine(end_day, end_clock, tz) if end_clock
               else starts_at + timedelta(hours=2))
    if ends_at <= starts_at:
        raise ValueError("the end is not after the start")
    capacity_raw = row.get("定員", "").strip()
    capacity = DEFAULT_CAPACITY
    if capacity_raw:
        digits = re.sub(r"[^\d]", "", capacity_raw)
        if not digits:
            raise ValueError(f"定員 is not a number: {capacity_raw!r}")
        capacity = int(digits)
    deadline = row.get("参加申込終了日", "").strip()
    area = row.get("area", "").strip() or None
    if area and areas and area not in areas:
        raise ValueError(f"unknown area {area!r} (areas: {', '.join(areas)})")
    code = row.get("slot_code", "").strip() or None
    if code and not re.fullmatch(r"\d{3,8}", code):
        raise ValueError(f"slot code {code!r} must be 3 to 8 digits")
    return {
        "source_key": f"{row['都道府県コード又は市区町村コード'].strip()}:{row['NO'].strip()}",
        "activity": {
            "title": row["イベント名"].strip()[:200],
            "title_kana": row.get("イベント名_カナ", "").strip() or None,
            "title_en": row.get("イベント名_英語", "").strip() or None,
            "description": row.get("説明", "").strip(),
            "when_note": row.get("開始日時特記事項", "").strip() or None,
            "fee": row.get("料金(基本)", "").strip() or None,
            "fee_detail": row.get("料金(詳細)", "").strip() or None,
            "contact_name": row.get("連絡先名称", "").strip() or None,
            "contact_phone": row.get("連絡先電話番号", "").strip() or None,
            "how_to_apply": row.get("参加申込方法", "").strip() or None,
            "url": row.get("URL", "").strip() or None,
            "note": row.get("備考", "").strip() or None,
            "category": _category(row.get("category", "")),
            "styles": _styles(row.get("style", "")),
            "area": area,
        },
        "organiser": row.get("主催者", "").strip() or None,
        "slot": {
            "starts_at": as_utc(starts_at), "ends_at": as_utc(ends_at),
            "place": row.get("場所名称", "").strip() or None,
            "address": row.get("住所", "").strip() or None,
            "lat": _parse_float(row.get("緯度", ""), -90, 90, "緯度"),
            "lon": _parse_float(row.get("経度", ""), -180, 180, "経度"),
            "capacity": capacity,
            "signup_deadline": (as_utc(datetime.combine(_parse_date(deadline), time(23, 59), tz))
                                if deadline else None),
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


def import_csv(session: Session, raw: bytes, *, tz: str = "Asia/Tokyo",
               areas: Iterable[str] = ()) -> ImportReport:
    """Import every row or none: raises ImportFailed listing each bad row."""
    zone, areas = ZoneInfo(tz), list(areas)
    text = decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_norm_header(h) for h in next(reader)]
    except StopIteration:
        raise ImportFailed(["line 1: the file is empty"]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([f"line 1: missing columns: {', '.join(missing)}"])
    errors: list[str] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen_keys: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            errors.append(f"line {number}: {len(cells)} cells but {len(header)} columns")
            continue
        row = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
        try:
            values = _row_values(row, zone, areas)
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        key = values["source_key"]
        if key in seen_keys:
            errors.append(f"line {number}: NO {row['NO'].strip()} repeats line {seen_keys[key]}")
            continue
        seen_keys[key] = number
        if values["code"]:
            if values["code"] in seen_codes:
                errors.append(f"line {number}: slot code {values['code']} repeats line "
                              f"{seen_codes[values['code']]}")
                continue
            seen_codes[values["code"]] = number
        parsed.append((number, values))
    if errors:
        raise ImportFailed(errors)

    report = ImportReport()
    organisations = {o.name: o for o in session.scalars(select(Organisation))}
    for number, values in parsed:
        activity = session.scalar(select(Activity).where(
            Activity.source_key == values["source_key"]))
        slot = None
        if values["code"]:
            slot = session.scalar(select(Slot).where(Slot.code == values["code"]))
            if slot is not None and (activity is None or slot.activity_id != activity.id):
                errors.append(f"line {number}: slot code {values['code']} belongs to "
                              "another activity")
                continue
        elif activity is not None and activity.slots:
            slot = activity.slots[0]
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
            moved = not _same(slot, {k: values["slot"][k] for k in ("starts_at", "ends_at")})
            for key, value in values["slot"].items():
                setattr(slot, key, value)
            if moved:
                session.flush()
                reschedule_notices(session, slot)
            changed = True
        session.flush()
        if created:
            report.created += 1
            report.new_activity_ids.append(activity.id)
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if errors:
        raise ImportFailed(errors)
    _announce_new(session, report.new_activity_ids)
    return report


def _announce_new(session: Session, activity_ids: list[int]) -> None:
    """Tell the people who follow each new activity's category or area."""
    for activity_id in activity_ids:
        activity = session.get(Activity, activity_id)
        if activity is not None:
            notify_new_item(session, kind="activity", ref=str(activity.id),
                            category=activity.category, area=activity.area)


def export_csv(session: Session, *, tz: str = "Asia/Tokyo", municipality: str = "131156",
               prefecture: str = "東京都", city: str = "杉並区") -> bytes:
    """Every slot as one row, UTF-8 with BOM so Excel opens it; no personal data."""
    zone = ZoneInfo(tz)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    reverse_category = {v: k for k, v in CATEGORY_JA.items()}
    reverse_style = {}
    for ja, code in STYLE_JA.items():
        reverse_style.setdefault(code, ja)
    slots = session.scalars(select(Slot).join(Activity).order_by(Activity.id, Slot.starts_at))
    for slot in slots.unique():
        a = slot.activity
        start, end = as_utc(slot.starts_at).astimezone(zone), as_utc(slot.ends_at).astimezone(zone)
        code, _, no = (a.source_key or "").partition(":")
        if not no or len(a.slots) > 1:
            code, no = municipality, f"{a.id}-{slot.code}" if len(a.slots) > 1 else str(a.id)
        deadline = (as_utc(slot.signup_deadline).astimezone(zone).date().isoformat()
                    if slot.signup_deadline else "")
        writer.writerow([
            code, no, prefecture, city, a.title, a.title_kana or "", a.title_en or "",
            start.date().isoformat(), end.date().isoformat(), start.strftime("%H:%M"),
            end.strftime("%H:%M"), a.when_note or "", a.description or "", a.fee or "",
            a.fee_detail or "", a.contact_name or "", a.contact_phone or "",
            a.organisation.name if a.organisation else "", slot.place or "", slot.address or "",
            "" if slot.lat is None else f"{slot.lat:.6f}",
            "" if slot.lon is None else f"{slot.lon:.6f}", slot.capacity, deadline,
            a.how_to_apply or "", a.url or "", a.note or "",
            reverse_category.get(a.category, "その他"),
            "・".join(reverse_style.get(s, s) for s in a.styles or []), a.area or "", slot.code,
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- demo -------------------------------------------------------------------------------------

AREA_CENTRES = {  # Suginami's districts, roughly
    "阿佐谷": (35.7046, 139.6358), "高円寺": (35.7053, 139.6496), "荻窪": (35.7045, 139.6200),
    "西荻窪": (35.7036, 139.5994), "高井戸": (35.6834, 139.6155),
    "方南・和泉": (35.6827, 139.6566),
}
ORGANISATIONS = ("杉並ボランティアセンター", "阿佐谷まちづくり協議会", "高円寺子ども食堂ネット",
                 "荻窪みどりの会", "すぎなみ国際交流の会", "西荻防災サポーターズ",
                 "高井戸地域包括支援センター", "杉並スポーツ・文化振興会")
DEMO_TITLES: dict[str, tuple[tuple[str, str, list[str], str], ...]] = {
    # category -> (title, place, styles, description)
    "welfare": (("福祉施設での配膳ボランティア", "ケアハウス杉並", ["micro"],
                 "昼食の配膳と片付けを手伝ってください。初めての方も歓迎です。"),
                ("車いす散歩の付き添い", "すぎなみ福祉会館", ["micro"],
                 "利用者さんと公園を散歩します。"),),
    "childcare": (("子ども食堂の調理補助", "地域区民センター 調理室", ["micro"],
                   "夕食づくりと配膳。エプロンをご持参ください。"),
                  ("放課後の学習支援", "児童館", ["regular", "skills"],
                   "小学生の宿題を見守ります。"),),
    "community": (("商店街イベントの受付", "商店街 広場", ["micro"],
                   "お祭りの受付と案内を担当します。"),
                  ("まちづくりワークショップの記録係", "区民センター 集会室", ["skills"],
                   "話し合いをメモにまとめる係です。"),),
    "environment": (("善福寺川の清掃活動", "善福寺川緑地", ["micro"],
                     "川沿いのごみを拾います。軍手を貸し出します。"),
                    ("公園の花壇づくり", "区立公園", ["regular"],
                     "季節の花を植えます。"),),
    "disaster": (("防災倉庫の点検", "防災倉庫", ["micro"], "備蓄品の数を確認します。"),
                 ("防災訓練の誘導係", "小学校 校庭", ["micro"],
                  "訓練に来た人を誘導します。"),),
    "multicultural": (("やさしい日本語のおしゃべり会", "交流協会 会議室", ["regular"],
                       "外国から来た人と日本語で話します。"),
                      ("案内文の英訳（オンライン）", "オンライン", ["online", "skills"],
                       "区のお知らせを英語に訳します。"),),
    "elderly": (("高齢者サロンのお茶出し", "ふれあいサロン", ["micro"],
                 "お茶を出して一緒におしゃべりします。"),
                ("スマホ相談会のサポート", "地域区民センター", ["skills"],
                 "高齢の方にスマホの使い方を教えます。"),),
    "sports_culture": (("区民マラソンの給水係", "中央公園", ["micro"],
                        "ランナーに水を渡します。"),
                       ("図書館の読み聞かせ", "区立図書館", ["regular", "skills"],
                        "子どもに絵本を読みます。"),),
    "other": (("区役所イベントのオンライン広報", "オンライン", ["online"],
               "SNSでイベントを紹介します。"),),
}


def load_demo(session: Session, *, now: datetime, tz: str = "Asia/Tokyo", count: int = 72,
              seed: int = 3) -> int:
    """A realistic demo set around today: `count` activities across categories, areas, styles
    and dates (today, this weekend, the coming weeks). Safe to run twice (keys "demo:N")."""
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    organisations = {}
    for name in ORGANISATIONS:
        found = session.scalar(select(Organisation).where(Organisation.name == name))
        if found is None:
            found = Organisation(name=name, contact_name=name, contact_phone="03-3312-2111")
            session.add(found)
        organisations[name] = found
    categories = list(DEMO_TITLES)
    areas = list(AREA_CENTRES)
    hours = (7, 9, 10, 13, 14, 18)
    made = 0
    for n in range(count):
        category = categories[n % len(categories)]
        title, place, styles, description = DEMO_TITLES[category][n % len(DEMO_TITLES[category])]
        area = areas[(n * 5 + n // len(categories)) % len(areas)]
        if n % 6 == 0:
            day = today
        elif n % 6 == 1:
            day = saturday + timedelta(days=n % 2)
        else:
            day = today + timedelta(days=1 + rng.randrange(40))
        start_hour = hours[rng.randrange(len(hours))]
        if day == today:
            start_hour = max(start_hour, now.astimezone(zone).hour + 2)
            if start_hour > 20:
                day += timedelta(days=1)
                start_hour = 10
        starts_at = datetime.combine(day, time(start_hour, 0), zone)
        ends_at = starts_at + timedelta(hours=rng.choice((1, 2, 2, 3)))
        lat0, lon0 = AREA_CENTRES[area]
        online = "online" in styles
        values = {
            "title": f"{title}（{area}）" if not online else title,
            "description": description, "category": category, "styles": list(styles),
            "area": None if online else area, "fee": "無料",
            "skills": ["English"] if category == "multicultural" else [],
        }
        key = f"demo:{n + 1}"
        activity = session.scalar(select(Activity).where(Activity.source_key == key))
        if activity is None:
            activity = Activity(source_key=key, **values)
            session.add(activity)
        else:
            for k, v in values.items():
                setattr(activity, k, v)
        activity.organisation = organisations[ORGANISATIONS[n % len(ORGANISATIONS)]]
        slot_values = {
            "starts_at": as_utc(starts_at), "ends_at": as_utc(ends_at),
            "place": place if online else f"{area} {place}",
            "lat": None if online else round(lat0 + rng.uniform(-0.006, 0.006), 6),
            "lon": None if online else round(lon0 + rng.uniform(-0.008, 0.008), 6),
            "capacity": rng.choice((2, 5, 8, 10, 15, 20)),
        }
        if activity.slots:
            for k, v in slot_values.items():
                setattr(activity.slots[0], k, v)
        else:
            code = str(1000 + n + 1)
            if session.scalar(select(Slot.id).where(Slot.code == code)) is not None:
                code = new_code(session)
            activity.slots.append(Slot(code=code, checkin_word=new_checkin_word(),
                                       seats_taken=0, status="open", **slot_values))
        made += 1
    session.flush()
    return made


def has_activities(session: Session) -> bool:
    return bool(session.scalar(select(func.count(Activity.id))))


def write_qr(link: str, path: Path, scale: int = 8) -> None:
    import segno

    segno.make(link, error="m").save(str(path), scale=scale, border=4)
