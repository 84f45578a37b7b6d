"""The visits columns the on-time delivery and first-time fix KPIs need: promised and ready times (dealer time),
and the comeback flag; a second import of the same file changes nothing (both databases)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.imports.fields import ParseContext, read_moment
from bot.db.engine import create_engine, session_factory
from bot.db.garage.models import ServiceVisit
from tests.core.imports.test_import import CUSTOMERS, TODAY, VEHICLES, counts, run, write

TZ = ZoneInfo("Asia/Shanghai")
CTX = ParseContext("CN", TODAY, TZ)
VISITS = (
    "工單號,車牌,日期,類型,預計交車,完工時間,返修\n"
    "RO-1,粤B12345,2026-11-20,維修,2026-11-20 18:00,2026-11-20 17:30,否\n"
    "RO-2,粤B12345,2026-11-25,維修,2026-11-26,,是\n"
)


async def test_promised_ready_and_comeback_are_imported(database_url: str, tmp_path: Path) -> None:
    for kind, content in (("customers", CUSTOMERS), ("vehicles", VEHICLES)):
        await run(database_url, kind, write(tmp_path, content, f"{kind}.csv"))
    visits = write(tmp_path, VISITS, "visits.csv")
    assert counts(await run(database_url, "visits", visits, tz=TZ)) == (2, 0, 0, 0)
    assert counts(await run(database_url, "visits", visits, tz=TZ)) == (0, 0, 2, 0)
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(ServiceVisit).order_by(ServiceVisit.visit_no))).scalars().all()
    await engine.dispose()
    first, second = rows
    assert first.promised_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)  # type: ignore[union-attr]
    assert first.ready_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)  # type: ignore[union-attr]
    assert (first.comeback, second.comeback, second.ready_at) == (False, True, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2026-11-20 18:00", dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)),
     ("2026/11/20 08:05:00", dt.datetime(2026, 11, 20, 0, 5, tzinfo=dt.UTC)),
     ("2026-11-20", dt.datetime(2026, 11, 20, 15, 59, tzinfo=dt.UTC))],  # a day alone: its end
)  # fmt: skip
def test_times_are_dealer_time(raw: str, expected: dt.datetime) -> None:
    assert read_moment(raw, CTX) == expected


@pytest.mark.parametrize("raw", ["20/11/2026 18:00", "2026-11-20 6pm", "2026-11-20 25:00"])
def test_bad_times_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        read_moment(raw, CTX)
