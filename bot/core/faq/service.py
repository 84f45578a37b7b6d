"""Answering questions: the matcher's decision turned into what the customer is shown."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.common import metrics
from bot.core.common.locale import Locale
from bot.core.desk.handoff import repo as ticket_repo
from bot.core.faq import repo as faq_repo
from bot.core.faq.intents import EMERGENCY_ENTRY, HUMAN_ENTRY, asks_for_a_person, is_emergency, service_type
from bot.core.faq.knowledge_base import KnowledgeBase
from bot.core.faq.learn import worth_learning
from bot.core.faq.learned import Matcher
from bot.core.faq.matcher import Decision

MAX_QUESTION_CHARS = 500  # longer messages are cut for matching; nobody asks a FAQ in more
OUTCOME_FLUSH_SECONDS = 10.0  # the daily outcome counters are written at most this often (and with every miss)


@dataclass(frozen=True)
class Choice:
    """An entry offered as a button: its id and the question shown on the button."""

    entry_id: str
    title: str
    score: float | None = None


@dataclass(frozen=True)
class FaqReply:
    """Everything a transport needs to answer one question."""

    question: str
    locale: Locale
    decision: Decision
    entry_id: str | None
    score: float
    answer_html: str | None
    suggestions: list[Choice] = field(default_factory=list)
    related: list[Choice] = field(default_factory=list)
    action: str | None = None
    normalized: str = ""


class FaqService:
    """Matches questions against the knowledge base and counts what it could not answer."""

    def __init__(
        self, kb: KnowledgeBase, matcher: Matcher, sessions: async_sessionmaker[AsyncSession],
        tz: ZoneInfo | dt.timezone = dt.UTC,
    ) -> None:  # fmt: skip
        self.kb = kb
        self.matcher = matcher
        self.sessions = sessions
        self.tz = tz  # the dealer's: the outcomes are counted per local day
        # Outcomes counted in memory and added to faq_daily in one transaction now and then: one row per day and
        # outcome would otherwise be updated by every answer, and concurrent answers would queue on its lock.
        self._outcomes: Counter[tuple[dt.date, str]] = Counter()
        self._flushed_at = time.monotonic()

    def ask(self, question: str, locale: Locale) -> FaqReply:
        """Decide and prepare the reply; no side effects (the `ask` CLI and evaluation use this). Danger and a
        request for a person are recognised before the knowledge base is searched (bot.core.faq.intents)."""
        question_cut = question[:MAX_QUESTION_CHARS]
        for intent, entry_id in ((is_emergency, EMERGENCY_ENTRY), (asks_for_a_person, HUMAN_ENTRY)):
            if entry_id in self.kb.by_id and intent(question_cut):
                return self.entry_reply(entry_id, locale, question, 100.0, self.matcher.analyzer.canonical(question))
        result = self.matcher.match(question_cut)
        suggestions = [Choice(s.entry_id, self.kb.title(s.entry_id, locale), s.score) for s in result.suggestions]
        if result.decision != "answer" or result.entry_id is None:
            return FaqReply(
                question,
                locale,
                result.decision,
                result.entry_id if result.decision == "suggest" else None,
                result.score,
                None,
                suggestions if result.decision == "suggest" else [],
                normalized=result.normalized,
            )
        return self.entry_reply(result.entry_id, locale, question, result.score, result.normalized)

    def entry_reply(
        self, entry_id: str, locale: Locale, question: str = "", score: float = 100.0, normalized: str = ""
    ) -> FaqReply:
        """The answer of one entry (after a confident match or a pressed suggestion)."""
        entry = self.kb.by_id[entry_id]
        related = [Choice(r, self.kb.title(r, locale)) for r in entry.related]
        return FaqReply(
            question,
            locale,
            "answer",
            entry_id,
            score,
            self.kb.answer(entry_id, locale),
            related=related,
            action=entry.action,
            normalized=normalized,
        )

    async def ask_and_record(self, question: str, locale: Locale, asked_by: int | None = None) -> FaqReply:
        """`ask`, then count the outcome for the day (/stats' FAQ rates) and a suggestion or fallback for
        `kb misses` (with the asker's Telegram id, so /forget can delete their words)."""
        reply = self.ask(question, locale)
        metrics.faq_reply(reply.decision)
        self._outcomes[(dt.datetime.now(self.tz).date(), reply.decision)] += 1
        miss = reply.decision != "answer" and bool(reply.normalized)
        if not miss and time.monotonic() - self._flushed_at < OUTCOME_FLUSH_SECONDS:
            return reply
        counted = self._take_outcomes()
        try:
            async with self.sessions.begin() as session:
                await _write_outcomes(session, counted)
                if miss:
                    await faq_repo.record_faq_miss(
                        session,
                        reply.normalized,
                        question[:MAX_QUESTION_CHARS],
                        locale,
                        reply.decision,
                        reply.entry_id,
                        reply.score,
                        asked_by,
                    )
        except BaseException:
            self._outcomes.update(counted)  # not written: counted again with the next write
            raise
        return reply

    async def flush_outcomes(self) -> None:
        """Write the outcomes counted since the last write (before /stats reads them, and at shutdown)."""
        if not self._outcomes:
            return
        counted = self._take_outcomes()
        try:
            async with self.sessions.begin() as session:
                await _write_outcomes(session, counted)
        except BaseException:
            self._outcomes.update(counted)
            raise

    def _take_outcomes(self) -> Counter[tuple[dt.date, str]]:
        counted, self._outcomes, self._flushed_at = self._outcomes, Counter(), time.monotonic()
        return counted

    def service_type(self, text: str) -> str | None:
        """A typed answer to "which service?" read as one (「保養」, "oil change" → maintenance), or None."""
        return service_type(self.matcher.analyzer.query_canonical(text[:MAX_QUESTION_CHARS]))

    async def record_pick(self, question: str, locale: Locale, entry_id: str, asked_by: int | None = None) -> None:
        """The customer tapped a "did you mean" suggestion for `question`: a candidate for `kb learn`."""
        await self._record(question, locale, entry_id, "suggestion", asked_by)

    async def record_advisor_answer(self, ticket_id: int, locale: Locale, asked_by: int | None = None) -> None:
        """An advisor answered a ticket opened from "none of these": the question that led there is a candidate
        (without an entry: the reviewer picks one in `kb learn`)."""
        async with self.sessions() as session:
            trail = await ticket_repo.faq_trail(session, ticket_id)
        question = next((item["q"] for item in reversed(trail) if item.get("d") == "suggest"), None)
        if question:
            await self._record(question, locale, "", "advisor", asked_by)

    async def _record(
        self, question: str, locale: Locale, entry_id: str, source: str, asked_by: int | None = None
    ) -> None:
        if not worth_learning(question):
            return
        normalized = self.matcher.analyzer.canonical(question)
        async with self.sessions.begin() as session:
            await faq_repo.record_faq_pair(
                session, normalized, question[:MAX_QUESTION_CHARS], locale, entry_id, source, asked_by
            )


async def _write_outcomes(session: AsyncSession, counted: Counter[tuple[dt.date, str]]) -> None:
    for (day, decision), count in sorted(counted.items()):
        await faq_repo.count_faq_outcome(session, day, decision, count)
