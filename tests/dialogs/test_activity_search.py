"""Keyword search's ranking whatever the page size (a page of title hits from the earliest
slots, or every match ranked), short Japanese words, and PostgreSQL's trigram index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.db import session_scope
from dialogs.common.activity_search import Filters, search
from tests.activity_factory import make_slot


def _found(app, keyword: str, limit: int = 60) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(app) as session:
        hits = search(session, Filters(keyword=keyword), now=datetime.now(UTC),
                      tz="Asia/Tokyo", limit=limit)
        return [h.slot.activity.title for h in hits]


@pytest.fixture
def parks(app):  # type: ignore[no-untyped-def]
    """Titles with 公園 on days 1, 3, 5 and 6; descriptions only on days 2 and 4."""
    for day, title, description in [
            (1, "公園の花壇づくり", ""), (2, "川のそうじ", "公園の近くです"),
            (3, "公園のごみ拾い", ""), (4, "読み聞かせ", "公園で読みます"),
            (5, "公園の草取り", ""), (6, "公園で体操", ""), (7, "防災訓練", "")]:
        make_slot(app, title=title, description=description, code=str(100 + day),
                  starts_in=timedelta(days=day), organisation=None)
    return app


def test_titles_rank_first_whatever_the_page_size(parks):
    everything = ["公園の花壇づくり", "公園のごみ拾い", "公園の草取り", "公園で体操",
                  "川のそうじ", "読み聞かせ"]
    assert _found(parks, "公園") == everything
    # the earliest slots hold a page of title hits: the same page the ranking gives
    assert _found(parks, "公園", limit=2) == everything[:2]
    # they do not (four titles for a page of five): every match ranked
    assert _found(parks, "公園", limit=5) == everything[:5]


@pytest.mark.parametrize(("typed", "titles"), [
    ("花", ["公園の花壇づくり"]), ("体操", ["公園で体操"]), ("読", ["読み聞かせ"]),
    ("近く", ["川のそうじ"])])
def test_one_or_two_japanese_letters_still_find(parks, typed, titles):
    """Shorter than a trigram: no trigram index serves them, and they are found all the
    same, in the titles and the descriptions."""
    assert _found(parks, typed) == titles


def test_postgresql_finds_a_word_through_the_trigram_index(app):
    make_slot(app, title="高円寺の公園で花壇づくり", code="123", area="高円寺", organisation=None)
    with session_scope(app) as session:
        if session.connection().dialect.name != "postgresql":
            pytest.skip("the trigram index is PostgreSQL's")
        session.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: force the choice
        plan = "\n".join(session.scalars(text(
            "EXPLAIN SELECT id FROM activities WHERE search_text LIKE '%koenji%'")))
    assert "ix_activities_search_text_trgm" in plan
    assert _found(app, "koenji") == ["高円寺の公園で花壇づくり"]
