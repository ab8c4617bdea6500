"""How well does the bot understand what people type? The corpus in tests/data/nlu/ (one
file per language: realistic messages with the meaning each should have: a button, yes/no,
a greeting, a search with its filters, or not understood) read by dialogs/common/understand's
parser; prints the accuracy per language and the messages it got wrong.

    .venv/bin/python bench/nlu_accuracy.py [--quiet]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import DEFAULTS  # noqa: E402
from dialogs.common.understand.parse import FIND_LABELS, understand  # noqa: E402
from dialogs.menu import MENU_ITEMS  # noqa: E402
from dialogs.understand import menu_buttons  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "nlu"
LANGUAGES = ("ja", "ja_easy", "en", "zh", "ko", "vi", "ne")
AREAS = tuple(a.strip() for a in DEFAULTS["AREAS"].split(","))
BUTTONS = tuple(menu_buttons(MENU_ITEMS)
                + [(m, a, tuple(sorted(args.items()))) for m, a, args in FIND_LABELS])


def corpus(language: str) -> list[tuple[str, str]]:
    """(message, expected meaning) of one language's file; '#' lines are comments."""
    rows = []
    for line in (CORPUS / f"{language}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, expected = line.split("\t")
            rows.append((text, expected.strip()))
    return rows


def judge(language: str) -> tuple[int, list[tuple[str, str, str]]]:
    """How many of the language's messages were understood as expected, and the misses."""
    rows, misses = corpus(language), []
    for text, expected in rows:
        got = understand(text, AREAS, BUTTONS).summary()
        if got != expected:
            misses.append((text, expected, got))
    return len(rows), misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, not the misses")
    args = parser.parse_args()
    started = time.perf_counter()
    total = right = 0
    print(f"{'language':<10}{'messages':>9}{'right':>7}{'accuracy':>10}")
    for language in LANGUAGES:
        count, misses = judge(language)
        total, right = total + count, right + count - len(misses)
        print(f"{language:<10}{count:>9}{count - len(misses):>7}"
              f"{(count - len(misses)) / count:>10.1%}")
        if not args.quiet:
            for text, expected, got in misses:
                print(f"    {text!r}: expected {expected!r}, got {got!r}")
    print(f"{'all':<10}{total:>9}{right:>7}{right / total:>10.1%}"
          f"   ({time.perf_counter() - started:.2f} s, tables built once)")


if __name__ == "__main__":
    main()
