"""The activities out, as the national standard event list (自治体標準オープンデータセット
「イベント一覧」): the standard's 32 columns in its order, then ours, and no personal data
(no sign-ups, no names of people); cancelled slots are left out. What `models.activity_data`
imports reads it back unchanged."""

from __future__ import annotations

import csv
import io
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.activities import SLOT_CANCELLED, STYLE_JA, Activity, Slot, as_utc
from models.activity_data import COLUMNS
from models.categories import CATEGORY_JA
from models.texts import MACHINE, preload


def _schedule_cells(slot: Slot, zone: ZoneInfo) -> list[str]:
    """開始日, 終了日, 開始時間, 終了時間 as the import reads them back: blank times for an
    all-day slot, 24:00 for an end at midnight."""
    start, end = as_utc(slot.starts_at).astimezone(zone), as_utc(slot.ends_at).astimezone(zone)
    at_midnight = end.time() == time(0, 0) and end > start
    last_day = (end - timedelta(days=1)).date() if at_midnight else end.date()
    if slot.all_day:
        return [start.date().isoformat(), last_day.isoformat(), "", ""]
    return [start.date().isoformat(), last_day.isoformat(), start.strftime("%H:%M"),
            "24:00" if at_midnight else end.strftime("%H:%M")]


def _english_title(activity: Activity) -> str:
    """イベント名_英語: an English title a person wrote (or checked), never a machine's: the
    open data is the ward's word."""
    return next((v.text for v in activity.texts if (v.field, v.locale) == ("title", "en")
                 and v.state != MACHINE), "")


def export_csv(session: Session, *, tz: str = "Asia/Tokyo", municipality: str = "131156",
               prefecture: str = "東京都", city: str = "杉並区") -> bytes:
    """Every slot that is on as one row, UTF-8 with BOM so Excel opens it; no personal data."""
    zone = ZoneInfo(tz)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    reverse_category = {v: k for k, v in CATEGORY_JA.items()}
    reverse_style = {}
    for ja, code in STYLE_JA.items():
        reverse_style.setdefault(code, ja)
    slots = list(session.scalars(select(Slot).join(Activity)
                                 .where(Slot.status != SLOT_CANCELLED)
                                 .order_by(Activity.id, Slot.starts_at)).unique())
    preload(session, [slot.activity for slot in slots])
    for slot in slots:
        a = slot.activity
        code, _, no = (a.source_key or "").partition(":")
        if not no or len(a.slots) > 1:
            code, no = municipality, f"{a.id}-{slot.code}" if len(a.slots) > 1 else str(a.id)
        deadline = (as_utc(slot.signup_deadline).astimezone(zone) if slot.signup_deadline
                    else None)
        capacity = slot.capacity_note or ("" if slot.capacity is None else str(slot.capacity))
        writer.writerow([
            code, no, prefecture, city, a.title, a.title_kana or "", _english_title(a),
            *_schedule_cells(slot, zone), a.when_note or "", a.description or "",
            a.fee or "", a.fee_detail or "", a.contact_name or "", a.contact_phone or "",
            a.contact_extension or "", a.organisation.name if a.organisation else "",
            slot.place or "", slot.address or "", slot.address_detail or "",
            "" if slot.lat is None else f"{slot.lat:.6f}",
            "" if slot.lon is None else f"{slot.lon:.6f}",
            slot.access or "", slot.parking or "", capacity,
            deadline.date().isoformat() if deadline else "",
            deadline.strftime("%H:%M") if deadline else "",
            a.how_to_apply or "", a.url or "", a.note or "",
            reverse_category.get(a.category, "その他"),
            "・".join(reverse_style.get(s, s) for s in a.styles or []), a.area or "", slot.code,
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
