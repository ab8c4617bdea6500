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

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot import kpi_report
from bot.db import session_scope
from bot.kernel.i18n import SUPPORTED_LOCALES
from models import kpi


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
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in kpi_report.csv_files(trend, f"{month:%Y-%m}", locale).items():
        (directory / name).write_bytes(content)
        written.append(directory / name)
    # matplotlib is loaded here only, by this command: no server process pays for it
    from bot import kpi_plots

    totals, this_month = kpi_report.split(trend, f"{month:%Y-%m}")
    written += kpi_plots.draw(directory, totals, this_month, locale=locale)
    for path in written:
        click.echo(path)
