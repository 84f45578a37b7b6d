"""What advisors record on a visit for the on-time delivery and first-time fix KPIs (no telegram import): the
time the car was promised, the time it was ready, and whether it came back for the same concern."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.garage.models import ServiceVisit


@dataclass(frozen=True)
class VisitTimes:
    visit_no: str
    promised_at: dt.datetime | None
    ready_at: dt.datetime | None
    comeback: bool


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


async def record(session: AsyncSession, visit_no: str, what: str, when: dt.datetime | None) -> VisitTimes | None:
    """`what`: promised (at `when`), ready (at `when`, default now) or comeback (toggles); None: no such visit."""
    visit = (await session.execute(select(ServiceVisit).where(ServiceVisit.visit_no == visit_no))).scalar_one_or_none()
    if visit is None:
        return None
    if what == "promised":
        visit.promised_at = when
    elif what == "ready":
        visit.ready_at = when
    elif what == "comeback":
        visit.comeback = not visit.comeback
    else:
        raise ValueError(f"unknown field {what!r}")
    await session.flush()
    return VisitTimes(visit.visit_no, _utc(visit.promised_at), _utc(visit.ready_at), visit.comeback)
