"""Read-aloud: how long the audio of a typical answer takes to make, how big and long it is,
and how often a replayed day of turns finds its answer already spoken (the cache).

Answers: the bot's own sentences from its ja and ja_easy catalogs (every msgstr of at
least 15 characters, placeholders filled with sample titles, places and times), read by the
real synthesiser (bot/speech.py: Open JTalk, LAME). The day: residents with read-aloud on
take turns whose answers are drawn from the same sentences, the frequent ones (menus,
prompts) far more often than the rest (a Zipf law over a shuffled order), each with its
placeholders filled from small pools as a real day's titles and times are; every turn goes
through models.speech.request on a scratch SQLite database, and a turn whose clip is already
there is a cache hit (no synthesis).

    .venv/bin/python bench/speech_bench.py [--answers 40] [--people 400] [--seed 7]
    .venv/bin/python bench/speech_bench.py --quick     # 8 answers a language, 100 people
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from babel.messages.pofile import read_po  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.speech import synthesise  # noqa: E402
from models import Base  # noqa: E402
from models.speech import VOICES, SpeechClip, normalise, request  # noqa: E402
from models.users import User  # noqa: E402

PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")
SAMPLES = {
    "title": ["公園の清掃活動", "子ども食堂のお手伝い", "防災訓練", "高齢者サロン", "花壇の手入れ"],
    "place": ["阿佐谷地域区民センター", "高円寺南公園", "荻窪駅前"],
    "when": ["12月5日(土) 10:00", "12月8日(火) 14:00", "12月12日(土) 9:30"],
    "name": ["山田", "佐藤", "鈴木"],
}
TURNS_PER_PERSON = (2, 8)  # a resident's turns in a day, at least and at most


def sentences(locale: str) -> list[str]:
    with open(ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    return sorted({m.string for m in catalog if m.id and isinstance(m.string, str)
                   and len(m.string) >= 15})


def fill(template: str, rng: random.Random) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        pool = next((v for k, v in SAMPLES.items() if k in name), None)
        return rng.choice(pool) if pool else str(rng.randint(1, 12))

    return PLACEHOLDER.sub(one, template)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_answers(count: int, rng: random.Random) -> int:
    synthesise("こんにちは", VOICES["ja"])  # the first call loads the dictionary and voice
    for locale in ("ja", "ja_easy"):
        answers = [normalise(fill(t, rng)) for t in rng.sample(sentences(locale), count)]
        took, sizes, lengths = [], [], []
        for text in answers:
            start = time.perf_counter()
            audio = synthesise(text, VOICES[locale])
            took.append((time.perf_counter() - start) * 1000)
            sizes.append(len(audio.mp3))
            lengths.append(audio.duration_ms)
        chars = statistics.median(len(a) for a in answers)
        print(f"{locale:8} {count} answers (median {chars:.0f} characters): make "
              f"p50 {percentile(took, 0.5):.0f} ms, p95 {percentile(took, 0.95):.0f} ms; "
              f"size p50 {percentile(sizes, 0.5) / 1000:.1f} kB, "
              f"p95 {percentile(sizes, 0.95) / 1000:.1f} kB; "
              f"duration p50 {percentile(lengths, 0.5) / 1000:.1f} s, "
              f"p95 {percentile(lengths, 0.95) / 1000:.1f} s")
        if not took:
            return 1
    return 0


def replay_day(people: int, rng: random.Random) -> int:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    pools = {locale: sentences(locale) for locale in ("ja", "ja_easy")}
    weights = {}
    for locale, pool in pools.items():
        order = list(range(len(pool)))
        rng.shuffle(order)
        weights[locale] = [1 / (rank + 1) ** 1.1 for rank in order]
    now = datetime.now(UTC)
    turns = hits = 0
    start = time.perf_counter()
    with Session(engine) as session:
        residents = []
        for i in range(people):
            locale = "ja_easy" if i % 3 == 0 else "ja"
            user = User(line_user_id=f"U{i:032x}", locale=locale, mode="simple",
                        notification_prefs={})
            session.add(user)
            residents.append(user)
        session.flush()
        for n in range(people * sum(TURNS_PER_PERSON) // 2):
            user = rng.choice(residents)
            template = rng.choices(pools[user.locale], weights[user.locale])[0]
            before = session.scalar(select(func.count()).select_from(SpeechClip))
            request(session, user, [{"type": "text", "text": fill(template, rng)}],
                    voice=VOICES[user.locale], dedupe=f"speech:bench-{n}", now=now)
            after = session.scalar(select(func.count()).select_from(SpeechClip))
            turns += 1
            hits += after == before
        session.commit()
    took = time.perf_counter() - start
    print(f"a day of {turns} turns by {people} residents (a third in やさしい日本語): cache hit "
          f"rate {hits / turns:.1%}, {turns - hits} answers to synthesise "
          f"({took * 1000 / turns:.1f} ms a request, SQLite)")
    return 0 if turns else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=40, help="answers timed per language")
    parser.add_argument("--people", type=int, default=400, help="residents in the day")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="8 answers, 100 people")
    args = parser.parse_args()
    if args.quick:
        args.answers, args.people = 8, 100
    rng = random.Random(args.seed)
    return time_answers(args.answers, rng) or replay_day(args.people, rng)


if __name__ == "__main__":
    sys.exit(main())
