"""The ward's KPI dashboard (staff only): a month's figures against the seed's targets, the
trend lines and the bars by group as plots, each with its figures as a table beside it, and
the month's report to download (the open-data CSV, every figure, the trend, and all of it
with the plots as one ZIP file).

The figures are those the scheduler keeps (models/kpi_store.py: computing a month over the
whole population takes seconds, reading it back a few milliseconds), passed through
`kpi.publish` once, here: the page, the plots and the files show the same numbers, and a
count of 1 to 4 people reads "<5" in each. Labels, CSV rows and plots are those of
`machibot kpi report` (bot/kpi_report.py, bot/kpi_plots.py).
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from datetime import UTC, date, datetime

from flask import abort, current_app, render_template, request
from werkzeug import Response

from bot import kpi_report
from bot.keys import key
from bot.redis_store import get_redis
from console import people
from console.blueprint import bp
from console.db import db
from console.i18n import locale
from models import kpi, kpi_store
from models.users import audit

TREND_MONTHS = 12
MONTH = re.compile(r"\d{4}-\d{2}")
FIRST_MONTH = "2000-01"
# the figures of the month's table, in the order the seed names its aims
SUMMARY = ("matching_success", "continuation_90", "continuation_180", "young_share",
           "foreign_share", "participants", "users", "organisations_registered",
           "organisations_verified", "initiatives_reaching_a_gathering", "ideas_submitted",
           "ideas_adopted", "new_friends", "active_users", "supporter_sessions")
ZIP_NAME = "report.zip"
PLOT_SECONDS = 24 * 3_600  # a drawn plot is kept this long (its key names the figures' time)


def _now() -> datetime:
    return datetime.now(UTC)


def _months() -> list[date]:
    """The months staff may choose, the latest first."""
    current = kpi_store.this_month(_now(), current_app.config["BOT_TIMEZONE"])
    return list(reversed(kpi.months_up_to(current, kpi_store.KEPT_MONTHS)))


def _month(text: str | None) -> date:
    """The month asked for (the current one when none); 404 for one malformed or still to
    come."""
    months = _months()
    if not text:
        return months[0]
    if not MONTH.fullmatch(text) or not 1 <= int(text[5:]) <= 12 or text < FIRST_MONTH:
        abort(404)
    month = kpi.parse_month(text)
    if month > months[0]:
        abort(404)
    return month


def _trend(month: date) -> tuple[list[kpi.Figure], list[date]]:
    """The published figures of the TREND_MONTHS months up to `month` that are kept, and
    the months not kept yet."""
    figures, missing = kpi_store.trend(db(), month, TREND_MONTHS)
    return kpi.published(figures), missing


def _shown(figure: kpi.Figure) -> str:
    """A value as the page shows it: "72%", "1,234", "<5", or "–" for none."""
    if figure.value is None:
        return "–"
    if figure.value == kpi.SUPPRESSED or not isinstance(figure.value, int | float):
        return str(figure.value)
    return f"{figure.value * 100:.1f}%" if figure.is_rate else f"{figure.value:,}"


def _target(figure: kpi.Figure) -> str:
    target = figure.target
    if target is None:
        return ""
    return f"{target * 100:.0f}%" if figure.is_rate else f"{target:,.0f}"


def _met(figure: kpi.Figure) -> bool | None:
    """Whether the figure reaches its target (None: no target, or nothing to tell)."""
    if figure.target is None or not isinstance(figure.value, int | float):
        return None
    return figure.value >= figure.target


def _row(figure: kpi.Figure, code: str) -> dict:
    return {"figure": figure, "label": kpi_report.label(figure.key, code),
            "group": kpi_report.group_label(figure, code), "value": _shown(figure),
            "parts": (f"{figure.numerator} / {figure.denominator}"
                      if figure.is_rate and figure.denominator else ""),
            "target": _target(figure), "met": _met(figure)}


def _plots(totals: list[kpi.Figure], this_month: list[kpi.Figure], code: str) -> list[dict]:
    """Each plot with the figures it draws, for the table beside it."""
    shown = []
    for name in kpi_report.plot_names():
        kind, _, key = name.partition("-")
        figures = (kpi.of_key(totals, key) if kind == "trend"
                   else [f for f in this_month if f.key == key])
        shown.append({"name": name, "trend": kind == "trend",
                      "label": kpi_report.label(key, code),
                      "rows": [_row(f, code) for f in figures]})
    return shown


@bp.get("/kpi")
@people.staff_only
def kpi_dashboard() -> str:
    month = _month(request.args.get("month"))
    code = locale()
    trend, missing = _trend(month)
    totals, this_month = kpi_report.split(trend, f"{month:%Y-%m}")
    summary = [_row(f, code) for key in SUMMARY for f in kpi.of_key(this_month, key)]
    months = _months()
    return render_template("console/kpi.html", month=month,
                           months=months if month in months else [*months, month],
                           summary=summary, plots=_plots(totals, this_month, code),
                           computed_at=kpi_store.computed_at(db(), [month]),
                           missing=[f"{m:%Y-%m}" for m in missing],
                           files=kpi_report.CSV_FILES, zip_name=ZIP_NAME)


@bp.get("/kpi/<month_text>/<name>.png")
@people.staff_only
def kpi_plot(month_text: str, name: str) -> Response:
    month = _month(month_text)
    if name not in kpi_report.plot_names():
        abort(404)
    return Response(_plot(month, name, locale()), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


def _plot(month: date, name: str, code: str) -> bytes:
    """A plot as PNG: drawn once for the figures as kept, then read from Redis (drawing
    takes about half a second of CPU, and the page shows fourteen)."""
    stamp = kpi_store.computed_at(db(), kpi.months_up_to(month, TREND_MONTHS))
    cached = key("console", "kpi_plot", f"{month:%Y-%m}", name, code,
                 stamp.isoformat() if stamp else "none")
    found = get_redis().get(cached)  # base64: the app's client reads text
    if found is not None:
        return base64.b64decode(found)
    # matplotlib is loaded when a plot is first drawn, not when the web process starts
    from bot import kpi_plots

    totals, this_month = kpi_report.split(_trend(month)[0], f"{month:%Y-%m}")
    png = kpi_plots.png(name, totals, this_month, locale=code)
    get_redis().set(cached, base64.b64encode(png).decode("ascii"), ex=PLOT_SECONDS)
    return png


@bp.get("/kpi/<month_text>/<filename>")
@people.staff_only
def kpi_download(month_text: str, filename: str) -> Response:
    """One of the report's CSV files, or all of them with the plots as a ZIP file;
    audit-logged."""
    month = _month(month_text)
    if filename not in (*kpi_report.CSV_FILES, ZIP_NAME):
        abort(404)
    code = locale()
    trend, _missing = _trend(month)
    files = kpi_report.csv_files(trend, month_text, code)
    audit(db(), "kpi.download", actor=people.person(), month=month_text, file=filename)
    db().commit()
    attachment = f"machibot-kpi-{month_text}-{filename}"
    if filename != ZIP_NAME:
        return Response(files[filename], mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{attachment}"'})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name in kpi_report.plot_names():
            archive.writestr(f"{name}.png", _plot(month, name, code))
    return Response(out.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{attachment}"'})
