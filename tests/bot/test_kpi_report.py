"""`machibot kpi report`: the figures as CSV a spreadsheet opens, the plots as PNG, nothing
that names a person, and matplotlib never loaded by the bot's own processes."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from PIL import Image

from bot import fonts
from tests.kpi_factory import make_population


def _rows(path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8, Japanese intact
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def _fonts_installed() -> bool:
    try:
        fonts.find_font("ja")
    except fonts.FontMissing:
        return False
    return True


@pytest.mark.skipif(not _fonts_installed(), reason="no CJK font (fonts-noto-cjk)")
def test_the_report_writes_the_month_s_figures_plots_and_open_data(app, tmp_path):
    make_population(app)
    out = tmp_path / "report"
    result = app.test_cli_runner().invoke(
        args=["kpi", "report", "--month", "2026-04", "--out", str(out), "--months", "3"])
    assert result.exit_code == 0, result.output

    figures = {(r["figure"], r["group"]): r for r in _rows(out / "figures.csv")}
    matching = figures[("matching_success", "")]
    assert (matching["label"], matching["value"], matching["numerator"],
            matching["denominator"], matching["target"]) == (
        "マッチング成功率", "<5", "<5", "9", "0.7000")  # two matches: under five people
    young = figures[("young_share", "")]
    assert (young["value"], young["numerator"], young["denominator"], young["target"]) == (
        "0.8333", "5", "6", "0.3500")
    assert figures[("participants", "")]["value"] == "10"
    assert figures[("participants_by_area", "阿佐谷")]["value"] == "8"
    assert figures[("participants_by_age_band", "20s")]["group_label"] == "20代"
    assert figures[("participants_by_age_band", "40s")]["value"] == "<5"  # one person
    assert figures[("supporter_sessions", "")]["value"] == "<5"
    assert figures[("organisations_registered", "")]["value"] == "2"  # not people

    trend = _rows(out / "trend.csv")
    assert [r["value"] for r in trend if r["figure"] == "participants"] == ["0", "<5", "10"]
    published = {(r["figure"], r["group"]) for r in _rows(out / "open-data.csv")}
    assert ("matching_success", "") in published
    assert ("matching_success", "baseline") not in published

    for name in ("trend-matching_success.png", "bars-participants_by_age_band.png",
                 "bars-participants_by_language.png", "bars-matching_success.png"):
        with Image.open(out / name) as image:
            assert image.format == "PNG" and image.width >= 600

    written = result.output + "".join(p.read_text(encoding="utf-8-sig")
                                      for p in out.glob("*.csv"))
    for i in range(11):
        assert f"住民{i}さん" not in written and f"U{i:032x}" not in written


def test_a_malformed_month_is_refused(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["kpi", "report", "--month", "April", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "YYYY-MM" in result.output


def test_no_process_of_the_bot_loads_matplotlib(tmp_path):
    code = ("import sys\n"
            "from bot.app import create_app\n"
            f"create_app({{'DATABASE_URL': 'sqlite:///{tmp_path}/db.sqlite'}})\n"
            "print('matplotlib' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    assert result.stdout.strip() == "False"
