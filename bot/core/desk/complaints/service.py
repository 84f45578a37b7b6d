"""Complaints: recognising one, when it escalates, and escalating it to the supervisors (no telegram import).

The seed's rule (FACTS.md §6): a complaint is acknowledged at once; unresolved after two days
(settings.complaint_escalation_hours) it goes to the supervisor. A complaint is a ticket of kind "complaint"
opened by bot.handlers.desk.handoff.tickets.open_ticket with `escalate_at`; `escalate_overdue` (a desk task) finds those
neither resolved nor closed by then and, once per ticket, posts a message in the ticket's topic mentioning
every supervisor, through the outbox, and logs it as a TicketEvent.

Two patterns, matched on the text folded to lower-case Simplified Chinese:
- `is_complaint_request`: a message that opens with "I want to complain" in any of the three languages
  ("我要投訴", "投诉", "我有個投訴", "complaint", "I want to file a complaint about…"), or says so after the
  story ("師傅態度太差，我要投訴！"). Questions about the complaint line ("投訴電話是多少") are left to the FAQ.
- `reads_as_complaint`: a follow-up comment that complains anywhere in it ("師傅態度很差", "still not fixed",
  "very disappointed"), or a complaint request.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from bot.core.common.settings import Settings
from bot.core.common.text import to_simplified
from bot.core.desk.followups import repo as followup_repo
from bot.core.outbox import store as outbox
from bot.core.outbox.store import OutboxItem, message_payload
from bot.core.staff import repo as staff_repo
from bot.core.staff.roles import StaffMember

if TYPE_CHECKING:  # the services type only: the desk sits below the services container
    from bot.core.services import Services

log = logging.getLogger(__name__)

_REQUEST = re.compile(
    r"^\s*(?:"
    r"(?:我们?|本人)?(?:要|想|想要|需要|希望|要求)?(?:投诉|客诉)(?!电话|热线|号码|方式|渠道|流程|途径)"
    r"|(?:我们?|本人)(?:有|有个|有一个|有一件)(?:投诉|不满)"
    r"|(?:(?:i|we)\s*)?(?:want|would like|'d like|wish|need|have)\s+to\s+(?:make|file|lodge|raise|submit|register)"
    r"\s+(?:a\s+|an\s+)?(?:formal\s+)?complaint"
    r"|(?:(?:i|we)\s*)?(?:want|would like|'d like|wish|need|have)\s+to\s+complain"
    r"|(?:i|we)\s+(?:have|'ve got|got)\s+a\s+complaint"
    r"|(?:i\s+am\s+|i'm\s+)?complaining\b"
    r"|complaint\b(?!\s+(?:number|line|hotline|phone|procedure|process)\b)"
    r")",
    re.IGNORECASE,
)
_COMMENT = re.compile(
    r"投诉|客诉|不满|很差|太差|真差|差劲|失望|生气|愤怒|气死|敷衍|被坑|坑人|骗人|欺骗|没修好|没有修好|还没好|"
    r"又坏|又出问题|问题还在|还是有问题|不能接受|无法接受|态度差|态度很差|态度不好|要求赔偿|退款"
    r"|\bcomplain|\bterrible\b|\bawful\b|\bhorrible\b|\bunacceptable\b|\bdisappoint|\bdissatisfied\b|\bunhappy\b"
    r"|\bangry\b|\brude\b|\bworst\b|\bworse\b|\bnot fixed\b|\bstill (?:broken|not working|not fixed)\b"
    r"|\bripped off\b|\brip-?off\b|\brefund\b",
    re.IGNORECASE,
)
# "…，我要投訴！", "… and I want to complain": the request anywhere in the message, after the story.
_REQUEST_ANYWHERE = re.compile(
    r"(?:我们?|本人)(?:要|想|想要|要求)(?:投诉|客诉)(?!电话|热线|号码|方式|渠道|流程|途径)"
    r"|\b(?:want|would like|'d like|wish|need)\s+to\s+(?:complain\b|(?:make|file|lodge|raise|submit|register)"
    r"\s+(?:a\s+|an\s+)?(?:formal\s+)?complaint\b)",
    re.IGNORECASE,
)
ESCALATED_KEY = "complaint:{ticket}:escalated"


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.sub(r"\s+", " ", to_simplified(text))


def is_complaint_request(text: str | None) -> bool:
    """Whether a typed message asks to complain: it starts that way ("投訴…", "complaint: …"), or says "I want to
    complain" anywhere ("師傅態度太差，我要投訴")."""
    if not text:
        return False
    folded = _folded(text)
    return _REQUEST.search(folded) is not None or _REQUEST_ANYWHERE.search(folded) is not None


def reads_as_complaint(text: str | None) -> bool:
    """Whether a follow-up comment complains."""
    if not text:
        return False
    return is_complaint_request(text) or _COMMENT.search(_folded(text)) is not None


def escalate_at(now: dt.datetime, settings: Settings) -> dt.datetime:
    """When a complaint opened `now` goes to the supervisor unless resolved."""
    return now + dt.timedelta(hours=settings.complaint_escalation_hours)


async def supervisors(services: Services) -> list[StaffMember]:
    """Everyone who may act as a supervisor (admins too), to mention."""
    async with services.sessions() as session:
        return await staff_repo.members(session, "supervisor")


def mentions(members: list[StaffMember]) -> list[dict[str, Any]]:
    """Template data for `tg://user?id=` mentions (they notify even members who muted the group)."""
    return [{"id": m.telegram_user_id, "name": m.label} for m in members]


async def escalate_overdue(services: Services, now: dt.datetime) -> int:
    """The desk task: escalate each unresolved complaint past its escalate_at, once; returns how many."""
    async with services.sessions() as session:
        due = await followup_repo.overdue_complaints(session, now)
        found = await staff_repo.members(session, "supervisor") if due else []
    settings, done = services.settings, 0
    for complaint in due:
        async with services.sessions.begin() as session:
            if not await followup_repo.mark_escalated(session, complaint.id, now):
                continue  # another tick, or resolved/closed meanwhile
            ids = ", ".join(str(m.telegram_user_id) for m in found) or "none registered"
            await followup_repo.log_event(session, complaint.id, "escalated", f"to supervisor(s): {ids}", now)
            if settings.advisor_group_id is None:
                log.warning("complaint ticket %s escalated, but no advisors' group is configured", complaint.id)
            else:
                await outbox.enqueue_many(session, [_notice(services, complaint, found, now)], now)
        done += 1
    return done


def _notice(
    services: Services, complaint: followup_repo.OverdueComplaint, found: list[StaffMember], now: dt.datetime
) -> OutboxItem:
    settings = services.settings
    assert settings.advisor_group_id is not None
    text = services.messages.render(
        settings.default_locale,
        "complaint_escalated",
        ticket=complaint.id,
        supervisors=mentions(found),
        opened=complaint.opened_at.astimezone(settings.tz),
        hours=round((now - complaint.opened_at).total_seconds() / 3600),
    )
    payload = message_payload(text)
    if complaint.topic_id is not None:
        payload["message_thread_id"] = complaint.topic_id
    # Staff are people too: a complaint past its deadline at 23:00 is posted when quiet hours end.
    return OutboxItem(
        ESCALATED_KEY.format(ticket=complaint.id),
        "notice",
        settings.advisor_group_id,
        payload,
        not_before=settings.quiet_hours.shift(now),
    )
