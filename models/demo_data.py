"""The demo set `make run` loads into an empty database: activities and slots around
Suginami's districts, dated relative to today (`machibot data demo`)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.activities import Activity, Organisation, Slot, as_utc, new_checkin_word, new_code

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
