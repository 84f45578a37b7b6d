"""`python -m bot kb check`: everything that can be wrong with the knowledge base, found before customers do."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from bot.core.common.locale import LOCALES
from bot.core.common.text import fold
from bot.core.faq.knowledge_base import KnowledgeBase, strip_tags
from bot.core.faq.learned import Matcher

TELEGRAM_MAX_CHARS = 4096
_ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "strong", "em", "blockquote"}
_TAGS = re.compile(r"<(/?)([a-zA-Z0-9-]+)[^>]*>")


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    questions: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _html_problem(html: str) -> str | None:
    """The first tag problem Telegram would reject, or None."""
    stack: list[str] = []
    for closing, name in _TAGS.findall(html):
        name = name.lower()
        if name not in _ALLOWED_TAGS:
            return f"tag <{name}> is not allowed in Telegram HTML"
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"</{name}> does not close the open tag"
    return f"<{stack[-1]}> is never closed" if stack else None


def check_knowledge_base(kb: KnowledgeBase, matcher: Matcher) -> CheckReport:
    """Schema problems are caught by loading; this finds duplicates, collisions and unsendable answers."""
    report = CheckReport()
    seen: dict[str, list[str]] = defaultdict(list)
    for entry in kb.entries:
        for locale in LOCALES:
            html = kb.answer(entry.id, locale)
            if len(strip_tags(html)) > TELEGRAM_MAX_CHARS:
                report.errors.append(f"{entry.id}: answer.{locale}: longer than {TELEGRAM_MAX_CHARS} characters")
            if problem := _html_problem(html):
                report.errors.append(f"{entry.id}: answer.{locale}: {problem}")
        for locale, question in entry.questions.all():
            report.questions += 1
            seen[fold(question)].append(f"{entry.id} ({locale}: {question!r})")
    for folded, places in seen.items():
        if len(places) > 1:
            report.errors.append(f"duplicate question {folded!r} in " + ", ".join(places))
    for entry in kb.entries:
        for locale, question in entry.questions.all():
            result = matcher.match(question)
            if result.entry_id != entry.id:
                report.errors.append(
                    f"{entry.id}: {locale} question {question!r} is matched to {result.entry_id} "
                    f"(score {result.score}); reword it or move it"
                )
            elif result.decision != "answer":
                runner = next((s for s in result.suggestions if s.entry_id != entry.id), None)
                close = f", close to {runner.entry_id} ({runner.score})" if runner else ""
                report.warnings.append(
                    f"{entry.id}: {locale} question {question!r} is only suggested (score {result.score}{close})"
                )
    return report
