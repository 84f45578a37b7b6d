"""Learning from customers, with a person in the loop.

When a customer taps a "did you mean" suggestion, or taps "none of these" and an advisor then answers, the
(question → entry) pair is recorded (bot.db.faq.models.FaqLearned, with only the Telegram id of the latest asker,
so /forget can delete their words). `python -m bot kb learn` lists the
candidates and appends the accepted ones to faq.yaml as alternate questions in the locale they were written in;
the matcher learns them at its next build. Never automatic: a wrong tap must not teach the bot a wrong answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.common.locale import Locale
from bot.core.common.text import fold

# Questions that may carry something personal (a phone or plate number, an e-mail address) are not kept.
# Digits split by spaces, dots, dashes or Unicode spaces count as one number (138 2651 4417, 138.2651.4417).
_PERSONAL = re.compile(r"\d(?:[\s.\-\u00a0\u2009\u202f]*\d){5,}|@|[a-z0-9]{2,}\.[a-z]{2,}/|https?:", re.IGNORECASE)
_MIN_CHARS, _MAX_CHARS = 3, 200


def worth_learning(question: str) -> bool:
    """Long enough to be a question, short enough to be one, and nothing personal in it."""
    folded = fold(question)
    return _MIN_CHARS <= len(folded) <= _MAX_CHARS and not _PERSONAL.search(question)


@dataclass(frozen=True)
class Addition:
    entry_id: str
    locale: Locale
    question: str


def _yaml_item(question: str) -> str:
    """The question as one YAML list item: plain when that reads back the same, else double-quoted."""
    text = " ".join(question.split())
    try:
        if yaml.safe_load(f"- {text}") == [text]:
            return f"- {text}"
    except yaml.YAMLError:
        pass
    return "- " + '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def append_questions(path: Path, additions: list[Addition]) -> str:
    """faq.yaml's text with each addition appended to its entry's question list for its locale. Only lines are
    inserted: comments and layout stay as staff wrote them. Raises ValueError naming what it cannot place."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for addition in additions:
        start = next((i for i, line in enumerate(lines) if line.strip() == f"- id: {addition.entry_id}"), None)
        if start is None:
            raise ValueError(f"no entry {addition.entry_id!r} in {path}")
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("- ")), len(lines))
        header = next(
            (i for i in range(start, end) if lines[i].strip() == f"{addition.locale}:" and lines[i].startswith("    ")),
            None,
        )
        if header is None:
            raise ValueError(f"entry {addition.entry_id}: no question list for {addition.locale}")
        indent = lines[header + 1][: len(lines[header + 1]) - len(lines[header + 1].lstrip())]
        last = header
        while last + 1 < end and lines[last + 1].startswith(indent + "- "):
            last += 1
        lines.insert(last + 1, indent + _yaml_item(addition.question))
    return "\n".join(lines) + "\n"
