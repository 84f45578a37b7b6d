"""`python -m bot stats [--from D --to D --branch B] [--csv FILE] [--chart FILE.png] [--lang L]`: the KPIs, each
with its formula beside it (bot.core.kpis.definitions), for ops and managers; /stats shows the same in the chat."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from typing import Any

from bot.core.common.settings import Settings
from bot.core.kpis import compute, present
from bot.core.kpis.definitions import BY_CODE
from bot.core.services import build_services


def _value(unit: str, figure: compute.Figure) -> str:
    if figure.value is None:
        return "n/a"
    if unit == "rate":
        counts = f" ({figure.numerator:g}/{figure.denominator:g})" if figure.denominator else ""
        return f"{figure.value * 100:.1f}%{counts}"
    if unit == "mean":
        return f"{figure.value:.2f} (n={figure.denominator:g})"
    if unit in ("minutes", "hours"):
        return f"{figure.value:,.1f} {'min' if unit == 'minutes' else 'h'}"
    return f"{figure.value:,.0f}"


async def run(settings: Settings, args: Any) -> int:
    services = build_services(settings)
    locale = args.lang or settings.default_locale
    try:
        now = dt.datetime.now(dt.UTC)
        try:
            start = dt.date.fromisoformat(args.start) if args.start else None
            end = dt.date.fromisoformat(args.end) if args.end else None
            period = present.period(services, start, end, args.branch, now)
        except ValueError as exc:
            print(f"stats: {exc}", file=sys.stderr)
            return 2
        async with services.sessions() as session:
            report = await compute.report(session, period, now)
            weeks = await compute.weekly(session, period, now) if args.chart else []
        print(f"KPIs {period.start} – {period.end}, branch {period.branch or 'all'}")
        for code, label, unit, figure in present.rows(services, report, locale):
            print(f"{label}: {_value(unit, figure)}\n    = {BY_CODE[code].formula}")
        print("CSAT distribution: " + ", ".join(f"{k}★ {v}" for k, v in report.csat_distribution.items()))
        for question, count in report.top_misses:
            print(f"top miss: {question} ({count})")
        if args.csv:
            args.csv.write_text(present.csv_text(services, report, locale), encoding="utf-8")
            print(f"CSV written to {args.csv}")
        if args.chart:
            args.chart.write_bytes(present.chart_png(services, weeks, locale))
            print(f"chart written to {args.chart}")
            if locale != "en" and not present.chart_in_locale():
                print("chart labels in English: no CJK font installed (fc-list :lang=zh lists none)")
        return 0
    finally:
        await services.engine.dispose()


def main(settings: Settings, args: Any) -> int:
    return asyncio.run(run(settings, args))
