"""How often do the top 3 recommendations hold an activity the person would join?

A generated ward: recurring activities (weekly, across categories, areas, styles and times)
and a population whose preferences are known to the generator: favourite categories, usual
free times, a home, a favourite style. Three past weeks give each person a history (sign-ups
drawn from their preferences) and some "not interested" marks; some people also answered the
interests questions (with noise) or shared a location. For the coming week, a person "would
join" a slot whose hidden utility clears a threshold. We rank the coming week's slots with
models.recommend.rank — the bot's own ranking — and with a by-date baseline (the 3 soonest),
and print hit@3 for both.

    .venv/bin/python bench/recommend_bench.py [--people 600] [--seed 7]
    .venv/bin/python bench/recommend_bench.py --quick        # 200 people
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.activities import STYLES, distance_m  # noqa: E402
from models.categories import CATEGORIES  # noqa: E402
from models.demo_data import AREA_CENTRES  # noqa: E402
from models.recommend import FREE_TIMES, Candidate, Taste, rank, time_bucket  # noqa: E402

TZ = "Asia/Tokyo"
THRESHOLD = 3.2
HOURS = (9, 10, 13, 15, 18, 19)


def hidden_utility(person: dict, c: Candidate, rng: random.Random) -> float:
    u = 0.0
    if c.category in person["likes"]:
        u += 2.0
    if c.category in person["dislikes"]:
        u -= 2.0
    if time_bucket(c.starts_at, TZ) in person["free"]:
        u += 1.5
    else:
        u -= 0.5
    if c.lat is not None:
        d = distance_m(person["lat"], person["lon"], c.lat, c.lon)
        u += max(0.0, 1.2 * (1 - d / 3000))
    elif "online" in person["styles"]:
        u += 1.0
    if set(c.styles) & person["styles"]:
        u += 0.6
    return u + rng.gauss(0, 0.3)


def build(seed: int, people: int, activities: int):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    now = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)  # a Monday morning in Tokyo
    categories, styles, areas = list(CATEGORIES), list(STYLES), list(AREA_CENTRES)
    weekly = []
    for aid in range(1, activities + 1):
        online = rng.random() < 0.1
        area = rng.choice(areas)
        lat0, lon0 = AREA_CENTRES[area]
        weekly.append({
            "id": aid, "category": rng.choice(categories),
            "styles": ("online",) if online else tuple(rng.sample(
                [s for s in styles if s != "online"], rng.choice((1, 1, 2)))),
            "weekday": rng.randrange(7), "hour": rng.choice(HOURS),
            "lat": None if online else lat0 + rng.uniform(-0.006, 0.006),
            "lon": None if online else lon0 + rng.uniform(-0.008, 0.008),
            "org": rng.randrange(12),
        })

    def slots_of_week(week: int) -> list[Candidate]:
        out = []
        for a in weekly:
            start = now + timedelta(days=7 * week + a["weekday"], hours=a["hour"] - 9)
            out.append(Candidate(slot_id=a["id"] * 100 + week + 10, activity_id=a["id"],
                                 category=a["category"], styles=a["styles"], starts_at=start,
                                 lat=a["lat"], lon=a["lon"], organisation_id=a["org"]))
        return out

    population = []
    for pid in range(people):
        likes = set(rng.sample(categories, rng.choice((1, 2))))
        dislikes = set(rng.sample([c for c in categories if c not in likes], 2))
        home = AREA_CENTRES[rng.choice(areas)]
        population.append({
            "id": pid, "likes": likes, "dislikes": dislikes,
            "free": set(rng.sample(list(FREE_TIMES), rng.choice((1, 2, 3)))),
            "lat": home[0] + rng.uniform(-0.008, 0.008),
            "lon": home[1] + rng.uniform(-0.01, 0.01),
            "styles": {rng.choice(styles)},
        })
    past = [c for week in (-3, -2, -1) for c in slots_of_week(week)]
    upcoming = slots_of_week(0)
    return rng, now, population, past, upcoming


def simulate(seed: int = 7, people: int = 600, activities: int = 60) -> dict[str, float]:
    rng, now, population, past, upcoming = build(seed, people, activities)
    joined_by: dict[int, set[int]] = {}
    tastes: dict[int, Taste] = {}
    for person in population:
        weights = [math.exp(hidden_utility(person, c, rng)) for c in past]
        history = set()
        for _ in range(rng.choice((0, 1, 2, 3, 4))):
            c = rng.choices(past, weights)[0]
            history.add(c.activity_id)
        joined_by[person["id"]] = history
        taste = Taste()
        by_activity = {c.activity_id: c for c in past}
        for aid in history:
            taste.joined[by_activity[aid].category] += 1
            taste.joined_activities.add(aid)
        if rng.random() < 0.6:  # answered the interests questions, not always fully
            taste.categories = {c for c in person["likes"] if rng.random() < 0.8}
            taste.free_times = {t for t in person["free"] if rng.random() < 0.8}
            taste.styles = set(person["styles"]) if rng.random() < 0.5 else set()
        if rng.random() < 0.5:  # shared a location once
            taste.lat, taste.lon = person["lat"], person["lon"]
        for c in past:
            if c.category in person["dislikes"] and rng.random() < 0.03:
                taste.dismissed.add(c.activity_id)
                taste.dismissed_categories[c.category] += 1
                taste.dismissed_organisations[c.organisation_id or -1] += 1
        tastes[person["id"]] = taste

    # the same "people who joined what you joined" as models.recommend.similar_counts
    joiners: dict[int, set[int]] = defaultdict(set)
    for pid, history in joined_by.items():
        for aid in history:
            joiners[aid].add(pid)

    def similar(pid: int) -> dict[int, float]:
        peers: Counter[int] = Counter()
        for aid in joined_by[pid]:
            for other in joiners[aid]:
                if other != pid:
                    peers[other] += 1
        scores: Counter[int] = Counter()
        for other, overlap in peers.items():
            for aid in joined_by[other]:
                if aid not in joined_by[pid]:
                    scores[aid] += overlap
        return dict(scores)

    hits = {"recommend": 0, "by_date": 0, "random": 0}
    evaluated = 0
    started = time.perf_counter()
    by_date = sorted(upcoming, key=lambda c: (c.starts_at, c.slot_id))
    for person in population:
        would = {c.slot_id for c in upcoming if hidden_utility(person, c, rng) >= THRESHOLD}
        if not would:
            continue
        evaluated += 1
        ranked = rank(upcoming, tastes[person["id"]], now=now, tz=TZ,
                      similar=similar(person["id"]), limit=3)
        hits["recommend"] += any(r.candidate.slot_id in would for r in ranked)
        hits["by_date"] += any(c.slot_id in would for c in by_date[:3])
        hits["random"] += any(c.slot_id in would for c in rng.sample(upcoming, 3))
    elapsed = time.perf_counter() - started
    result = {k: v / evaluated for k, v in hits.items()}
    result.update(people=float(evaluated), seconds=elapsed)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 people (CI runs it)")
    parser.add_argument("--people", type=int, default=None, help="default 600")
    parser.add_argument("--activities", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    people = args.people or (200 if args.quick else 600)
    result = simulate(args.seed, people, args.activities)
    print(f"people evaluated (with at least one slot they would join): {int(result['people'])}")
    print(f"hit@3 recommendations : {result['recommend']:.1%}")
    print(f"hit@3 by-date baseline: {result['by_date']:.1%}")
    print(f"hit@3 random 3        : {result['random']:.1%}")
    print(f"ranking time          : {result['seconds']:.2f} s")


if __name__ == "__main__":
    main()
