"""The KPIs, each with its formula beside it: the one place they are defined (FACTS.md §5; no telegram import).

Each figure in /stats, `python -m bot stats`, the CSV and the chart comes from here, and the formula is printed
with it, so the dealer can read (and redefine) what is counted. Periods are dealer-local dates, both ends
included. `--branch` narrows the appointment-based figures (show rate, attributed bookings); the other records
carry no branch. Figures the data cannot give are reported as not available, never estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["rate", "count", "mean", "minutes", "hours"]
INSURANCE_RENEWAL_DAYS = 30  # a renewal request this soon after the insurance reminder counts for it


@dataclass(frozen=True)
class Kpi:
    code: str
    unit: Unit
    formula: str


KPIS: tuple[Kpi, ...] = (
    Kpi("show_rate", "rate", "appointments kept (arrived or done) ÷ appointments with a recorded outcome (kept + "
        "no-show), by appointment day [FACTS §5: kept ÷ booked; industry ~85%]"),
    Kpi("reminder_conversion", "rate", "service reminders delivered in the period followed by a booking for that car "
        "within 14 days ÷ service reminders delivered [FACTS §5]"),
    Kpi("campaign_delivered", "count", "campaign messages sent in the period"),
    Kpi("campaign_blocked", "count", "campaign messages not delivered because the customer blocked the bot (403)"),
    Kpi("campaign_rsvps", "count", "event answers given through a campaign's buttons in the period"),
    Kpi("campaign_bookings", "count", "bookings made in the period within campaign_attribution_days after the "
        "customer came through a campaign's deep link (/start c_<id>)"),
    Kpi("csat_mean", "mean", "mean follow-up rating (1–5) answered in the period [FACTS §5: CSAT]"),
    Kpi("csat_share_4_5", "rate", "follow-up ratings of 4–5 ÷ all follow-up ratings in the period [FACTS §5: CSAT]"),
    Kpi("complaints_2d", "rate", "complaints opened in the period resolved within 2 days ÷ complaints opened "
        "[seed: report to the supervisor within 2 days]"),
    Kpi("complaints_14d", "rate", "complaints opened in the period resolved within 14 days ÷ complaints opened"),
    Kpi("first_response_median", "minutes", "median of (first staff reply − opened) over tickets opened in the period"),
    Kpi("first_response_p90", "minutes", "90th percentile (nearest rank) of the same"),
    Kpi("resolution_median", "hours", "median of (resolved, else closed − opened) over tickets opened in the period"),
    Kpi("resolution_p90", "hours", "90th percentile (nearest rank) of the same"),
    Kpi("roadside_claim_median", "minutes", "median of (claimed − requested) over roadside calls in the period"),
    Kpi("roadside_claim_p90", "minutes", "90th percentile (nearest rank) of the same"),
    Kpi("faq_did_you_mean", "count", "questions answered with suggestions (did you mean…) in the period"),
    Kpi("faq_fallback", "count", "questions the FAQ could not answer in the period"),
    Kpi("faq_answered_rate", "rate", "questions answered outright ÷ all questions asked in the period (daily "
        "counters, faq_daily, kept since migration 0012)"),
    Kpi("faq_did_you_mean_rate", "rate", "questions answered with suggestions ÷ all questions asked in the period"),
    Kpi("faq_fallback_rate", "rate", "questions not answered (fallback) ÷ all questions asked in the period"),
    Kpi("churn", "rate", "customers who visited in month N−7 and have not returned in the 6 months since ÷ all who "
        "visited in month N−7, N the month of the period's end [FACTS §5; reference ≤20%]"),
    Kpi("insurance_renewal", "rate", "insurance reminders delivered in the period followed by a renewal: the "
        "owner's renewal request (the reminder's button, a ticket) within INSURANCE_RENEWAL_DAYS (30) days, or a "
        "recorded expiry (imported insurance_expiry) later than the one reminded of ÷ insurance reminders delivered "
        "[FACTS §5: renewed through the dealer ÷ expired; a proxy: the import keeps no renewal date, so a recorded "
        "renewal counts whenever it was imported]"),
    Kpi("first_time_fix", "rate", "repair visits in the period not followed by a comeback visit (comeback flag) for "
        "that car within 30 days ÷ repair visits [FACTS §5]"),
    Kpi("on_time_delivery", "rate", "visits in the period ready by the promised time ÷ visits with a promised time "
        "(ready, or promised time passed) [FACTS §5]"),
)
BY_CODE = {k.code: k for k in KPIS}
CHART_CODES = ("show_rate", "csat_share_4_5", "first_time_fix", "on_time_delivery", "complaints_2d")
