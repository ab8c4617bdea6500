"""The KPI dashboard: staff read a month's figures against the targets, kept by the
scheduler's job and equal to those computed live; small counts read "<5" on the page, in
the plots' tables and in the files; the open data downloads; residents and organisers are
refused everything."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from datetime import timedelta

import pytest
from PIL import Image

from bot import kpi_figures, kpi_report
from bot.db import session_scope
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from models import kpi, kpi_store
from tests.console.helpers import audited
from tests.fonts_required import needs_fonts
from tests.kpi_factory import APRIL, NOW, make_population

PAGE = "/console/kpi?month=2026-04"
PLOT = "/console/kpi/2026-04/trend-matching_success.png"
CSV = "/console/kpi/2026-04/open-data.csv"
ZIP = "/console/kpi/2026-04/report.zip"


def ja(msgid, **params):
    return gettext("ja", msgid, **params)


@pytest.fixture
def kept(app):
    """The population of tests/kpi_factory.py, its months computed by the scheduler's job."""
    make_population(app)
    assert "2026-04" in kpi_figures.refresh(app, now=NOW)


@pytest.fixture
def staff(person, browser):
    return browser(person("区職員", staff=True))


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def _shown(page: str, label: str) -> str:
    """The value the month's table shows for a figure (its first cell after the label)."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>\s*<td>(.*?)(?: <|</td>)',
                      page)
    assert found, f"{label} is not on the page"
    return found[1].strip()


def test_the_kept_figures_are_those_computed_live(app, kept):
    with session_scope(app) as session:
        live = kpi.trend(session, APRIL, 3, tz="Asia/Tokyo", now=NOW)
        assert kpi_store.trend(session, APRIL, 3) == (live, [])
        # computed again only while a window is open: not April at the start of December
        assert kpi_store.refresh(session, tz="Asia/Tokyo", now=NOW) == [NOW.date().replace(
            day=1)]
    # a day later, the months whose 180 days have not passed yet are computed again
    assert kpi_figures.refresh(app, now=NOW + timedelta(days=1)) == [
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]


def test_staff_read_the_month_against_its_targets_with_small_counts_hidden(app, kept, staff):
    page = _text(staff.get(PAGE))
    assert _shown(page, ja(kpi.LABELS["young_share"])) == "83.3%"  # 5 of 6 who told
    assert "(5 / 6)" in page
    assert _shown(page, ja(kpi.LABELS["foreign_share"])) == "<5"  # 3 of 10
    assert _shown(page, ja(kpi.LABELS["participants"])) == "10"
    assert _shown(page, ja(kpi.LABELS["organisations_registered"])) == "2"
    assert _shown(page, ja(kpi.LABELS["matching_success"])) == "<5"  # two matches
    assert _shown(page, ja(kpi.LABELS["continuation_90"])) == "<5"  # three came back
    assert _shown(page, ja(kpi.LABELS["supporter_sessions"])) == "<5"
    assert "70%" in page and "35%" in page and "1,000" in page and "100,000" in page
    assert ja("Met") in page and ja("Below target") in page
    # each plot has its alternative text and its figures as a table beside it
    for name in kpi_report.plot_names():
        assert f'id="{name}"' in page and f"/console/kpi/2026-04/{name}.png" in page
    assert len(re.findall(r'<img [^>]*alt="[^"]+"', page)) == len(kpi_report.plot_names())
    by_band = page[page.index('id="bars-participants_by_age_band"'):]
    by_band = by_band[:by_band.index("</figure>")]
    assert '<th scope="row">20代</th><td><5</td>' in by_band  # four people
    assert '<th scope="row">不明</th><td><5</td>' in by_band


def test_months_not_computed_yet_are_named_not_computed_during_the_request(app, staff):
    make_population(app)
    page = _text(staff.get(PAGE))
    assert ja("Not computed yet: {months}. The figures are computed every hour.",
              months="2025-05, 2025-06, 2025-07, 2025-08, 2025-09, 2025-10, 2025-11, "
                     "2025-12, 2026-01, 2026-02, 2026-03, 2026-04") in page
    assert kpi_figures.refresh(app, now=NOW)
    assert 'class="warning"' not in _text(staff.get(PAGE))


def test_staff_open_the_page_in_every_language(app, kept, person, browser):
    for code in SUPPORTED_LOCALES:
        reader = browser(person(f"職員{code}", staff=True, locale=code))
        page = _text(reader.get(PAGE))
        assert gettext(code, "KPIs") in page
        assert gettext(code, kpi.LABELS["young_share"]) in page


def test_the_open_data_downloads_with_small_counts_hidden_and_is_audit_logged(app, kept,
                                                                               staff):
    answer = staff.get(CSV)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    raw = answer.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {(r["figure"], r["group"]): r
            for r in csv.DictReader(raw.decode("utf-8-sig").splitlines())}
    assert rows[("young_share", "")]["value"] == "0.8333"
    assert rows[("participants_by_age_band", "40s")]["value"] == "<5"
    assert ("matching_success", "baseline") not in rows
    assert [(r.detail["month"], r.detail["file"]) for r in audited(app, "kpi.download")] == [
        ("2026-04", "open-data.csv")]


@needs_fonts
def test_the_plots_are_drawn_and_the_report_downloads_whole(app, kept, staff):
    answer = staff.get(PLOT)
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    with Image.open(io.BytesIO(answer.get_data())) as image:
        assert image.format == "PNG" and image.width >= 600
    archive = zipfile.ZipFile(io.BytesIO(staff.get(ZIP).get_data()))
    assert set(archive.namelist()) == {*kpi_report.CSV_FILES,
                                       *(f"{n}.png" for n in kpi_report.plot_names())}


@pytest.mark.parametrize("path", ["/console/kpi?month=2026-13", "/console/kpi?month=April",
                                  "/console/kpi?month=2999-01",
                                  "/console/kpi/2026-04/nothing.png",
                                  "/console/kpi/2026-04/secrets.csv"])
def test_a_month_or_file_that_is_not_there_is_not_found(staff, path):
    assert staff.get(path).status_code == 404


@pytest.mark.parametrize("member", [False, True], ids=["resident", "organisation-member"])
@pytest.mark.parametrize("path", ["/console/kpi", PAGE, PLOT, CSV, ZIP])
def test_residents_and_organisers_are_refused(app, person, browser, organisation, path,
                                              member):
    me = person()
    if member:
        organisation(me, "自分の会")
    assert browser(me).get(path).status_code == 403
    assert audited(app, "kpi.download") == []


def test_the_signed_out_are_sent_to_sign_in(browser):
    answer = browser().get(PAGE)
    assert answer.status_code == 302 and "/console/sign-in" in answer.headers["Location"]


def test_staff_see_the_link_and_residents_do_not(person, browser, staff):
    assert 'href="/console/kpi"' in staff.get("/console/").get_data(as_text=True)
    assert 'href="/console/kpi"' not in browser(person()).get("/console/").get_data(
        as_text=True)


@needs_fonts
def test_a_plot_is_drawn_again_once_the_figures_are_computed_again(app, kept, staff):
    first = staff.get(PLOT).get_data()
    assert staff.get(PLOT).get_data() == first  # kept, not drawn again
    with session_scope(app) as session:
        kpi_store.store(session, [kpi.Figure("users", "2026-04", 10)], month=APRIL,
                        computed_at=NOW.replace(day=2))
    assert staff.get(PLOT).get_data() != first  # April's matching success is gone
