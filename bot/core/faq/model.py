"""The FAQ matcher that learns from the knowledge base: two learned stages and thresholds calibrated on data.

1. A linear classifier (scikit-learn LinearSVC over TF-IDF of the analyzer's features plus character
   trigrams) trained on faq.yaml's alternate questions and on the off-topic examples in matching.yaml (one more
   class), so a question is ranked against every entry at once and "someone else's 保修" has a class of its own.
2. A confidence model (scikit-learn LogisticRegression) that scores each candidate entry from the classifier's
   scores, the lexical matcher's scores (bot.core.faq.matcher: words the question shares with the entry, typos and
   synonyms corrected) and the off-topic signals: the probability that this entry is the right one.

It is trained on out-of-fold predictions (k-fold over the alternate questions: a held-out question is never in
the index that scores it), and the answer / suggest thresholds are then chosen on cross-validated
probabilities to meet the targets in matching.yaml's `calibration`. Nothing is downloaded; a fit takes a couple
of seconds and is cached per knowledge-base content (bot.core.faq.learned).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from bot.core.faq.matcher import MIN_CONTENT, Analyzer, LexicalMatcher, MatchingConfig, compact, too_short

OFF_TOPIC = "__off_topic__"
MODEL_VERSION = 10  # bump when features or stages change: cached models are keyed by it
# Chinese character trigrams next to bigrams (weight 1). 5-fold CV, 4,078 questions, same targets: 1.5 → 77.9% answered
# right, 1.0 → 79.8%, 0.5 → 80.6%, 0.3 → 81.1% (development set 93.0% at 1.0, 94.2% at 0.5 and 0.3).
_TRIGRAM_WEIGHT = 0.5
_LATIN_TRIGRAM_WEIGHT = 0.5
_FROM_CLASSIFIER = 3  # candidates: the classifier's top entries...
_FROM_LEXICAL = 2  # ...and the lexical matcher's
_SVC_C = 3.0
_CONFIDENCE_C = 1.0
OFF_TOPIC_WEIGHT = 1.0  # the off-topic examples' total weight in the confidence model, relative to the questions


def model_features(analyzer: Analyzer, text: str, correct: bool) -> dict[str, float]:
    """The analyzer's features (bigrams, unigrams, English stems) plus character trigrams of the folded text."""
    found = dict(analyzer.query_features(text) if correct else analyzer.features(text))
    for run in (analyzer.query_canonical(text) if correct else analyzer.canonical(text)).split():
        if run.isascii():
            padded = f" {run} "
            for index in range(len(padded) - 2):
                found.setdefault("c:" + padded[index : index + 3], _LATIN_TRIGRAM_WEIGHT)
        else:
            if correct:
                run = analyzer.correct_chinese(run)
            for index in range(len(run) - 2):
                found["t:" + run[index : index + 3]] = _TRIGRAM_WEIGHT
    return found


@dataclass
class Classifier:
    """Stage 1: TF-IDF over the features, one linear score per class (entries and OFF_TOPIC)."""

    vectorizer: DictVectorizer
    tfidf: TfidfTransformer
    classes: list[str]
    coef: np.ndarray  # features × classes: the fitted LinearSVC's coef_, transposed so a feature is a row
    intercept: np.ndarray
    columns: dict[str, int]  # feature → column: the vectorizer's fitted vocabulary_
    idf: np.ndarray  # the transformer's fitted idf_

    @classmethod
    def fit(cls, rows: list[dict[str, float]], labels: list[str]) -> Classifier:
        vectorizer = DictVectorizer()
        tfidf = TfidfTransformer(sublinear_tf=False)  # the features' own weights (unigrams 0.35) are the tf
        matrix = tfidf.fit_transform(vectorizer.fit_transform(rows))
        svc = LinearSVC(C=_SVC_C, random_state=0).fit(matrix, labels)  # the same fit on every machine
        coef = np.ascontiguousarray(svc.coef_.T)
        return cls(vectorizer, tfidf, [str(c) for c in svc.classes_], coef, svc.intercept_,
                   dict(vectorizer.vocabulary_), tfidf.idf_)  # fmt: skip

    @cached_property
    def class_index(self) -> dict[str, int]:
        """Class → its position in `classes` (and in `scores`)."""
        return {c: i for i, c in enumerate(self.classes)}

    def scores(self, features: dict[str, float]) -> np.ndarray:
        """The decision function for one question. What `tfidf.transform(vectorizer.transform(...))` then the
        product with coef_ compute, from the same fitted vocabulary_, idf_ and coef_, without scikit-learn's
        per-call input validation (most of a millisecond a question; tests compare the two paths)."""
        columns = [(self.columns[f], w) for f, w in features.items() if f in self.columns]
        if not columns:
            return self.intercept.copy()
        index = np.fromiter((c for c, _ in columns), dtype=np.intp, count=len(columns))
        weights = np.fromiter((w for _, w in columns), dtype=float, count=len(columns)) * self.idf[index]
        weights /= np.sqrt(weights @ weights) or 1.0  # the transformer's l2 norm
        return weights @ self.coef[index] + self.intercept

    def scores_with_sklearn(self, features: dict[str, float]) -> np.ndarray:
        """The same through scikit-learn's own transform (the reference `scores` is tested against)."""
        vector = self.tfidf.transform(self.vectorizer.transform([features]))
        return (vector @ self.coef).ravel() + self.intercept


@dataclass(frozen=True)
class Signals:
    """Everything the confidence model sees about one question."""

    classifier: np.ndarray  # per class
    lexical: dict[str, float]  # per entry with any overlap, 0–100
    out_of_domain: bool
    short: bool
    exact: str | None  # the entry whose own question this is, word for word
    unknown: float  # share of the question the knowledge base has no word for
    thin: bool  # fewer than MIN_CONTENT known words or character pairs: "skip", "7|多96" (LexicalMatcher.content)

    def off_topic_first(self, off_topic: int) -> bool:
        """The classifier ranks the off-topic class above every entry: never answered outright."""
        return int(np.argmax(self.classifier)) == off_topic


def signals(
    text: str, analyzer: Analyzer, classifier: Classifier, lexical: LexicalMatcher, out_of_domain: bool
) -> Signals:
    scores = classifier.scores(model_features(analyzer, text, correct=True))
    lexical_scores, canonical, unknown = lexical.scores(text)
    exact = lexical.exact.get(compact(canonical))
    thin = lexical.content(text) < MIN_CONTENT
    return Signals(scores, lexical_scores, out_of_domain, too_short(canonical), exact, unknown, thin)


def _top(scores: np.ndarray, count: int) -> list[int]:
    """The positions of the `count` highest scores, highest first (a partition, not a sort of every class)."""
    if count >= len(scores):
        return np.argsort(-scores).tolist()
    best = np.argpartition(-scores, count - 1)[:count]
    return best[np.argsort(-scores[best])].tolist()


def candidates(sig: Signals, classifier: Classifier, off_topic: int) -> list[tuple[str, list[float]]]:
    """The entries worth scoring, each with the confidence model's feature vector."""
    classes, index = classifier.classes, classifier.class_index
    order = [i for i in _top(sig.classifier, _FROM_CLASSIFIER + 1) if i != off_topic]
    chosen = [classes[i] for i in order[:_FROM_CLASSIFIER]]
    for entry_id, _ in sorted(sig.lexical.items(), key=lambda item: item[1], reverse=True)[:_FROM_LEXICAL]:
        if entry_id not in chosen:
            chosen.append(entry_id)
    best_entry = sig.classifier[order[0]] if order else 0.0
    second_entry = sig.classifier[order[1]] if len(order) > 1 else best_entry - 1.0
    lexical_ranked = [*sorted(sig.lexical.values(), reverse=True), 0.0, 0.0]
    classifier_top = classes[order[0]] if order else None
    lexical_top = max(sig.lexical, key=sig.lexical.__getitem__) if sig.lexical else None
    rows = []
    for entry_id in chosen:
        score = sig.classifier[index[entry_id]] if entry_id in index else -2.0
        other = second_entry if score >= best_entry else best_entry
        lexical = sig.lexical.get(entry_id, 0.0)
        lexical_other = lexical_ranked[1] if lexical >= lexical_ranked[0] else lexical_ranked[0]
        rows.append(
            (
                entry_id,
                [
                    score,
                    score - other,
                    sig.classifier[off_topic] - score,
                    lexical / 100,
                    (lexical - lexical_other) / 100,
                    float(sig.out_of_domain),
                    float(sig.short and sig.exact != entry_id),
                    float(sig.exact == entry_id),
                    sig.unknown,
                    float(entry_id == classifier_top and entry_id == lexical_top),  # both rankers agree
                    sig.classifier[off_topic],
                ],
            )
        )
    return rows


@dataclass
class Confidence:
    """Stage 2: the probability that a candidate entry is the right one (logistic regression)."""

    scaler: StandardScaler
    coef: np.ndarray
    intercept: float

    @classmethod
    def fit(cls, rows: np.ndarray, right: np.ndarray, weights: np.ndarray) -> Confidence:
        scaler = StandardScaler().fit(rows)
        model = LogisticRegression(C=_CONFIDENCE_C, max_iter=1000)
        model.fit(scaler.transform(rows), right, sample_weight=weights)
        return cls(scaler, model.coef_.ravel(), float(model.intercept_[0]))

    def probabilities(self, rows: list[list[float]]) -> np.ndarray:
        z = (np.asarray(rows) - self.scaler.mean_) / self.scaler.scale_
        return 1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept)))


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold figures over the alternate questions (and off-topic examples), thresholds applied."""

    folds: int
    questions: int
    off_topic: int
    right_first: float  # the right entry ranked first
    answered_right: float
    answered_wrong: float
    fallback: float
    off_topic_answered: float


@dataclass
class LearnedModel:
    classifier: Classifier
    confidence: Confidence
    answer_threshold: float
    suggest_threshold: float
    cross_validation: CrossValidation


@dataclass
class _HeldOut:
    """One held-out question's candidates and whether each is right."""

    expected: str | None  # None for an off-topic example
    entries: list[str]
    rows: list[list[float]]
    vetoed: bool  # never answered outright (off-topic word, too short, too little content)


def fit(questions: list[tuple[str, str]], off_topic: list[str], config: MatchingConfig) -> LearnedModel:
    """Fit both stages and calibrate the thresholds (k-fold, see the module docstring)."""
    texts = [q for _, q in questions] + off_topic
    labels = [e for e, _ in questions] + [OFF_TOPIC] * len(off_topic)
    plain = Analyzer(config)
    rows = [model_features(plain, text, correct=False) for text in texts]
    folds = config.calibration.folds
    held_out: list[_HeldOut] = []
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(texts, labels):
        lexical = LexicalMatcher([questions[i] for i in train if i < len(questions)], config)
        classifier = Classifier.fit([rows[i] for i in train], [labels[i] for i in train])
        off = classifier.classes.index(OFF_TOPIC)
        for i in test:
            ood = lexical.analyzer.is_out_of_domain(texts[i])
            sig = signals(texts[i], lexical.analyzer, classifier, lexical, ood)
            found = candidates(sig, classifier, off)
            expected = labels[i] if labels[i] != OFF_TOPIC else None
            vetoed = ood or ((sig.short or sig.thin) and sig.exact is None) or sig.off_topic_first(off)
            held_out.append(_HeldOut(expected, [e for e, _ in found], [r for _, r in found], vetoed))
    matrix = np.array([row for h in held_out for row in h.rows])
    right = np.array([e == h.expected for h in held_out for e in h.entries])
    groups = np.array([n for n, h in enumerate(held_out) for _ in h.entries])
    # Off-topic examples are few next to the alternate questions; weighted up, they count as much in all.
    off_weight = OFF_TOPIC_WEIGHT * len(questions) / max(len(off_topic), 1)
    weights = np.array([1.0 if h.expected else off_weight for h in held_out for _ in h.entries])
    # Probabilities for calibration come from a confidence model that never saw the question (grouped k-fold).
    oof = np.zeros(len(right))
    for train, test in GroupKFold(n_splits=folds).split(matrix, right, groups):
        oof[test] = Confidence.fit(matrix[train], right[train], weights[train]).probabilities(matrix[test].tolist())
    answer, suggest, report = _calibrate(held_out, oof, config, folds)
    return LearnedModel(Classifier.fit(rows, labels), Confidence.fit(matrix, right, weights), answer, suggest, report)


def _at_or_above(thresholds: np.ndarray, probabilities: list[float]) -> np.ndarray:
    """For each threshold, how many of the probabilities are at or above it."""
    ordered = np.sort(np.asarray(probabilities, dtype=float))
    return len(ordered) - np.searchsorted(ordered, thresholds, side="left")


def _calibrate(
    held_out: list[_HeldOut], probabilities: np.ndarray, config: MatchingConfig, folds: int
) -> tuple[float, float, CrossValidation]:
    """The lowest answer threshold that meets the wrong-answer and off-topic targets; the highest suggest
    threshold that sends at most the allowed share of in-domain questions to the fallback."""
    tops: list[tuple[float, bool, bool, bool]] = []  # (probability, in domain, right, vetoed)
    start = 0
    for h in held_out:
        p = probabilities[start : start + len(h.entries)]
        start += len(h.entries)
        best = int(np.argmax(p)) if len(p) else -1
        top_p = float(p[best]) if best >= 0 else 0.0
        tops.append((top_p, h.expected is not None, best >= 0 and h.entries[best] == h.expected, h.vetoed))
    inside = [t for t in tops if t[1]]
    outside = [t for t in tops if not t[1]]
    target = config.calibration
    # Going down from the highest candidate threshold, the first one that answers too many held-out questions
    # wrong or too many off-topic examples stops the search; the one before it is the answer threshold. The
    # counts at every threshold at once, from the sorted probabilities (a loop over the questions per threshold
    # was quadratic: minutes at 10× the knowledge base).
    thresholds = np.array(sorted({round(t[0], 4) for t in tops}, reverse=True))
    wrong = _at_or_above(thresholds, [p for p, _, ok, v in inside if not ok and not v])
    off = _at_or_above(thresholds, [p for p, _, _, v in outside if not v])
    too_many = (wrong > target.max_wrong_answers * len(inside)) | (off > target.max_off_topic_answered * len(outside))
    stop = int(np.argmax(too_many)) if too_many.any() else len(thresholds)
    answer = float(thresholds[stop - 1]) if stop > 0 else 1.0
    right_probabilities = sorted(p for p, _, ok, _ in inside if ok)
    allowed = int(target.max_in_domain_fallback * len(inside))
    suggest = min(right_probabilities[allowed] if len(right_probabilities) > allowed else 0.0, answer)

    def share(items: list[tuple[float, bool, bool, bool]], test: object) -> float:
        return sum(1 for t in items if test(t)) / max(len(items), 1)  # type: ignore[operator]

    report = CrossValidation(
        folds=folds,
        questions=len(inside),
        off_topic=len(outside),
        right_first=share(inside, lambda t: t[2] and t[0] >= suggest),
        answered_right=share(inside, lambda t: t[2] and t[0] >= answer and not t[3]),
        answered_wrong=share(inside, lambda t: not t[2] and t[0] >= answer and not t[3]),
        fallback=share(inside, lambda t: t[0] < suggest),
        off_topic_answered=share(outside, lambda t: t[0] >= answer and not t[3]),
    )
    return answer, suggest, report
