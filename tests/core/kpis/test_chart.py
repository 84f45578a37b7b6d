"""The KPI chart's words: the reader's locale when a CJK font is found at run time, English (and a log line)
when none is; never a download. Both paths, whatever fonts this machine has."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from matplotlib import pyplot as plt

from bot.core.kpis import chart, present
from bot.core.services import Services, build_services
from tests.conftest import make_settings

WEEKS = [(dt.date(2026, 11, 2), {"show_rate": 0.8}), (dt.date(2026, 11, 9), {"show_rate": None})]
DEJAVU = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return build_services(make_settings(tmp_path))


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """What the chart would be drawn with: labels, title and the font family in force."""
    calls: list[dict[str, Any]] = []

    def spy(weeks: object, labels: Mapping[str, str], title: str) -> bytes:
        calls.append({"labels": dict(labels), "title": title, "family": list(plt.rcParams["font.family"])})
        return b"\x89PNG"

    monkeypatch.setattr(chart, "_draw", spy)
    chart.cjk_font.cache_clear()
    yield calls
    chart.cjk_font.cache_clear()


def test_without_a_cjk_font_the_words_are_english_and_it_is_logged(
    services: Services, drawn: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    monkeypatch.setattr(chart, "CJK_FONTS", ())
    monkeypatch.setattr(chart, "fontconfig_chinese_files", lambda: [])
    with caplog.at_level(logging.INFO, logger="bot.core.kpis.chart"):
        assert present.chart_png(services, WEEKS, "zh-Hant") == b"\x89PNG"
    label = services.messages.label
    assert drawn[0]["labels"]["show_rate"] == label("en", "kpi_show_rate")
    assert drawn[0]["title"] == label("en", "kpi_chart_title")
    assert "no CJK font" in caplog.text


def test_a_cjk_font_found_at_run_time_is_used_with_the_readers_locale(
    services: Services, drawn: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """fontconfig names a font file for Chinese (stood in for by a font every matplotlib has): it is registered
    and used, and the words are the reader's."""
    monkeypatch.setattr(chart, "CJK_FONTS", ())
    monkeypatch.setattr(chart, "fontconfig_chinese_files", lambda: ["/nonexistent/broken.ttc", DEJAVU])
    assert present.chart_png(services, WEEKS, "zh-Hans") == b"\x89PNG"
    label = services.messages.label
    assert drawn[0]["labels"]["show_rate"] == label("zh-Hans", "kpi_show_rate") != label("en", "kpi_show_rate")
    assert drawn[0]["title"] == label("zh-Hans", "kpi_chart_title")
    assert drawn[0]["family"][0] == "DejaVu Sans"


def test_fontconfig_is_asked_for_chinese_font_files(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []

    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        asked.append(args)
        listed = "/f/NotoSansCJK-Regular.ttc: \n/f/wqy-zenhei.ttc: \n/f/NotoSansCJK-Regular.ttc: \n"
        return subprocess.CompletedProcess(args, 0, listed, "")

    monkeypatch.setattr(chart.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(chart.subprocess, "run", run)
    assert chart.fontconfig_chinese_files() == ["/f/NotoSansCJK-Regular.ttc", "/f/wqy-zenhei.ttc"]
    assert asked == [["/usr/bin/fc-list", ":lang=zh", "file"]]
    monkeypatch.setattr(chart.shutil, "which", lambda name: None)
    assert chart.fontconfig_chinese_files() == []  # no fontconfig: nothing found, nothing fetched


def test_the_real_chart_is_a_png_whatever_the_fonts() -> None:
    chart.cjk_font.cache_clear()
    png = chart.render(WEEKS, {"show_rate": "Show rate"}, "Trends")
    assert png.startswith(b"\x89PNG") and len(png) > 1000
