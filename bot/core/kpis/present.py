"""The KPI report as readers get it: labelled rows in a locale, the chat text, CSV and the chart (no telegram)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from bot.core.common.locale import Locale
from bot.core.kpis import compute
from bot.core.kpis.definitions import CHART_CODES, KPIS

if TYPE_CHECKING:
    from bot.core.services import Services


def period(services: Services, start: dt.date | None, end: dt.date | None, branch: str | None,
           now: dt.datetime) -> compute.Period:  # fmt: skip
    """Default: the 30 days up to yesterday (dealer time)."""
    settings = services.settings
    end = end or now.astimezone(settings.tz).date() - dt.timedelta(days=1)
    start = start or end - dt.timedelta(days=29)
    if start > end:
        raise ValueError(f"--from {start} is after --to {end}")
    if branch is not None and branch not in {b.id for b in services.dealer.branches}:
        raise ValueError(f"unknown branch {branch!r}")
    return compute.Period(start, end, settings.tz, branch, settings.campaign_attribution_days)


def rows(services: Services, report: compute.Report, locale: Locale) -> list[tuple[str, str, str, compute.Figure]]:
    label = services.messages.label
    return [(k.code, label(locale, f"kpi_{k.code}"), k.unit, report.figures[k.code]) for k in KPIS]


def chat_text(services: Services, report: compute.Report, locale: Locale) -> str:
    p = report.period
    return services.messages.render(locale, "kpi_report", rows=rows(services, report, locale), start=p.start,
                                    end=p.end, branch=p.branch, distribution=report.csat_distribution,
                                    misses=report.top_misses)  # fmt: skip


def csv_text(services: Services, report: compute.Report, locale: Locale) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "unit", "value", "numerator", "denominator", "formula"])
    formulas = {k.code: k.formula for k in KPIS}
    for code, label, unit, figure in rows(services, report, locale):
        writer.writerow([code, label, unit, "" if figure.value is None else round(figure.value, 6),
                         "" if figure.numerator is None else figure.numerator,
                         "" if figure.denominator is None else figure.denominator, formulas[code]])  # fmt: skip
    return out.getvalue()


def chart_in_locale() -> bool:
    """Whether the chart can be drawn in a Chinese locale's words (a CJK font is installed)."""
    from bot.core.kpis.chart import cjk_font

    return cjk_font() is not None


def chart_png(services: Services, weeks: list[Any], locale: Locale) -> bytes:
    from bot.core.kpis.chart import cjk_font, render  # matplotlib loads only when a chart is drawn

    words: Locale = locale if locale == "en" or cjk_font() else "en"
    label = services.messages.label
    return render(weeks, {code: label(words, f"kpi_{code}") for code in CHART_CODES}, label(words, "kpi_chart_title"))
