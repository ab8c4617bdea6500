"""The translation job on an import: how many calls to the translator, and the time the job
spends besides the translator's own, for each TRANSLATOR_BATCH.

    .venv/bin/python bench/translation_bench.py                 # 10,000 activities
    .venv/bin/python bench/translation_bench.py --quick         # 1,000
    .venv/bin/python bench/translation_bench.py --batches 1,20,50 --latency-ms 300

A scratch SQLite file gets N activities (a title each, a description for half) by bulk
INSERT and their translation requests as an import leaves them (models/translating.py
`request`); then the job's rounds (`translate_due`, one transaction a round) run until none
is left, against a translator that answers at once and counts the calls and texts. Printed
per batch size: calls, texts per call, the job's own time, and that time plus
--latency-ms per call (a LibreTranslate server's answer time, to be measured on its host).
Figures only: no thresholds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, delete, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from models import Base  # noqa: E402
from models.activities import Activity  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.texts import ContentText  # noqa: E402
from models.translating import TranslationRequest, request, translate_due  # noqa: E402


class Counting:
    def __init__(self) -> None:
        self.calls = self.texts = 0

    def __call__(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        self.calls += 1
        self.texts += len(texts)
        return [f"[{target}] {text}" for text in texts]


def one_size(engine, count: int, batch: int, latency_ms: float) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        session.execute(delete(ContentText))
        session.execute(delete(TranslationRequest))
        request(session.connection(), (("activity", i, "ja") for i in range(1, count + 1)),
                utcnow())
    translate = Counting()
    rounds, started = 0, time.perf_counter()
    while True:
        with Session(engine) as session, session.begin():
            outcome = translate_due(session, translate, utcnow(), limit=batch)
        rounds += 1
        if not outcome.done:
            break
    spent = time.perf_counter() - started
    with Session(engine) as session:
        left = session.scalar(select(TranslationRequest.id).limit(1))
        assert left is None, "requests left"
    print(f"batch {batch:>4}: {translate.calls:>6} calls, "
          f"{translate.texts / max(translate.calls, 1):6.1f} texts a call, {rounds:>6} rounds, "
          f"job {spent:7.1f} s, with {latency_ms:.0f} ms a call "
          f"{spent + translate.calls * latency_ms / 1000:8.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 activities")
    parser.add_argument("--batches", default="1,20,50")
    parser.add_argument("--latency-ms", type=float, default=200.0)
    args = parser.parse_args()
    count = 1_000 if args.quick else args.count
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'bench.db'}")
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            session.execute(insert(Activity), [
                {"id": i, "title": f"公園の花壇づくり {i}", "category": "environment",
                 "description": f"花を植えます {i}" if i % 2 else "", "styles": [],
                 "skills": []} for i in range(1, count + 1)])
        print(f"{count} activities, {len(args.batches.split(','))} batch sizes")
        for batch in (int(b) for b in args.batches.split(",")):
            one_size(engine, count, batch, args.latency_ms)
        engine.dispose()


if __name__ == "__main__":
    main()
