"""The weekly trends as a PNG (matplotlib, Agg backend: no display needed; no telegram import).

Chinese labels need a CJK font; when none is installed the chart's words fall back to English (the figures in
the chat message stay in the reader's locale), rather than drawing empty boxes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from functools import cache

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib import pyplot as plt

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft JhengHei",
             "Microsoft YaHei", "PingFang SC", "Heiti TC", "SimHei")  # fmt: skip


@cache
def cjk_font() -> str | None:
    """An installed font that has Chinese glyphs, if any."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def render(
    weeks: Sequence[tuple[dt.date, Mapping[str, float | None]]], labels: Mapping[str, str], title: str
) -> bytes:
    """One line per KPI (a rate, drawn as %), one point per week; a week without data leaves a gap."""
    font = cjk_font()
    figure, axes = plt.subplots(figsize=(9, 4.8), dpi=100)
    try:
        if font:
            plt.rcParams["font.family"] = [font, "DejaVu Sans"]
        x = [monday for monday, _ in weeks]
        for code, label in labels.items():
            y = [None if values.get(code) is None else 100 * float(values[code]) for _, values in weeks]  # type: ignore[arg-type]
            axes.plot(x, [float("nan") if v is None else v for v in y], marker="o", label=label)
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
