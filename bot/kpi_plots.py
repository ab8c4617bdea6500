"""The KPI plots of `machibot kpi report` and of the console's dashboard: trend lines and
bars by group, each against the seed's target, as PNG.

Only that command and the dashboard's plot (console/kpi.py) import this module, when they
draw, so matplotlib (with the Agg backend: no display) is never loaded by the worker or the
scheduler, nor by the web process until staff look at a plot. Labels are drawn with the fonts of
bot/fonts.py (a CJK font, then the locale's script), as the rich menus are; a cell
suppressed by `models.kpi.publish` is drawn as no bar or point, marked "<5".
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure as Plot  # noqa: E402

from bot import kpi_report  # noqa: E402
from bot.fonts import find_font  # noqa: E402
from bot.kernel.i18n import gettext  # noqa: E402
from models import kpi  # noqa: E402

_DRAWING = threading.Lock()
TARGET_COLOUR, BAR_COLOUR, LINE_COLOUR = "#c0392b", "#2e86c1", "#1b4f72"


def png(name: str, totals: Sequence[kpi.Figure], month: Sequence[kpi.Figure], *,
        locale: str) -> bytes:
    """One plot by its name (`kpi_report.plot_names()`; KeyError for another), as PNG.
    `totals`: the trend months' figures without groups; `month`: the reported month's,
    groups included; both already through `kpi.publish`."""
    # matplotlib's settings and font list are global: one drawing at a time (the console
    # draws in a request's thread, and a page asks for its plots at once)
    with _DRAWING, matplotlib.rc_context({"font.family": _font_names(locale)}):
        out = io.BytesIO()
        _plot(name, totals, month, locale).savefig(out, format="png", dpi=100)
        return out.getvalue()


def _plot(name: str, totals: Sequence[kpi.Figure], month: Sequence[kpi.Figure],
          locale: str) -> Plot:
    def label(key: str) -> str:
        return kpi_report.label(key, locale)

    kind, _, key = name.partition("-")
    if kind == "trend" and key in kpi_report.TRENDS:
        return _trend(kpi.of_key(totals, key), label(key), locale)
    if name == "bars-matching_success":
        matching = [f for f in month if f.key == "matching_success"]
        return _bars(matching, [kpi_report.group_label(f, locale) or label(f.key)
                                for f in matching], label(key), locale)
    if kind == "bars" and key in kpi_report.BARS:
        groups = [f for f in month if f.key == key]
        share = kpi_report.BARS[key]
        note = _share_note(month, share, label, locale) if share else ""
        return _bars(groups, [kpi_report.group_label(f, locale) for f in groups],
                     label(key), locale, note=note)
    raise KeyError(name)


def draw(directory: Path, totals: Sequence[kpi.Figure], month: Sequence[kpi.Figure], *,
         locale: str) -> list[Path]:
    """Draw every plot into `directory` as `<name>.png`; the paths written."""
    written = []
    for name in kpi_report.plot_names():
        path = directory / f"{name}.png"
        path.write_bytes(png(name, totals, month, locale=locale))
        written.append(path)
    return written


def _font_names(locale: str) -> list[str]:
    """Font families to draw with: a CJK font (Japanese area names in any report), then the
    locale's own script; matplotlib falls back along the list glyph by glyph."""
    names = []
    for script in dict.fromkeys(("ja", locale)):
        path, _index = find_font(script)
        font_manager.fontManager.addfont(path)
        names.append(font_manager.FontProperties(fname=path).get_name())
    return list(dict.fromkeys(names))


def _number(value: kpi.Cell) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _trend(figures: Sequence[kpi.Figure], title: str, locale: str) -> Plot:
    plot = Plot(figsize=(8, 4.5))
    ax = plot.subplots()
    rate = any(f.is_rate for f in figures)
    scale = 100 if rate else 1
    values = [_number(f.value) * scale for f in figures]
    ax.plot(range(len(figures)), values, marker="o", color=LINE_COLOUR)
    ax.set_xticks(range(len(figures)), [f.month for f in figures], rotation=45)
    for n, f in enumerate(figures):
        if f.value == kpi.SUPPRESSED:
            ax.annotate(kpi.SUPPRESSED, (n, 0), ha="center", va="bottom")
    target = figures[0].target if figures else None
    if target is not None:
        ax.axhline(target * scale, color=TARGET_COLOUR, linestyle="--",
                   label=gettext(locale, "Target: {value}", value=_format(target, rate)))
        ax.legend(loc="best")
    ax.set_title(title)
    _y_range(ax, values, rate)
    plot.tight_layout()
    return plot


def _bars(figures: Sequence[kpi.Figure], names: Sequence[str], title: str, locale: str, *,
          note: str = "") -> Plot:
    plot = Plot(figsize=(8, 4.5))
    ax = plot.subplots()
    rate = any(f.is_rate for f in figures)
    scale = 100 if rate else 1
    heights = [_number(f.value) * scale for f in figures]
    ax.bar(range(len(figures)), [0 if math.isnan(h) else h for h in heights],
           color=BAR_COLOUR)
    ax.set_xticks(range(len(figures)), names, rotation=30, ha="right")
    for n, f in enumerate(figures):
        if f.value == kpi.SUPPRESSED:
            ax.annotate(kpi.SUPPRESSED, (n, 0), ha="center", va="bottom")
    target = kpi.TARGETS.get(figures[0].key) if figures and rate else None
    if target is not None:
        ax.axhline(target * scale, color=TARGET_COLOUR, linestyle="--",
                   label=gettext(locale, "Target: {value}", value=_format(target, rate)))
        ax.legend(loc="best")
    ax.set_title(f"{title}\n{note}" if note else title)
    _y_range(ax, heights, rate)
    plot.tight_layout()
    return plot


def _y_range(ax: Any, values: Sequence[float], rate: bool) -> None:
    """From 0: to 100 % for a rate, else a little above the highest value (at least 1,
    when every cell is suppressed or empty)."""
    if rate:
        ax.set_ylim(0, 100)
        ax.set_ylabel("%")
        return
    highest = max((v for v in values if not math.isnan(v)), default=0.0)
    ax.set_ylim(0, max(1.0, highest * 1.15))


def _share_note(month: Sequence[kpi.Figure], key: str, label: Callable[[str], str],
                locale: str) -> str:
    """"Share of foreign residents: 30% (target: 25%)" under a breakdown's title."""
    found = kpi.of_key(month, key)
    if not found:
        return ""
    share = found[0]
    value = share.value if share.value in (kpi.SUPPRESSED, None) else _format(share.value, True)
    target = gettext(locale, "Target: {value}", value=_format(kpi.TARGETS[key], True))
    return f"{label(key)}: {value or '-'} ({target})"


def _format(value: kpi.Cell, rate: bool) -> str:
    if not isinstance(value, int | float):
        return str(value)
    return f"{value * 100:.0f}%" if rate else f"{value:,.0f}"
