"""Every KPI formula against numbers worked out by hand (comments give the sums), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.kpis import compute
from bot.core.kpis.chart import render
from bot.core.kpis.definitions import BY_CODE, KPIS
from bot.core.services import Services
from bot.db.campaigns.models import Campaign, CampaignTouch
from bot.db.desk.booking.models import Appointment
from bot.db.desk.followups.models import FollowUp
from bot.db.desk.handoff.models import Ticket
from bot.db.desk.roadside.models import RoadsideRequest
from bot.db.events.models import Event, EventRsvp
from bot.db.faq.models import FaqDaily, FaqMiss
from bot.db.garage.models import Customer, ServiceVisit, Vehicle
from bot.db.outbox.models import Outbox

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 3, 4, 0, tzinfo=dt.UTC)
PERIOD = compute.Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30), TZ)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


async def _fixture(services: Services) -> None:
    visit_no = iter(range(1, 1000))
    async with services.sessions.begin() as s:
        customers = [Customer(telegram_user_id=3000 + i, chat_id=3000 + i, first_name=f"c{i}") for i in range(8)]
        s.add_all(customers)
        await s.flush()
        a = customers[0].id
        cars = [Vehicle(customer_id=customers[i % 8].id, make="Toyota", model="Corolla", plate=f"粤B{i:05d}")
                for i in range(12)]  # fmt: skip
        s.add_all(cars)
        await s.flush()
        car = [c.id for c in cars]

        def visit(vehicle: int, month: int, day: int, kind: str = "maintenance", **extra: object) -> ServiceVisit:
            v = ServiceVisit(visit_no=f"V{next(visit_no)}", vehicle_id=vehicle, visit_date=dt.date(2026, month, day),
                             kind=kind, **extra)  # fmt: skip
            s.add(v)
            return v

        def appointment(day: int, status: str, month: int = 11, vehicle: int | None = None, created: dt.datetime
                        | None = None, customer: int | None = None) -> None:  # fmt: skip
            s.add(Appointment(customer_id=customer or a, vehicle_id=vehicle, branch="futian", service_type="repair",
                              day=dt.date(2026, month, day), slot="09:00", mode="waiting", status=status,
                              created_at=created or at(10, 1)))  # fmt: skip

        # show rate: kept = 3 done + 1 arrived = 4; with an outcome = 4 + 1 no-show = 5 → 4/5 (cancelled,
        # confirmed and December's are left out)
        for day, status in ((2, "done"), (3, "done"), (4, "done"), (5, "arrived"), (6, "no_show"), (7, "cancelled"),
                            (8, "confirmed")):  # fmt: skip
            appointment(day, status)
        appointment(2, "done", month=12)
        # (insurance renewal: car 1's insurance reminder, no renewal request, no later expiry → 0/1; see
        # test_renewals.py for the full arithmetic)
        # reminder conversion: cars 0, 1, 2 reminded on 11-02, 11-05, 11-20; car 0 booked 8 days later (in),
        # car 1 booked 20 days later (out), car 2 never; the appointment's own reminder is not a service
        # reminder → 1/3
        for key, sent in ((f"reminder:{car[0]}:service:2026-11-20", at(11, 2)),
                          (f"reminder:{car[1]}:insurance:2026-12-01", at(11, 5)),
                          (f"reminder:{car[2]}:service:2026-12-10", at(11, 20)),
                          ("appointment:9:day_before", at(11, 3))):
            s.add(Outbox(idempotency_key=key, kind="reminder", chat_id=1, payload={}, status="sent", sent_at=sent,
                         created_at=sent))  # fmt: skip
        appointment(12, "cancelled", vehicle=car[0], created=at(11, 10))
        appointment(30, "cancelled", vehicle=car[1], created=at(11, 25))
        # campaigns: 3 sent, 1 blocked, 1 dropped; 2 RSVPs through a campaign (1 without); customer a came
        # through the deep link on 11-03: their booking of 11-10 counts (7 days), of 11-25 not (22 days) → 1
        # (the two appointments above are a's)
        campaign = Campaign(name="x", kind="event", audience={}, texts={"zh-Hant": "x"}, send_at=at(11, 1))
        event = Event(titles={"en": "e"}, descriptions={}, branch="futian", place="p", starts_at=at(12, 20),
                      ends_at=at(12, 21), capacity=10, going=2, status="scheduled")  # fmt: skip
        s.add_all([campaign, event])
        await s.flush()
        for n, status in enumerate(("sent", "sent", "sent", "unreachable", "dropped")):
            s.add(Outbox(idempotency_key=f"campaign:{campaign.id}:{n}", kind="campaign", chat_id=n, payload={},
                         status=status, created_at=at(11, 3)))  # fmt: skip
        for n, via in enumerate((campaign.id, campaign.id, None)):
            s.add(EventRsvp(event_id=event.id, customer_id=customers[n].id, answer="going", campaign_id=via,
                            answered_at=at(11, 4)))  # fmt: skip
        s.add(CampaignTouch(campaign_id=campaign.id, customer_id=a, at=at(11, 3)))
        # CSAT: 5, 4, 4, 2, 1 → mean 16/5 = 3.2; 4–5: 3/5 = 0.6 (a rating answered in October is left out)
        for n, (rating, answered) in enumerate(((5, at(11, 2)), (4, at(11, 3)), (4, at(11, 4)), (2, at(11, 5)),
                                                (1, at(11, 6)), (5, at(10, 20)))):  # fmt: skip
            base = visit(car[11], 10, n + 1)
            await s.flush()
            s.add(FollowUp(visit_id=base.id, stage=1, due_at=answered, status="answered", rating=rating,
                           answered_at=answered))  # fmt: skip
        # tickets opened 11-10 10:00: complaints resolved after 1 day, 10 days, never → within 2 days 1/3, 14
        # days 2/3; first replies after 2, 4, 6, 8, 10 min → median 6, p90 (rank ⌈4.5⌉ = 5) 10; resolution 24 h,
        # 240 h, and two handoffs closed after 1 h and 3 h → [1, 3, 24, 240]: median 13.5, p90 (rank 4) 240
        opened = at(11, 10)
        for n, (kind, resolved, closed) in enumerate((
            ("complaint", dt.timedelta(days=1), None), ("complaint", dt.timedelta(days=10), None),
            ("complaint", None, None), ("handoff", None, dt.timedelta(hours=1)),
            ("handoff", None, dt.timedelta(hours=3)),
        )):  # fmt: skip
            s.add(Ticket(customer_id=a, kind=kind, trigger="typed", status="closed", opened_at=opened,
                         first_response_at=opened + dt.timedelta(minutes=2 * (n + 1)),
                         resolved_at=opened + resolved if resolved else None,
                         closed_at=opened + closed if closed else None))  # fmt: skip
        # roadside: claimed after 3, 5, 20 min (one never claimed) → median 5, p90 (rank ⌈2.7⌉ = 3) 20
        for n, minutes in enumerate((3, 5, 20, None)):
            created = at(11, 15)
            s.add(RoadsideRequest(customer_id=customers[n].id, problem="battery", status="claimed", created_at=created,
                                  claimed_at=created + dt.timedelta(minutes=minutes) if minutes else None))  # fmt: skip
        # FAQ misses: the fallbacks 3 and 2 are the top misses (the suggestion is not a miss there)
        for question, decision, count in (("保養幾錢", "suggest", 4), ("洗車", "fallback", 3), ("租車", "fallback", 2)):
            s.add(FaqMiss(normalized=question, question=question, lang="zh-Hant", decision=decision, score=50.0,
                          count=count, last_seen_at=at(11, 20)))  # fmt: skip
        # FAQ outcomes per day: November answered 6 + 5 = 11, suggested 4, fell back 2 + 3 = 5 → asked 20:
        # answered 11/20 = 0.55, did you mean 4/20 = 0.2, fallback 5/20 = 0.25 (October 31 and December 1 out)
        for day, decision, count in ((dt.date(2026, 11, 1), "answer", 6), (dt.date(2026, 11, 30), "answer", 5),
                                     (dt.date(2026, 11, 2), "suggest", 4), (dt.date(2026, 11, 2), "fallback", 2),
                                     (dt.date(2026, 11, 29), "fallback", 3), (dt.date(2026, 10, 31), "answer", 50),
                                     (dt.date(2026, 12, 1), "fallback", 50)):  # fmt: skip
            s.add(FaqDaily(day=day, decision=decision, count=count))
        # churn: month N = November; N−7 = April; cars 3, 4, 5 (customers 3, 4, 5) visited in April; 3 came back
        # in July, 4 never, 5 only in November (after the six months) → 2/3
        for n in (3, 4, 5):
            visit(car[n], 4, 10)
        visit(car[3], 7, 1)
        visit(car[5], 11, 28)
        # first-time fix: repairs in November of cars 6 (11-02, comeback 11-20, itself a repair), 7 (11-05,
        # a normal visit 11-15) and 8 (11-10, comeback 12-20: 40 days later) → repairs 4, fixed 3 (6's second
        # repair had no comeback) → 3/4
        visit(car[6], 11, 2, "repair")
        visit(car[6], 11, 20, "repair", comeback=True)
        visit(car[7], 11, 5, "repair")
        visit(car[7], 11, 15)
        visit(car[8], 11, 10, "repair")
        visit(car[8], 12, 20, "repair", comeback=True)
        # on-time: promised 11-20 18:00 and ready 17:00 (on time), ready 19:00 (late), not ready and passed
        # (late); promised 12-05 not ready yet (not counted) → 1/3
        promised = at(11, 20, 18)
        visit(car[9], 11, 20, promised_at=promised, ready_at=promised - dt.timedelta(hours=1))
        visit(car[9], 11, 21, promised_at=promised, ready_at=promised + dt.timedelta(hours=1))
        visit(car[10], 11, 22, promised_at=promised)
        visit(car[10], 11, 23, promised_at=at(12, 5))


EXPECTED = {
    "show_rate": 4 / 5, "reminder_conversion": 1 / 3, "campaign_delivered": 3, "campaign_blocked": 1,
    "campaign_rsvps": 2, "campaign_bookings": 1, "csat_mean": 3.2, "csat_share_4_5": 0.6, "complaints_2d": 1 / 3,
    "complaints_14d": 2 / 3, "first_response_median": 6, "first_response_p90": 10, "resolution_median": 13.5,
    "resolution_p90": 240, "roadside_claim_median": 5, "roadside_claim_p90": 20, "faq_did_you_mean": 4,
    "faq_fallback": 5, "faq_answered_rate": 0.55, "faq_did_you_mean_rate": 0.2, "faq_fallback_rate": 0.25,
    "churn": 2 / 3, "insurance_renewal": 0.0, "first_time_fix": 3 / 4,
    "on_time_delivery": 1 / 3,
}  # fmt: skip


async def test_every_formula_against_hand_computed_numbers(services_on: Services) -> None:
    await _fixture(services_on)
    async with services_on.sessions() as session:
        report = await compute.report(session, PERIOD, NOW)
    assert set(EXPECTED) == {k.code for k in KPIS} == set(report.figures)
    for code, expected in EXPECTED.items():
        value = report.figures[code].value
        assert (value is None) if expected is None else value == pytest.approx(expected), (code, value, expected)
    assert report.csat_distribution == {1: 1, 2: 1, 3: 0, 4: 2, 5: 1}
    assert report.top_misses == [("洗車", 3), ("租車", 2)]
    assert all(k.formula for k in KPIS) and BY_CODE["churn"].unit == "rate"


async def test_weekly_trends_and_the_chart(services_on: Services) -> None:
    await _fixture(services_on)
    async with services_on.sessions() as session:
        weeks = await compute.weekly(session, PERIOD, NOW)
    assert weeks[0][0] == dt.date(2026, 10, 26) and len(weeks) == 6  # Mondays from Oct 26 to Nov 30
    assert weeks[1][1]["show_rate"] == pytest.approx(4 / 5)  # Nov 2–8 holds every appointment with an outcome
    png = render(weeks, {"show_rate": "Show rate", "csat_share_4_5": "CSAT 4–5"}, "Trends")
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize(("values", "median", "p90"), [([], None, None), ([7], 7, 7), ([1, 2, 3, 4], 2.5, 4),
                                                       (list(range(1, 11)), 5.5, 9)])  # fmt: skip
def test_median_and_nearest_rank_p90(values: list[float], median: float | None, p90: float | None) -> None:
    assert (compute.median(values), compute.p90(values)) == (median, p90)


async def test_each_faq_reply_is_counted_for_its_local_day(services_on: Services) -> None:
    """Answered, did-you-mean and fallback replies are counted per dealer-local day (anonymous: no text)."""
    from sqlalchemy import select

    replies = [await services_on.faq.ask_and_record(q, "zh-Hant") for q in ("營業時間", "營業時間", "xqzv blorp")]
    async with services_on.sessions() as session:
        rows = (await session.execute(select(FaqDaily.day, FaqDaily.decision, FaqDaily.count))).all()
    today = dt.datetime.now(services_on.settings.tz).date()
    decisions = [r.decision for r in replies]
    assert {(day, decision): count for day, decision, count in rows} == {
        (today, d): decisions.count(d) for d in set(decisions)}  # fmt: skip
    assert decisions[0] == "answer" and decisions[2] != "answer"


async def test_answers_are_counted_in_memory_and_written_with_the_next_miss_or_flush(services_on: Services) -> None:
    """Answered questions are not a write each (a hot row under concurrent answers): they are counted in memory
    and written with the next miss, after OUTCOME_FLUSH_SECONDS, or by flush_outcomes (/stats, shutdown)."""
    from sqlalchemy import select

    async def counted() -> dict[str, int]:
        async with services_on.sessions() as session:
            rows = (await session.execute(select(FaqDaily.decision, FaqDaily.count))).all()
        return {decision: count for decision, count in rows}

    await services_on.faq.flush_outcomes()
    before = await counted()
    for _ in range(3):
        assert (await services_on.faq.ask_and_record("營業時間", "zh-Hant")).decision == "answer"
    assert await counted() == before  # nothing written yet
    await services_on.faq.flush_outcomes()
    assert (await counted()).get("answer", 0) == before.get("answer", 0) + 3
    await services_on.faq.flush_outcomes()  # nothing new: nothing added
    assert (await counted()).get("answer", 0) == before.get("answer", 0) + 3
