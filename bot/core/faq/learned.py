"""The FAQ matcher the bot uses: the learned model (bot.core.faq.model) turned into answer / suggest / fallback.

The model is fitted at start-up (or by `python -m bot kb build`) and cached per content of the knowledge base
and matching.yaml: in the process (the tests build the app many times) and as a file under data/ (a restart
does not refit). Thresholds are the calibrated ones; the off-topic words, the short-query rule and the content rule
(at least two words or character pairs the knowledge base knows, bot.core.faq.matcher.MIN_CONTENT) stay hard vetoes
on a confident answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import time
from pathlib import Path

import sklearn

from bot.core.common.text import fold
from bot.core.faq.knowledge_base import KnowledgeBase
from bot.core.faq.matcher import (
    MAX_SUGGESTIONS,
    Analyzer,
    LexicalMatcher,
    MatchingConfig,
    MatchResult,
    Suggestion,
)
from bot.core.faq.model import MODEL_VERSION, OFF_TOPIC, LearnedModel, candidates, fit, signals

log = logging.getLogger(__name__)
_MEMO: dict[str, LearnedModel] = {}
_CACHE_KEEP = 8
_LEXICAL: dict[str, LexicalMatcher] = {}
_LEXICAL_KEEP = 4
# One broad word ("warranty") is offered the entries it could mean, those with at least this share of the best one's
# probability: the rest are noise, not choices.
BROAD_SHARE = 0.25


def training_questions(kb: KnowledgeBase) -> list[tuple[str, str]]:
    return [(entry.id, question) for entry in kb.entries for _, question in entry.questions.all()]


def off_topic_questions(config: MatchingConfig) -> list[str]:
    return [question for questions in config.off_topic_examples.values() for question in questions]


def model_key(questions: list[tuple[str, str]], config: MatchingConfig) -> str:
    """What a fitted model depends on: the questions, matching.yaml, this code's version, scikit-learn's."""
    payload = json.dumps(
        [MODEL_VERSION, sklearn.__version__, questions, config.model_dump(mode="json")], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def _lexical(questions: list[tuple[str, str]], config: MatchingConfig, key: str) -> LexicalMatcher:
    """The lexical index for this content (`key`: model_key): built once per process (half a second), then
    shared; it does not change once built (only its memoised analyses grow)."""
    if key not in _LEXICAL:
        while len(_LEXICAL) >= _LEXICAL_KEEP:
            _LEXICAL.pop(next(iter(_LEXICAL)))
        _LEXICAL[key] = LexicalMatcher(questions, config)
    return _LEXICAL[key]


def load_or_fit(
    questions: list[tuple[str, str]], config: MatchingConfig, key: str, cache_dir: Path | None, refit: bool = False
) -> tuple[LearnedModel, bool]:
    """The fitted model for this content (`key`: model_key), and whether it was fitted now (False: from a cache)."""
    if key in _MEMO and not refit:
        return _MEMO[key], False
    path = cache_dir / f"faq_model-{key}.pickle" if cache_dir else None
    if path and path.exists() and not refit:
        try:
            # Our own file, written below for exactly this content and library version.
            model = pickle.loads(path.read_bytes())
            _MEMO[key] = model
            return model, False
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError) as exc:
            log.warning("ignoring unreadable model cache %s: %s", path, exc)
    started = time.perf_counter()
    model = fit(questions, off_topic_questions(config), config)
    log.info("FAQ model fitted in %.1f s (%d questions)", time.perf_counter() - started, len(questions))
    _MEMO[key] = model
    if path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(pickle.dumps(model))
            temporary.replace(path)
            _prune(cache_dir)  # type: ignore[arg-type]
        except OSError as exc:  # a read-only checkout still runs, it only refits at every start
            log.warning("could not cache the FAQ model in %s: %s", path, exc)
    return model, True


def _prune(cache_dir: Path) -> None:
    """Keep the few most recent models: every edit of the knowledge base makes a new one."""
    dated = []
    for path in cache_dir.glob("faq_model-*.pickle"):
        try:
            dated.append((path.stat().st_mtime, path))
        except FileNotFoundError:  # another process pruned it meanwhile
            continue
    for _, old in sorted(dated, reverse=True)[_CACHE_KEEP:]:
        old.unlink(missing_ok=True)


class Matcher:
    """Scores questions against a knowledge base and decides: answer, suggest or fallback."""

    def __init__(
        self, kb: KnowledgeBase, config: MatchingConfig, cache_dir: Path | None = None, refit: bool = False
    ) -> None:
        self.kb = kb
        self.config = config
        questions = training_questions(kb)
        key = model_key(questions, config)  # what the model and the index are both built from
        self.model, self.fitted_now = load_or_fit(questions, config, key, cache_dir, refit)
        self.lexical = _lexical(questions, config, key)
        self.analyzer: Analyzer = self.lexical.analyzer
        self._classes = self.model.classifier.classes
        self._off_topic = self._classes.index(OFF_TOPIC)

    def clear_caches(self) -> None:
        """Forget every memoised analysis (the benchmark measures questions never seen before)."""
        analyzer = self.analyzer
        for cached in (
            fold,
            analyzer.canonical,
            analyzer.query_canonical,
            analyzer._correct,
            analyzer._respell_word,
            analyzer.correct_chinese,
            analyzer.query_features,
        ):
            cached.cache_clear()  # type: ignore[attr-defined]

    @property
    def answer_threshold(self) -> float:
        return round(self.model.answer_threshold * 100, 1)

    @property
    def suggest_threshold(self) -> float:
        return round(self.model.suggest_threshold * 100, 1)

    def ranked(self, text: str) -> tuple[list[tuple[str, float]], bool, bool, bool, str]:
        """Candidate entries with the probability (0–1) that each is right, best first; whether a confident
        answer is vetoed (a word outside after-sales, too short a question or too little content in it: one known
        word, a digit); whether the question is the top entry's own, word for word (a curated question is answered);
        whether it is one broad after-sales word ("warranty", 保修: the probability is spread over every entry it
        could mean, so the best ones are offered whatever their share); the canonical question."""
        out_of_domain = self.analyzer.is_out_of_domain(text)
        sig = signals(text, self.analyzer, self.model.classifier, self.lexical, out_of_domain)
        found = candidates(sig, self.model.classifier, self._off_topic)
        if not found or not sig.lexical:  # not one word in common with any entry: nothing to suggest
            return [], True, False, False, self.analyzer.canonical(text)
        probabilities = self.model.confidence.probabilities([row for _, row in found])
        ranked = sorted(zip((e for e, _ in found), probabilities.tolist(), strict=True), key=lambda x: -x[1])
        top = ranked[0][0]
        off_topic = out_of_domain or sig.off_topic_first(self._off_topic)
        vetoed = off_topic or ((sig.short or sig.thin) and sig.exact != top)
        broad = sig.thin and not off_topic and self.lexical.content(text) > 0  # a bare "2" is not a word
        return ranked, vetoed, sig.exact == top, broad, self.analyzer.canonical(text)

    def match(self, text: str) -> MatchResult:
        """Decide what to do with one question."""
        if not self.analyzer.canonical(text).strip():
            return MatchResult("fallback", None, 0.0, [], "")
        ranked, vetoed, own, broad, canonical = self.ranked(text)
        model = self.model
        suggestions = [
            Suggestion(e, round(p * 100, 1))
            for e, p in ranked[:MAX_SUGGESTIONS]
            if p >= model.suggest_threshold or (broad and p >= ranked[0][1] * BROAD_SHARE)
        ]
        if not ranked or (ranked[0][1] < model.suggest_threshold and not own and not broad):
            top = ranked[0] if ranked else (None, 0.0)
            return MatchResult("fallback", top[0], round(top[1] * 100, 1), [], canonical)
        top_id, top_p = ranked[0]
        if (top_p >= model.answer_threshold or own) and not vetoed:
            return MatchResult("answer", top_id, round(top_p * 100, 1), suggestions, canonical)
        return MatchResult("suggest", top_id, round(top_p * 100, 1), suggestions, canonical)
