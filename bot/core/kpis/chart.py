"""The weekly trends as a PNG (matplotlib, Agg backend: no display needed; no telegram import).

Chinese labels need a CJK font, looked for at run time: one of CJK_FONTS that matplotlib knows, else the first
font fontconfig lists for Chinese (`fc-list :lang=zh`), registered with matplotlib. Nothing is ever downloaded.
When there is none, the chart's words fall back to English with a log line (the figures in the chat message stay
in the reader's locale), rather than drawing empty boxes.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from functools import cache

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib import pyplot as plt

log = logging.getLogger(__name__)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft JhengHei",
             "Microsoft YaHei", "PingFang SC", "Heiti TC", "SimHei")  # fmt: skip


def fontconfig_chinese_files() -> list[str]:
    """The font files fontconfig says cover Chinese (`fc-list :lang=zh file`); none without fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        listed = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10,
                                check=False).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":", 1)[0].strip() for line in listed.splitlines() if line.strip()})


@cache
def cjk_font() -> str | None:
    """The family of an installed font that has Chinese glyphs, if any (looked for once a process)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    known = next((name for name in CJK_FONTS if name in installed), None)
    if known is not None:
        return known
    for path in fontconfig_chinese_files():
        try:
            font_manager.fontManager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
        except (OSError, RuntimeError, ValueError):
            continue
    log.info("no CJK font installed (fc-list :lang=zh lists none): the KPI chart's labels are in English")
    return None


def render(
    weeks: Sequence[tuple[dt.date, Mapping[str, float | None]]], labels: Mapping[str, str], title: str
) -> bytes:
    """One line per KPI (a rate, drawn as %), one point per week; a week without data leaves a gap."""
    font = cjk_font()
    families = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context(families):
        return _draw(weeks, labels, title)


def _draw(weeks: Sequence[tuple[dt.date, Mapping[str, float | None]]], labels: Mapping[str, str], title: str) -> bytes:
    figure, axes = plt.subplots(figsize=(9, 4.8), dpi=100)
    try:
        x = [monday for monday, _ in weeks]
        for code, label in labels.items():
            y = [None if values.get(code) is None else 100 * float(values[code]) for _, values in weeks]  # type: ignore[arg-type]
            axes.plot(x, [float("nan") if v is None else v for v in y], marker="o", label=label)
        if x:  # the period's weeks, one tick each (a lone point would otherwise get years of empty axis)
            axes.set_xlim(x[0] - dt.timedelta(days=3), x[-1] + dt.timedelta(days=3))
            axes.set_xticks(x, [monday.strftime("%m-%d") for monday in x])
        axes.set_ylim(0, 105)
        axes.set_ylabel("%")
        axes.set_title(title)
        axes.grid(True, alpha=0.3)
        axes.legend(loc="lower left", fontsize="small")
        figure.autofmt_xdate()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)
