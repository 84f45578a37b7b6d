"""FAQ matcher benchmark: accuracy and per-query latency against a plain rapidfuzz baseline, same run.

    python bench/faq_bench.py            (or: make bench)

Baseline: rapidfuzz `process.extractOne(question, all_raw_questions, scorer=WRatio)`, the entry of the best
question taken as the answer. Both run on the labelled set (tests/data/faq_eval.yaml, written without sight of
faq.yaml), at the real knowledge-base size and with the knowledge base inflated tenfold (each entry cloned nine
times with its questions rotated, so the index holds ten near-duplicates of everything; a hit on a clone counts
for the entry it was cloned from).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.faq import FaqEntry, KnowledgeBase
from bot.core.faq_eval import Accuracy, LabelledSet, evaluate
from bot.core.matcher import MatchingConfig
from bot.core.matcher_learned import Matcher
from bot.core.text import fold
from bot.services import load_knowledge
from bot.settings import ROOT, Settings

ROUNDS = 5
CLONE = "__clone"


def inflate(kb: KnowledgeBase, factor: int, dealer: object) -> KnowledgeBase:
    """The knowledge base with every entry cloned `factor - 1` times, questions rotated to differ."""
    entries = list(kb.entries)
    for copy in range(1, factor):
        for entry in kb.entries:
            data = entry.model_dump(by_alias=True)
            data["id"] = f"{entry.id[:30]}{CLONE}{copy}"
            data["related"] = []
            for locale, questions in data["questions"].items():
                data["questions"][locale] = [q[copy % len(q):] + " " + q[: copy % len(q)] for q in questions]
            entries.append(FaqEntry.model_validate(data))
    return KnowledgeBase(entries, dealer)  # type: ignore[arg-type]


def original(entry_id: str | None) -> str | None:
    return entry_id.split(CLONE)[0] if entry_id and CLONE in entry_id else entry_id


def ours(matcher: Matcher, ids: dict[str, str]) -> Callable[[str], tuple[str, str | None]]:
    def predict(question: str) -> tuple[str, str | None]:
        result = matcher.match(question)
        first = result.entry_id if result.decision == "answer" else next((s.entry_id for s in result.suggestions), None)
        return result.decision, ids.get(original(first) or "", original(first))

    return predict


def baseline(kb: KnowledgeBase) -> Callable[[str], tuple[str, str | None]]:
    questions = [question for entry in kb.entries for _, question in entry.questions.all()]
    owners = [entry.id for entry in kb.entries for _ in entry.questions.all()]

    def predict(question: str) -> tuple[str, str | None]:
        best = process.extractOne(question, questions, scorer=fuzz.WRatio, processor=utils.default_process)
        return ("answer", original(owners[best[2]])) if best else ("fallback", None)

    return predict


def latency_us(predict: Callable[[str], object], questions: list[str], matcher: Matcher) -> tuple[float, float]:
    """Per-question latency over ROUNDS passes; caches are emptied before each pass, so no answer is free."""
    samples = []
    for _ in range(ROUNDS):
        fold.cache_clear()
        matcher.analyzer.canonical.cache_clear()  # type: ignore[attr-defined]
        for question in questions:
            start = time.perf_counter_ns()
            predict(question)
            samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def top1(accuracy: Accuracy) -> float:
    return accuracy.right_rate


def main() -> int:
    settings = Settings(_env_file=None)
    dealer, kb, _ = load_knowledge(settings)
    config = MatchingConfig.load(settings.knowledge_dir / "matching.yaml")
    labelled = LabelledSet.load(ROOT / "tests" / "data" / "faq_eval.yaml")
    every_question = [q for q, _ in labelled.in_domain] + labelled.out_of_domain
    print(f"labelled set: {len(labelled.in_domain)} in-domain, {len(labelled.out_of_domain)} out-of-domain questions")
    print(f"{'size':>10} {'matcher':>9} {'right':>7} {'direct':>7} {'ood ans':>8} {'p50 µs':>8} {'p99 µs':>8}")
    worst_p99_real = 0.0
    for factor in (1, 10):
        sized = kb if factor == 1 else inflate(kb, factor, dealer)
        matcher = Matcher(sized, config)
        label = f"{factor}x ({sum(1 for e in sized.entries for _ in e.questions.all())}q)"
        rows = {}
        for name, predict in (("ours", ours(matcher, {})), ("rapidfuzz", baseline(sized))):
            accuracy = evaluate(predict, labelled)
            p50, p99 = latency_us(predict, every_question, matcher)
            rows[name] = (accuracy, p50, p99)
            print(f"{label:>10} {name:>9} {accuracy.right_rate:7.1%} {accuracy.direct_rate:7.1%} "
                  f"{accuracy.out_of_domain_rate:8.1%} {p50:8.0f} {p99:8.0f}")
        (a, p50, p99), (b, bp50, bp99) = rows["ours"], rows["rapidfuzz"]
        print(f"{label:>10} ratio ours/baseline: accuracy {a.right_rate / max(b.right_rate, 1e-9):.2f}x "
              f"(+{(a.right_rate - b.right_rate) * 100:.1f} points), p50 latency {p50 / bp50:.2f}x, "
              f"p99 latency {p99 / bp99:.2f}x")
        if factor == 1:
            worst_p99_real = p99
            gain = (a.right_rate - b.right_rate) * 100
    print(f"\ntargets: p99 at real size {worst_p99_real / 1000:.2f} ms (≤ 2 ms), "
          f"accuracy gain {gain:.1f} points (≥ 15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
