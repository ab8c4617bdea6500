"""`machibot kpi report --month YYYY-MM --out DIR`: the ward's KPIs (models/kpi.py) as CSV
and PNG, for staff and for publishing.

DIR receives `figures.csv` (the month: every figure and breakdown, each with the seed's
target where it names one), `trend.csv` (the totals of the months up to it), `open-data.csv`
(the aggregate figures a ward may publish) and the plots (`trend-*.png`, `bars-*.png`). The
CSV files are UTF-8 with a byte order mark, so that Excel opens the Japanese as it is. Every
cell goes through `models.kpi.publish`: counts of 1 to 4 people read "<5". The command prints
file names only, never a person's data.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.db import session_scope
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext, language_name
from models import kpi
from models.users import AGE_BANDS

COLUMNS = ["month", "figure", "label", "group", "group_label", "value", "numerator",
           "denominator", "target", "provisional"]
# the split by ranking and baseline measures the bot, not the ward: not for publishing
NOT_PUBLISHED = {("matching_success", kpi.RANKING), ("matching_success", kpi.BASELINE)}


@click.group("kpi")
def kpi_group() -> None:
    """The ward's KPIs: matching, continuation, participation, counts."""


@kpi_group.command("report")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM",
              help="The month to report (in the ward's time zone).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="The directory to write the CSV files and plots into (made if missing).")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 120),
              help="How many months the trends cover, up to --month.")
@click.option("--locale", "locale", default=None, type=click.Choice(list(SUPPORTED_LOCALES)),
              help="The language of the labels (default: BOT_DEFAULT_LOCALE).")
@with_appcontext
def report(month_text: str, out: str, months: int, locale: str | None) -> None:
    """Write the KPIs of --month as CSV files and PNG plots into --out."""
    try:
        month = kpi.parse_month(month_text)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM", param_hint="--month") from None
    config = current_app.config
    locale = locale or config["BOT_DEFAULT_LOCALE"]
    now = datetime.now(UTC)
    with session_scope() as session:
        trend = kpi.published(kpi.trend(session, month, months, tz=config["BOT_TIMEZONE"],
                                        now=now))
    this_month = [f for f in trend if f.month == f"{month:%Y-%m}"]
    totals = [f for f in trend if not f.group]
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    written = [
        _write_csv(directory / "figures.csv", this_month, locale),
        _write_csv(directory / "trend.csv", totals, locale),
        _write_csv(directory / "open-data.csv",
                   [f for f in this_month if (f.key, f.group) not in NOT_PUBLISHED], locale),
    ]
    # matplotlib is loaded here only, by this command: no server process pays for it
    from bot.cli import kpi_plots

    written += kpi_plots.draw(directory, totals, this_month, locale=locale,
                              label=lambda key: label(key, locale),
                              group_label=lambda f: group_label(f, locale))
    for path in written:
        click.echo(path)


def label(key: str, locale: str) -> str:
    return gettext(locale, kpi.LABELS[key]) if key in kpi.LABELS else key


def group_label(figure: kpi.Figure, locale: str) -> str:
    """An age band, a language or an area as people read it."""
    if figure.key == "participants_by_age_band" and figure.group in AGE_BANDS:
        return gettext(locale, AGE_BANDS[figure.group])
    if figure.key == "participants_by_language" and figure.group in SUPPORTED_LOCALES:
        return language_name(figure.group)
    return label(figure.group, locale) if figure.group else ""


def _cell(value: kpi.Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def rows(figures: Iterable[kpi.Figure], locale: str) -> list[list[str]]:
    return [[f.month, f.key, label(f.key, locale), f.group, group_label(f, locale),
             _cell(f.value), _cell(f.numerator), _cell(f.denominator), _cell(f.target),
             "1" if f.provisional else ""] for f in figures]


def _write_csv(path: Path, figures: Sequence[kpi.Figure], locale: str) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(rows(figures, locale))
    return path
