"""The KPI figures (models/kpi.py) as people read them: labels in their language, the rows
of the report's CSV files, and which figures a ward publishes as open data. One place for
`machibot kpi report` (bot/cli/kpi.py) and the console's dashboard (console/kpi.py), so the
two show the same numbers under the same names.

Every figure shown passes `models.kpi.publish` first (counts of 1 to 4 people read "<5");
the callers do that, once, on the figures they were given. The CSV files are UTF-8 with a
byte order mark, so that Excel opens the Japanese as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from bot.kernel.i18n import SUPPORTED_LOCALES, gettext, language_name
from models import kpi
from models.users import AGE_BANDS

COLUMNS = ["month", "figure", "label", "group", "group_label", "value", "numerator",
           "denominator", "target", "provisional"]
# the split by ranking and baseline measures the bot, not the ward: not for publishing
NOT_PUBLISHED = {("matching_success", kpi.RANKING), ("matching_success", kpi.BASELINE)}
CSV_FILES = ("figures.csv", "trend.csv", "open-data.csv")
# the plots (bot/kpi_plots.py): a trend line of each of these figures over the months...
TRENDS = ("matching_success", "continuation_90", "continuation_180", "participants",
          "young_share", "foreign_share", "active_users", "new_friends", "users",
          "organisations_registered")
# ...and bars by group: the figure whose bars are drawn, and the share set against its target
BARS = {"matching_success": None, "participants_by_age_band": "young_share",
        "participants_by_language": "foreign_share", "participants_by_area": None}


def plot_names() -> list[str]:
    """Every plot's name (its file name without ".png"), in the order they are shown."""
    return [f"trend-{key}" for key in TRENDS] + [f"bars-{key}" for key in BARS]


def label(key: str, locale: str) -> str:
    return gettext(locale, kpi.LABELS[key]) if key in kpi.LABELS else key


def group_label(figure: kpi.Figure, locale: str) -> str:
    """An age band, a language or an area as people read it."""
    if figure.key == "participants_by_age_band" and figure.group in AGE_BANDS:
        return gettext(locale, AGE_BANDS[figure.group])
    if figure.key == "participants_by_language" and figure.group in SUPPORTED_LOCALES:
        return language_name(figure.group)
    return label(figure.group, locale) if figure.group else ""


def cell(value: kpi.Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def safe(text: str) -> str:
    """A text a spreadsheet would take for a formula (an area named "=HYPERLINK(...)") is
    written as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rows(figures: Iterable[kpi.Figure], locale: str) -> list[list[str]]:
    return [[f.month, f.key, label(f.key, locale), safe(f.group), safe(group_label(f, locale)),
             cell(f.value), cell(f.numerator), cell(f.denominator), cell(f.target),
             "1" if f.provisional else ""] for f in figures]


def split(trend: Sequence[kpi.Figure], month: str) -> tuple[list[kpi.Figure],
                                                             list[kpi.Figure]]:
    """(the totals of every month of `trend`, every figure of `month`, groups included)."""
    return [f for f in trend if not f.group], [f for f in trend if f.month == month]


def csv_files(trend: Sequence[kpi.Figure], month: str, locale: str) -> dict[str, bytes]:
    """The report's CSV files by name: `figures.csv` (the month: every figure and
    breakdown, each with the seed's target where it names one), `trend.csv` (the totals of
    every month) and `open-data.csv` (the aggregate figures a ward may publish).
    `trend`: published figures."""
    totals, this_month = split(trend, month)
    return {
        "figures.csv": _csv(this_month, locale),
        "trend.csv": _csv(totals, locale),
        "open-data.csv": _csv([f for f in this_month if (f.key, f.group) not in NOT_PUBLISHED],
                              locale),
    }


def _csv(figures: Sequence[kpi.Figure], locale: str) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerows(rows(figures, locale))
    return text.getvalue().encode("utf-8-sig")
