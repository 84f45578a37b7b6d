"""The process's Prometheus metrics, recorded where the events happen (no telegram import).

One module owns every metric family so their names and labels are defined once; callers use the small
functions below. Gauges that describe the database (outbox depth, open tickets, roadside calls waiting) are
not kept in memory: bot.core.ops.health sets them from the database when /metrics is scraped, so every
replica reports the same numbers and nothing drifts.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest

PREFIX = "carebot"
UPDATE_OUTCOMES = ("handled", "unhandled", "error")
SEND_RESULTS = ("sent", "429", "403", "5xx", "4xx")

updates = Counter(f"{PREFIX}_updates", "Updates processed, by kind (message, callback_query…) and outcome",
                  ["kind", "outcome"])
faq_outcomes = Counter(f"{PREFIX}_faq_outcomes", "FAQ replies by decision (answer, suggest, fallback)", ["decision"])
outbox_sends = Counter(f"{PREFIX}_outbox_sends", "Outbox send attempts by message kind and result "
                       "(sent; 429 rate limited; 403 unreachable; 5xx incl. timeouts; 4xx rejected)",
                       ["kind", "result"])
outbox_depth = Gauge(f"{PREFIX}_outbox_pending", "Outbox messages waiting to be sent, by kind", ["kind"])
outbox_oldest = Gauge(f"{PREFIX}_outbox_oldest_pending_age_seconds",
                      "Age of the oldest pending outbox message past its not_before, by kind", ["kind"])
tickets_open = Gauge(f"{PREFIX}_tickets_open", "Tickets not yet closed, by state (open, claimed)", ["state"])
roadside_waiting = Gauge(f"{PREFIX}_roadside_waiting_for_claim",
                         "Roadside requests nobody has claimed yet (new or escalated)")
scheduler_lag = Gauge(f"{PREFIX}_scheduler_lag_seconds",
                      "How late the job's last run started after its scheduled time", ["job"])
scheduler_runs = Counter(f"{PREFIX}_scheduler_runs", "Scheduler job runs by job and outcome (ok, error)",
                         ["job", "outcome"])
sender_active = Gauge(f"{PREFIX}_outbox_sender_active",
                      "1 while this process holds the outbox sender's role (the advisory lock on PostgreSQL)")
database_up = Gauge(f"{PREFIX}_database_up", "1 if the last health check reached the database")


def update_processed(kind: str, outcome: str) -> None:
    updates.labels(kind=kind, outcome=outcome).inc()


def faq_reply(decision: str) -> None:
    faq_outcomes.labels(decision=decision).inc()


def outbox_send(kind: str, result: str) -> None:
    outbox_sends.labels(kind=kind, result=result).inc()


def job_started(job: str, lag_seconds: float) -> None:
    scheduler_lag.labels(job=job).set(max(lag_seconds, 0.0))


def job_finished(job: str, ok: bool) -> None:
    scheduler_runs.labels(job=job, outcome="ok" if ok else "error").inc()


def exposition(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The text format Prometheus scrapes."""
    return generate_latest(registry)
