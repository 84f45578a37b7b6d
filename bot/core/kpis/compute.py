"""The KPIs' arithmetic over the database (formulas in bot.core.kpis.definitions; no telegram import).

Rows are read with plain SELECTs and counted here, so each formula is a few lines that read like its definition.
Volumes are a dealer's (thousands of rows a month): fine to hold in memory.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.kpis import renewals
from bot.core.kpis.definitions import CHART_CODES
from bot.db.campaigns.models import CampaignTouch
from bot.db.desk.booking.models import Appointment
from bot.db.desk.followups.models import FollowUp
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.events.models import EventRsvp
from bot.db.faq.models import FaqDaily, FaqMiss
from bot.db.garage.models import ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox


@dataclass(frozen=True)
class Period:
    """Dealer-local dates, both included; `branch` narrows appointment figures."""

    start: dt.date
    end: dt.date
    tz: ZoneInfo
    branch: str | None = None
    attribution_days: int = 14

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=self.tz).astimezone(dt.UTC)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=self.tz).astimezone(dt.UTC)


@dataclass(frozen=True)
class Figure:
    """One KPI: its value (None: no data, or not available), and the counts it came from."""

    code: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


@dataclass
class Report:
    period: Period
    figures: dict[str, Figure] = field(default_factory=dict)
    csat_distribution: dict[int, int] = field(default_factory=dict)
    top_misses: list[tuple[str, int]] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        self.figures[figure.code] = figure


def rate(code: str, numerator: int, denominator: int) -> Figure:
    return Figure(code, numerator / denominator if denominator else None, numerator, denominator)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _minutes(later: dt.datetime, earlier: dt.datetime) -> float:
    return (_utc(later) - _utc(earlier)).total_seconds() / 60


def _month_start(day: dt.date, months_back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


async def _show_rate(session: AsyncSession, p: Period) -> Figure:
    where = [Appointment.day.between(p.start, p.end), Appointment.status.in_(("arrived", "done", "no_show"))]
    if p.branch:
        where.append(Appointment.branch == p.branch)
    statuses = list((await session.execute(select(Appointment.status).where(*where))).scalars())
    kept = sum(1 for s in statuses if s in ("arrived", "done"))
    return rate("show_rate", kept, len(statuses))


async def _reminder_conversion(session: AsyncSession, p: Period) -> Figure:
    sent = (await session.execute(
        select(Outbox.idempotency_key, Outbox.sent_at)
        .where(Outbox.kind == "reminder", Outbox.status == "sent", Outbox.idempotency_key.like("reminder:%"),
               Outbox.sent_at >= p.since, Outbox.sent_at < p.until)
    )).all()  # fmt: skip
    cars = {int(key.split(":")[1]) for key, _ in sent if key.split(":")[1].isdigit()}
    booked: dict[int, list[dt.datetime]] = {}
    if cars:
        rows = await session.execute(
            select(Appointment.vehicle_id, Appointment.created_at).where(Appointment.vehicle_id.in_(cars))
        )
        for vehicle_id, created in rows.all():
            booked.setdefault(vehicle_id, []).append(_utc(created))
    window = dt.timedelta(days=14)
    converted = 0
    for key, sent_at in sent:
        car = key.split(":")[1]
        at = _utc(sent_at)
        if car.isdigit() and any(at <= b <= at + window for b in booked.get(int(car), [])):
            converted += 1
    return rate("reminder_conversion", converted, len(sent))


async def _campaigns(session: AsyncSession, p: Period) -> list[Figure]:
    in_period = (Outbox.kind == "campaign", Outbox.created_at >= p.since, Outbox.created_at < p.until)
    counts = dict((await session.execute(
        select(Outbox.status, func.count()).where(*in_period).group_by(Outbox.status)
    )).all())  # fmt: skip
    rsvps = (await session.execute(
        select(func.count()).select_from(EventRsvp)
        .where(EventRsvp.campaign_id.is_not(None), EventRsvp.answered_at >= p.since, EventRsvp.answered_at < p.until)
    )).scalar_one()  # fmt: skip
    touches: dict[int, list[dt.datetime]] = {}
    for customer_id, at in (await session.execute(select(CampaignTouch.customer_id, CampaignTouch.at))).all():
        touches.setdefault(customer_id, []).append(_utc(at))
    window = dt.timedelta(days=p.attribution_days)
    where = [Appointment.created_at >= p.since, Appointment.created_at < p.until]
    if p.branch:
        where.append(Appointment.branch == p.branch)
    bookings = 0
    if touches:
        where.append(Appointment.customer_id.in_(list(touches)))
        for customer_id, created in (await session.execute(select(Appointment.customer_id, Appointment.created_at)
                                                           .where(*where))).all():  # fmt: skip
            made = _utc(created)
            bookings += any(t <= made <= t + window for t in touches[customer_id])
    return [Figure("campaign_delivered", counts.get("sent", 0)),
            Figure("campaign_blocked", counts.get("unreachable", 0)),
            Figure("campaign_rsvps", rsvps), Figure("campaign_bookings", bookings)]  # fmt: skip


async def _csat(session: AsyncSession, p: Period, report: Report) -> list[Figure]:
    ratings = list((await session.execute(
        select(FollowUp.rating).where(FollowUp.rating.is_not(None), FollowUp.answered_at >= p.since,
                                      FollowUp.answered_at < p.until)
    )).scalars())  # fmt: skip
    report.csat_distribution = {score: ratings.count(score) for score in range(1, 6)}
    mean = statistics.fmean(ratings) if ratings else None
    return [Figure("csat_mean", mean, sum(ratings), len(ratings)),
            rate("csat_share_4_5", sum(1 for r in ratings if r >= 4), len(ratings))]  # fmt: skip


async def _tickets(session: AsyncSession, p: Period) -> list[Figure]:
    rows = (await session.execute(
        select(Ticket.kind, Ticket.opened_at, Ticket.first_response_at, Ticket.resolved_at, Ticket.closed_at)
        .where(Ticket.opened_at >= p.since, Ticket.opened_at < p.until)
    )).all()  # fmt: skip
    complaints = [r for r in rows if r.kind == "complaint"]

    def within(days: int) -> int:
        limit = days * 24 * 60
        return sum(1 for r in complaints if r.resolved_at is not None and _minutes(r.resolved_at, r.opened_at) <= limit)

    first = [_minutes(r.first_response_at, r.opened_at) for r in rows if r.first_response_at is not None]
    done = [_minutes(r.resolved_at or r.closed_at, r.opened_at) / 60 for r in rows if r.resolved_at or r.closed_at]
    return [rate("complaints_2d", within(2), len(complaints)), rate("complaints_14d", within(14), len(complaints)),
            Figure("first_response_median", median(first), None, len(first)),
            Figure("first_response_p90", p90(first), None, len(first)),
            Figure("resolution_median", median(done), None, len(done)),
            Figure("resolution_p90", p90(done), None, len(done))]  # fmt: skip


async def _roadside(session: AsyncSession, p: Period) -> list[Figure]:
    rows = (await session.execute(
        select(RoadsideRequest.created_at, RoadsideRequest.claimed_at)
        .where(RoadsideRequest.created_at >= p.since, RoadsideRequest.created_at < p.until,
               RoadsideRequest.claimed_at.is_not(None))
    )).all()  # fmt: skip
    waits = [_minutes(claimed, created) for created, claimed in rows]
    return [Figure("roadside_claim_median", median(waits), None, len(waits)),
            Figure("roadside_claim_p90", p90(waits), None, len(waits))]  # fmt: skip


async def _faq(session: AsyncSession, p: Period, report: Report) -> list[Figure]:
    """The rates from the daily counters (faq_daily); the top misses from faq_miss (last seen in the period)."""
    misses = (await session.execute(
        select(FaqMiss.question, FaqMiss.count)
        .where(FaqMiss.decision == "fallback", FaqMiss.last_seen_at >= p.since, FaqMiss.last_seen_at < p.until)
        .order_by(FaqMiss.count.desc(), FaqMiss.id).limit(5)
    )).all()  # fmt: skip
    report.top_misses = [(q, int(n)) for q, n in misses]
    days = await session.execute(
        select(FaqDaily.decision, func.sum(FaqDaily.count))
        .where(FaqDaily.day.between(p.start, p.end))
        .group_by(FaqDaily.decision)
    )
    counts = {decision: int(n) for decision, n in days.all()}
    answered, suggested, fell_back = (counts.get(d, 0) for d in ("answer", "suggest", "fallback"))
    asked = answered + suggested + fell_back
    return [Figure("faq_did_you_mean", suggested), Figure("faq_fallback", fell_back),
            rate("faq_answered_rate", answered, asked), rate("faq_did_you_mean_rate", suggested, asked),
            rate("faq_fallback_rate", fell_back, asked)]  # fmt: skip


async def _insurance_renewal(session: AsyncSession, p: Period) -> Figure:
    renewed, reminded = await renewals.insurance_renewals(session, p.since, p.until)
    return rate("insurance_renewal", renewed, reminded)


async def _visits(session: AsyncSession, start: dt.date, end: dt.date) -> list[tuple[int, int | None, dt.date]]:
    rows = await session.execute(
        select(ServiceVisit.vehicle_id, Vehicle.customer_id, ServiceVisit.visit_date)
        .join(Vehicle, Vehicle.id == ServiceVisit.vehicle_id)
        .where(ServiceVisit.visit_date.between(start, end))
    )
    return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def _churn(session: AsyncSession, p: Period) -> Figure:
    """Month N is the month of the period's end; the cohort visited in N−7, "returned" is a visit in N−6…N−1."""
    cohort_start, returned_start, month_n = _month_start(p.end, 7), _month_start(p.end, 6), _month_start(p.end, 0)

    def who(vehicle_id: int, customer_id: int | None) -> int:
        return customer_id if customer_id is not None else -vehicle_id  # an unowned car stands for its owner

    cohort = {who(v, c) for v, c, _ in await _visits(session, cohort_start, returned_start - dt.timedelta(days=1))}
    back = {who(v, c) for v, c, _ in await _visits(session, returned_start, month_n - dt.timedelta(days=1))}
    return rate("churn", len(cohort - back), len(cohort))


async def _workshop(session: AsyncSession, p: Period, now: dt.datetime) -> list[Figure]:
    rows = (await session.execute(
        select(ServiceVisit.id, ServiceVisit.vehicle_id, ServiceVisit.visit_date, ServiceVisit.kind,
               ServiceVisit.promised_at, ServiceVisit.ready_at)
        .where(ServiceVisit.visit_date.between(p.start, p.end))
    )).all()  # fmt: skip
    repairs = [r for r in rows if r.kind == "repair"]
    comebacks: dict[int, list[dt.date]] = {}
    if repairs:
        found = await session.execute(
            select(ServiceVisit.vehicle_id, ServiceVisit.visit_date)
            .where(ServiceVisit.comeback.is_(True), ServiceVisit.vehicle_id.in_({r.vehicle_id for r in repairs}))
        )
        for vehicle_id, day in found.all():
            comebacks.setdefault(vehicle_id, []).append(day)
    month = dt.timedelta(days=30)

    def came_back(r: Any) -> bool:
        return any(r.visit_date < day <= r.visit_date + month for day in comebacks.get(r.vehicle_id, []))

    fixed = sum(1 for r in repairs if not came_back(r))
    promised = [r for r in rows if r.promised_at is not None and (r.ready_at is not None or _utc(r.promised_at) < now)]
    on_time = sum(1 for r in promised if r.ready_at is not None and _utc(r.ready_at) <= _utc(r.promised_at))
    return [rate("first_time_fix", fixed, len(repairs)), rate("on_time_delivery", on_time, len(promised))]


async def report(session: AsyncSession, period: Period, now: dt.datetime) -> Report:
    """Every KPI of definitions.KPIS for the period."""
    result = Report(period)
    result.add(await _show_rate(session, period))
    result.add(await _reminder_conversion(session, period))
    for figures in (await _campaigns(session, period), await _csat(session, period, result),
                    await _tickets(session, period), await _roadside(session, period),
                    await _faq(session, period, result), await _workshop(session, period, now)):  # fmt: skip
        for figure in figures:
            result.add(figure)
    result.add(await _churn(session, period))
    result.add(await _insurance_renewal(session, period))
    return result


Week = tuple[dt.date, dict[str, float | None]]


async def weekly(session: AsyncSession, period: Period, now: dt.datetime) -> list[Week]:
    """The chart's trends: CHART_CODES for each Monday-to-Sunday week that overlaps the period."""
    monday = period.start - dt.timedelta(days=period.start.weekday())
    weeks = []
    while monday <= period.end:
        week = Period(monday, monday + dt.timedelta(days=6), period.tz, period.branch, period.attribution_days)
        figures: dict[str, Figure] = {}
        for figure in [await _show_rate(session, week), *await _csat(session, week, Report(week)),
                       *await _workshop(session, week, now), *await _tickets(session, week)]:  # fmt: skip
            figures[figure.code] = figure
        weeks.append((monday, {code: figures[code].value for code in CHART_CODES}))
        monday += dt.timedelta(days=7)
    return weeks
