"""FAQ matcher benchmark: accuracy and per-query latency against a plain rapidfuzz baseline, same run.

    python bench/faq_bench.py [--no-10x] [--dev-only] [--cache DIR] [--set FILE ...]       (or: make bench)

What the customer gets from CareBot (bot.core.faq.service.FaqService.ask: the emergency and person intents, then
the learned matcher) against rapidfuzz `process.extractOne(question, all_raw_questions, scorer=WRatio)`, the
entry of the best question taken as the answer. Both run on the development set (tests/data/faq_eval.yaml,
tuned on) and the blind test set (tests/data/faq_blind.yaml, never seen while tuning), at the real
knowledge-base size and with the knowledge base inflated tenfold (each entry cloned nine times, each clone's
questions with about half their words and Chinese characters swapped the same way throughout the clone: 720
topics sharing some words, see `_disguise`; a hit on a clone counts for the entry it was cloned from, and the
matcher is refitted on the inflated knowledge base). Also printed: the k-fold
cross-validation over faq.yaml's own alternate questions, from the fit. With --cache DIR a model fitted earlier for
exactly the same content (its key covers every question, matching.yaml, the model's version and scikit-learn's)
is reused from DIR and a new fit is stored there: the tenfold fit takes about 20 CPU minutes. --set FILE scores one
more labelled set of the same format (a set kept outside the project) beside the two.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.common.settings import ROOT, Settings
from bot.core.faq.evaluation import Accuracy, LabelledSet, evaluate
from bot.core.faq.knowledge_base import FaqEntry, KnowledgeBase
from bot.core.faq.learned import Matcher
from bot.core.faq.matcher import MatchingConfig
from bot.core.faq.service import FaqService
from bot.core.services import load_knowledge

ROUNDS = 3
CLONE = "__clone"


def _disguise(text: str, copy: int) -> str:
    """`text` with about half its words and Chinese characters swapped, the same way in every question of clone
    `copy`: a clone is a topic of its own that shares some words with the others, as a bigger knowledge base's
    topics do. (Clones with the very words of the original, only rotated, cannot be told apart: ten copies of one
    class, on which the linear classifier's fit never converges, hours at 10x.)"""

    def swapped(token: str) -> bool:
        return zlib.crc32(f"{copy}:{token}".encode()) % 2 == 0

    words = []
    for word in text.split():
        if word.isascii():
            words.append(f"{word[:2]}{zlib.crc32(f'{copy}{word}'.encode()) % 9973}" if swapped(word) else word)
        else:
            words.append("".join(chr(0x4E00 + (ord(c) - 0x4E00 + 977 * copy) % 0x5000)
                                 if "\u4e00" <= c <= "\u9fff" and swapped(c) else c for c in word))  # fmt: skip
    return " ".join(words)


def inflate(kb: KnowledgeBase, factor: int, dealer: object) -> KnowledgeBase:
    """The knowledge base with every entry cloned `factor - 1` times, each clone's questions disguised."""
    entries = list(kb.entries)
    for copy in range(1, factor):
        for entry in kb.entries:
            data = entry.model_dump(by_alias=True)
            data["id"] = f"{entry.id[:30]}{CLONE}{copy}"
            data["related"] = []
            for locale, questions in data["questions"].items():
                data["questions"][locale] = [_disguise(q, copy) for q in questions]
            entries.append(FaqEntry.model_validate(data))
    return KnowledgeBase(entries, dealer)  # type: ignore[arg-type]


def original(entry_id: str | None) -> str | None:
    return entry_id.split(CLONE)[0] if entry_id and CLONE in entry_id else entry_id


def ours(service: FaqService) -> Callable[[str], tuple[str, str | None]]:
    def predict(question: str) -> tuple[str, str | None]:
        reply = service.ask(question, "en")
        first = reply.entry_id if reply.decision == "answer" else next((s.entry_id for s in reply.suggestions), None)
        return reply.decision, original(first)

    return predict


def baseline(kb: KnowledgeBase) -> Callable[[str], tuple[str, str | None]]:
    questions = [question for entry in kb.entries for _, question in entry.questions.all()]
    owners = [entry.id for entry in kb.entries for _ in entry.questions.all()]

    def predict(question: str) -> tuple[str, str | None]:
        best = process.extractOne(question, questions, scorer=fuzz.WRatio, processor=utils.default_process)
        return ("answer", original(owners[best[2]])) if best else ("fallback", None)

    return predict


def latency_us(
    predict: Callable[[str], object], questions: list[str], matcher: Matcher
) -> tuple[float, float, float]:
    """Per-question latency over ROUNDS passes (p50 and p99 wall, p99 CPU); caches are emptied before each pass,
    so no answer is free. The CPU time is this thread's alone: on a shared machine the wall time's tail is mostly
    time the process waited for a core."""
    samples, cpu = [], []
    for _ in range(ROUNDS):
        matcher.clear_caches()
        for question in questions:
            start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
            predict(question)
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
            samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    cpu.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1], cpu[int(len(cpu) * 0.99) - 1]


HEADER = (f"{'set':>6} {'size':>12} {'matcher':>9} {'right':>6} {'wrong':>6} {'dym 1st':>7} {'fallbk':>6} "
          f"{'first':>6} {'ood ans':>7} {'p50 ms':>7} {'p99 ms':>7} {'p99 cpu':>7}")


def row(name: str, label: str, matcher_name: str, a: Accuracy, p50: float, p99: float, cpu99: float) -> str:
    return (f"{name:>6} {label:>12} {matcher_name:>9} {a.direct_rate:6.1%} {a.wrong_rate:6.1%} "
            f"{a.suggested_first_rate:7.1%} {a.fallback_rate:6.1%} {a.right_rate:6.1%} {a.out_of_domain_rate:7.1%} "
            f"{p50 / 1000:7.2f} {p99 / 1000:7.2f} {cpu99 / 1000:7.2f}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="FAQ matcher accuracy and latency against plain rapidfuzz.")
    parser.add_argument("--no-10x", action="store_true", help="only the real knowledge-base size")
    parser.add_argument("--dev-only", action="store_true", help="only the development set (and any --set)")
    parser.add_argument("--cache", type=Path, metavar="DIR", help="reuse (and store) fitted models in DIR")
    parser.add_argument("--set", type=Path, action="append", default=[], metavar="FILE",
                        help="one more labelled set to score (the format of tests/data/faq_blind.yaml)")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    settings = Settings(_env_file=None)
    dealer, kb, _ = load_knowledge(settings)
    config = MatchingConfig.load(settings.knowledge_dir / "matching.yaml")
    names = ("eval",) if args.dev_only else ("eval", "blind")
    sets = {name: LabelledSet.load(ROOT / "tests" / "data" / f"faq_{name}.yaml") for name in names}
    for number, path in enumerate(args.set, start=1):
        sets[f"set{number}"] = LabelledSet.load(path)
        print(f"set{number} = {path}")
    for name, labelled in sets.items():
        print(f"{name}: {len(labelled.in_domain)} in-domain, {len(labelled.out_of_domain)} off-topic")
    print("right = answered right outright; wrong = answered with the wrong entry; dym 1st = did-you-mean led by "
          "the right entry;\nfirst = right + dym 1st; ood ans = off-topic questions answered outright; "
          f"p50/p99 wall and p99 CPU time a question, over {ROUNDS} passes with the caches emptied\n")
    print(HEADER)
    factors = (1,) if args.no_10x else (1, 10)
    cache = args.cache
    for factor in factors:
        sized = kb if factor == 1 else inflate(kb, factor, dealer)
        started = time.perf_counter()
        matcher = Matcher(sized, config, cache_dir=cache, refit=cache is None)
        fit_seconds = time.perf_counter() - started
        fitted = f"fitted in {fit_seconds:.1f} s" if matcher.fitted_now else f"loaded from {cache}"
        service = FaqService(sized, matcher, sessions=None)  # type: ignore[arg-type]  # ask never records
        label = f"{factor}x {sum(1 for e in sized.entries for _ in e.questions.all())}q"
        for name, labelled in sets.items():
            every_question = [q for q, _ in labelled.in_domain] + labelled.out_of_domain
            for matcher_name, predict in (("carebot", ours(service)), ("rapidfuzz", baseline(sized))):
                accuracy = evaluate(predict, labelled)
                p50, p99, cpu99 = latency_us(predict, every_question, matcher)
                print(row(name, label, matcher_name, accuracy, p50, p99, cpu99), flush=True)
        cv = matcher.model.cross_validation
        print(f"{'':>6} {label:>12} {fitted}; {cv.folds}-fold CV over {cv.questions} alternate "
              f"questions: right {cv.answered_right:.1%}, wrong {cv.answered_wrong:.1%}, first {cv.right_first:.1%}, "
              f"fallback {cv.fallback:.1%}; off-topic examples answered {cv.off_topic_answered:.1%}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
