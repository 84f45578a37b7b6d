"""`python -m bot kb build` and `python -m bot kb learn`: the learned FAQ matcher from the command line."""

from __future__ import annotations

import asyncio
import sys
import time

from bot.core.common.config_files import ConfigError
from bot.core.common.locale import LOCALES
from bot.core.common.settings import Settings
from bot.core.faq import repo as faq_repo
from bot.core.faq.check import check_knowledge_base
from bot.core.faq.learn import Addition, append_questions
from bot.core.faq.learned import Matcher
from bot.core.services import load_knowledge
from bot.db.engine import create_engine, session_factory
from bot.db.faq.models import FaqLearned


def build(settings: Settings) -> int:
    """Fit the matcher now (ignoring any cache), print the calibrated thresholds and cross-validated figures."""
    started = time.perf_counter()
    _dealer, kb, matcher = load_knowledge(settings, refit=True)
    seconds = time.perf_counter() - started
    cv = matcher.model.cross_validation
    questions = sum(1 for entry in kb.entries for _ in entry.questions.all())
    print(f"{kb.source}: {len(kb)} entries, {questions} questions, fitted in {seconds:.1f} s")
    print(f"thresholds (calibrated): answer at P ≥ {matcher.answer_threshold / 100:.3f}, "
          f"did-you-mean at P ≥ {matcher.suggest_threshold / 100:.3f}")
    print(f"{cv.folds}-fold cross-validation over the alternate questions ({cv.questions}; each held out "
          f"from the index that scores it) and {cv.off_topic} off-topic examples:")
    print(f"  right entry first {cv.right_first:.1%}, answered right {cv.answered_right:.1%}, "
          f"answered wrong {cv.answered_wrong:.1%}, fallback {cv.fallback:.1%}, "
          f"off-topic answered {cv.off_topic_answered:.1%}")
    return 0


def _describe(row: FaqLearned, guess: str | None) -> str:
    target = row.entry_id or f"? (advisor answered; best guess {guess or '-'})"
    return f"{row.id:5d} {row.count:4d}  {row.source:10s} {row.lang:7s} {row.question!r} → {target}"


def _parse_accept(values: list[str]) -> dict[int, str | None]:
    chosen: dict[int, str | None] = {}
    for value in values:
        number, _, entry_id = value.partition("=")
        if not number.isdigit():
            raise ConfigError(f"--accept {value!r}: expected a number from the list, or NUMBER=ENTRY_ID")
        chosen[int(number)] = entry_id or None
    return chosen


async def learn(settings: Settings, accept: list[str], reject: list[int]) -> int:
    """List the confirmed pairs; append accepted ones to faq.yaml (then `kb check` must still pass)."""
    _dealer, kb, matcher = load_knowledge(settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine).begin() as session:
            rows = {row.id: row for row in await faq_repo.faq_pairs(session)}
            chosen = _parse_accept(accept)
            if not chosen and not reject:
                return _list(rows, matcher)
            additions, accepted = [], []
            for number, entry_id in chosen.items():
                row = rows.get(number)
                target = entry_id or (row.entry_id if row else None)
                if row is None or not target or target not in kb.by_id or row.lang not in LOCALES:
                    print(f"error: {number}: not a pending pair, or no known entry (use {number}=ENTRY_ID)",
                          file=sys.stderr)
                    return 1
                additions.append(Addition(target, row.lang, row.question))  # type: ignore[arg-type]
                accepted.append(row)
            if additions and not _append_and_check(settings, additions):
                return 1
            for row in accepted:
                row.status = "accepted"
            for number in reject:
                if number in rows:
                    rows[number].status = "rejected"
            print(f"accepted {len(accepted)}, rejected {len([n for n in reject if n in rows])}")
    finally:
        await engine.dispose()
    return 0


def _list(rows: dict[int, FaqLearned], matcher: Matcher) -> int:
    if not rows:
        print("no confirmed questions waiting for review")
        return 0
    print("   id count  source     lang    question → entry")
    for row in rows.values():
        print(_describe(row, None if row.entry_id else matcher.match(row.question).entry_id))
    print("\naccept: python -m bot kb learn --accept ID [ID=ENTRY_ID …]   reject: --reject ID …")
    return 0


def _append_and_check(settings: Settings, additions: list[Addition]) -> bool:
    """Write the additions into faq.yaml; put the file back if `kb check` no longer passes."""
    path = settings.knowledge_dir / "faq.yaml"
    before = path.read_text(encoding="utf-8")
    try:
        path.write_text(append_questions(path, additions), encoding="utf-8")
        _dealer, kb, matcher = load_knowledge(settings)
        report = check_knowledge_base(kb, matcher)
    except (ConfigError, ValueError) as exc:
        path.write_text(before, encoding="utf-8")
        print(f"error: {exc}\nfaq.yaml left as it was", file=sys.stderr)
        return False
    if not report.ok:
        path.write_text(before, encoding="utf-8")
        for error in report.errors:
            print(f"error: {error}", file=sys.stderr)
        print("faq.yaml left as it was: `kb check` would fail with these questions", file=sys.stderr)
        return False
    for addition in additions:
        print(f"added to {addition.entry_id} ({addition.locale}): {addition.question}")
    return True


def run_learn(settings: Settings, accept: list[str], reject: list[int]) -> int:
    return asyncio.run(learn(settings, accept, reject))
