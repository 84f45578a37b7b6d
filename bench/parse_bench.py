"""Typed-value readers on long input: time per call from 100 to 4,096 characters, with and without the cap.

    python bench/parse_bench.py

Each reader (dates, odometer, booking day and time, plate, phone) is timed on adversarial text of growing
length: digits, Chinese numerals, digits with spaces, "12月" repeated. "capped" is the code as it runs (text
longer than TYPED_LIMIT is refused before any parsing); "uncapped" lifts the cap to show that the regular
expressions and the numeral conversion themselves are linear (plate and phone keep their cap there: they read
the limit when imported). Baseline, same run: `str.isdigit` over the text,
the least any reader must do to look at every character. Issue 12, item 13: before the fix `read_date` took
0.79 s on 4,096 digits and 1.4 s on 4,096 三.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.common import dates, identifiers, numbers
from bot.core.common.identifiers import RecordError
from bot.core.desk.booking import dates as booking_dates

TODAY = dt.date(2026, 12, 3)
SIZES = (100, 1000, 4096)
SHAPES = {"digits": "1", "三": "三", "digit space": "1 ", "12月": "12月", "3天": "3天"}


def _quiet(reader: Callable[[str], object]) -> Callable[[str], object]:
    def call(text: str) -> object:
        try:
            return reader(text)
        except RecordError:
            return None

    return call


READERS: dict[str, Callable[[str], object]] = {
    "read_date": lambda t: dates.read_date(t, TODAY),
    "parse_km": dates.parse_km,
    "read_day": lambda t: booking_dates.read_day(t, TODAY, TODAY + dt.timedelta(days=14)),
    "read_time": booking_dates.read_time,
    "plate": _quiet(identifiers.normalise_plate),
    "phone": _quiet(identifiers.normalise_phone),
    "baseline isdigit": str.isdigit,
}


def best_of(reader: Callable[[str], object], text: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        reader(text)
        times.append(time.perf_counter() - start)
    return min(times)


def table(title: str) -> None:
    print(f"\n{title} (ms, worst shape per size; best of 5)")
    print("| reader | " + " | ".join(f"{size:,} chars" for size in SIZES) + " | 4,096 / 100 |")
    print("|---|" + "---|" * (len(SIZES) + 1))
    for name, reader in READERS.items():
        worst = [max(best_of(reader, (shape * size)[:size]) for shape in SHAPES.values()) for size in SIZES]
        cells = " | ".join(f"{w * 1000:.3f}" for w in worst)
        print(f"| {name} | {cells} | {worst[-1] / worst[0]:.1f}× |")


def main() -> None:
    table(f"capped at {numbers.TYPED_LIMIT} characters, as the bot runs")
    numbers.TYPED_LIMIT = 10**6  # the readers look it up at call time
    table("uncapped: the parsing itself")


if __name__ == "__main__":
    main()
