"""Chinese-aware fuzzy matching of a customer's question against the knowledge base.

A question is folded (bot.core.common.text.fold), synonyms are rewritten to one canonical form, and it becomes a bag
of features: Chinese character bigrams (and weaker unigrams), English word stems. Typos are corrected towards
what the knowledge base knows: English words to the nearest known word (rapidfuzz), Chinese character pairs
to a known pair that sounds the same (保羊 → 保养, 預越 → 预约: pinyin input makes these the common typos).
Features are weighted by how rare they are across entries (idf). An entry's score blends the best cosine
similarity against any one of its alternate questions with how much of the question the entry's vocabulary
explains. Features the knowledge base has never seen count against every entry (a question about 洗衣機 is
not one about 保養), and a question naming something outside after-sales is never answered outright; nor is one
with fewer than MIN_CONTENT words the knowledge base knows ("skip", "7|多96": a rare token is no question).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process
from scipy import sparse

from bot.core.common.config_files import load_model
from bot.core.common.locale import Locale
from bot.core.common.text import CJK, fold

Decision = Literal["answer", "suggest", "fallback"]
MAX_SUGGESTIONS = 3
_RUNS = re.compile(rf"[{CJK}]+|[a-z0-9]+")
_CJK_RUN = re.compile(rf"[{CJK}]+")
_QUANTITY = re.compile(rf"(\d+)(?=[{CJK}])")  # a number with its unit: 7天, 3000公里 (and "7 days", rewritten to 7天)
# Characters too common to mean anything on their own (they still count inside bigrams).
_STOP_CHARS = frozenset("的了吗呢啊吧么是我你他她有在和要会能可以个这那就都也还吗嘛哦喔呀啦咩嘅唔系")
_UNIGRAM_WEIGHT = 0.35
_LATIN_WORDS = re.compile(r"[a-z]+")
_SPELLING_CUTOFF = 84  # rapidfuzz ratio: "servise" → "service" (86), but not "water" → "after" (80)
# A word of _DROPPED_LETTER_MIN letters or more that lost one of a doubled letter is respelled ("recal"); from
# _RESPELL_MIN any typo is: shorter words are more often real words the knowledge base lacks ("tired", "boot").
_DROPPED_LETTER_MIN = 4
_RESPELL_MIN = 6
_DIGIT_WEIGHT = 0.6
# An outright answer needs at least this many words or Chinese character pairs the knowledge base knows (after typos
# and synonyms): one ("skip", "again") or none (digits and stray characters, "7|多96") is no question, however sure
# the model is of the one entry a rare token points to. Unless the text is an entry's own question (三包).
MIN_CONTENT = 2
# Entry score = COSINE_SHARE × best single-question cosine + the rest × share of the question the entry explains.
COSINE_SHARE = 0.35


class Calibration(BaseModel):
    """What the answer and suggestion thresholds are calibrated to (bot.core.faq.model), not the thresholds."""

    model_config = ConfigDict(extra="forbid")

    folds: int = Field(ge=3, le=10)
    max_wrong_answers: float = Field(ge=0, le=0.2)
    max_off_topic_answered: float = Field(ge=0, le=0.2)
    max_in_domain_fallback: float = Field(ge=0, le=0.2)


_Words = TypeVar("_Words", list[str], dict[str, list[str]])


class MatchingConfig(BaseModel):
    """knowledge/matching.yaml."""

    model_config = ConfigDict(extra="forbid")

    calibration: Calibration
    synonyms: dict[str, list[str]]
    stopwords_en: list[str]
    out_of_domain_words: list[str]
    in_domain_phrases: list[str] = []
    car_words: list[str]
    off_topic_examples: dict[Locale, list[str]]

    @field_validator("synonyms", "out_of_domain_words", "in_domain_phrases", "car_words")
    @classmethod
    def _not_filler(cls, value: _Words) -> _Words:
        words = [w for key, variants in value.items() for w in (key, *variants)] if isinstance(value, dict) else value
        if empty := [w for w in words if not fold(w)]:
            raise ValueError(f"{', '.join(map(repr, empty))}: filler that is dropped before matching (text.fold)")
        return value

    @classmethod
    def load(cls, path: Path) -> MatchingConfig:
        return load_model(path, cls)


@dataclass(frozen=True)
class Suggestion:
    entry_id: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """What the matcher decided for one question."""

    decision: Decision
    entry_id: str | None
    score: float
    suggestions: list[Suggestion] = field(default_factory=list)
    normalized: str = ""


def _stem(word: str) -> str:
    """A deliberately small English stemmer: plurals and -ing/-ed, enough to match "tyres" with "tyre"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def _char_sound(char: str) -> str:
    return lazy_pinyin(char, style=Style.NORMAL)[0]


# Alternate questions carry customers' typos on purpose ("first servise", 保羊): a word or character pair seen
# once, close to one seen often, is taken for such a typo rather than a word to correct towards, so the
# customer's same typo is still corrected ("servised" → "serviced", not → "servise").
_TYPO_ONCE, _USUAL = 1, 3


def _usual_words(counts: Counter[str]) -> set[str]:
    """The words minus those seen once that are a spelling away from a word seen `_USUAL` times or more."""
    often = [word for word, n in counts.items() if n >= _USUAL]
    return {
        word for word, n in counts.items()
        if n > _TYPO_ONCE or not process.extractOne(word, often, scorer=fuzz.ratio, score_cutoff=_SPELLING_CUTOFF)
    }  # fmt: skip


def _usual_pairs(counts: Counter[str]) -> set[str]:
    """The character pairs minus those seen once that sound like a pair seen `_USUAL` times or more."""
    often_sounds = {_sound(pair) for pair, n in counts.items() if n >= _USUAL}
    return {pair for pair, n in counts.items() if n > _TYPO_ONCE or _sound(pair) not in often_sounds}


def _sound(pair: str) -> str:
    """Toneless pinyin of a character pair, character by character: what a pinyin keyboard user typed. One
    pypinyin call per character ever seen (cached), not one per pair of every question."""
    return _char_sound(pair[0]) + " " + _char_sound(pair[1])


class _Spelling:
    """Known words, and the closest of them to a word that is not one (rapidfuzz ratio ≥ _SPELLING_CUTOFF).

    Only words of a length that can reach the cutoff are compared: the ratio is 100 · (1 − d / (a + b)) for an
    edit distance d ≥ |a − b|, so "louder" (6) is compared with the words of 5 to 8 letters, not all 1,500 (half
    the time of a typo's lookup, the most of a long English question's). The candidates keep the sorted order,
    so ties go to the same word as over the whole list."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted(set(words))
        self._known = frozenset(self.words)
        self._by_length: dict[int, list[str]] = {}

    def _candidates(self, length: int) -> list[str]:
        if length not in self._by_length:
            reach = {n for n in map(len, self.words) if _best_ratio(n, length) > _SPELLING_CUTOFF - 1e-6}
            self._by_length[length] = [w for w in self.words if len(w) in reach]
        return self._by_length[length]

    def with_a_double_restored(self, word: str) -> str:
        """The known word that `word` is with one of a doubled letter left out ("recal" → "recall", "ofer" →
        "offer"), the typo a short word has (a letter left out elsewhere more often makes another word: "lock" /
        "block", "rust" / "trust", "pain" / "paint"); the word itself when it is known or there is none. A few set
        lookups, no fuzzy search."""
        if word in self._known:
            return word
        restored = sorted(word[:i] + word[i - 1] + word[i:] for i in range(1, len(word) + 1))
        return next((candidate for candidate in restored if candidate in self._known), word)

    def closest(self, word: str) -> str:
        """The word itself when known, else the closest known word, else the word."""
        if word in self._known or not self.words:
            return word
        best = process.extractOne(word, self._candidates(len(word)), scorer=fuzz.ratio, score_cutoff=_SPELLING_CUTOFF)
        return best[0] if best else word


def _best_ratio(a: int, b: int) -> float:
    """The highest rapidfuzz ratio two words of these lengths can have: their edit distance is at least |a − b|."""
    return 100 * (1 - abs(a - b) / (a + b))


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One alternation, longest first; Latin phrases only match as whole words, with their plural or past
    ("serviced", "bookings" are "service", "booking"; not "tired"). The phrase itself is group 1 or 2."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    latin = "|".join(re.escape(p) for p in ordered if p[0].isascii()) or "(?!)"
    other = "|".join(re.escape(p) for p in ordered if not p[0].isascii()) or "(?!)"
    return re.compile(rf"(?<![a-z0-9])({latin})(?:s|es|ed|ing|(?<=[^r]e)d)?(?![a-z0-9])|({other})")


def _phrase(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2)


class Analyzer:
    """Turns text into weighted features; the same analysis for the knowledge base and for questions."""

    def __init__(self, config: MatchingConfig) -> None:
        self._rewrites: dict[str, str] = {}
        for canonical, variants in config.synonyms.items():
            for variant in [canonical, *variants]:
                self._rewrites[fold(variant)] = fold(canonical)
        self._synonyms = _phrase_pattern(list(self._rewrites))
        self.canonical = lru_cache(maxsize=4096)(self._canonical)  # type: ignore[method-assign]
        self._stopwords = frozenset(_stem(fold(word)) for word in config.stopwords_en)
        self._out_of_domain = _phrase_pattern([self.canonical(w) for w in config.out_of_domain_words])
        self._in_domain = _phrase_pattern([self.canonical(w) for w in config.in_domain_phrases])
        self._car_words = _phrase_pattern([self.canonical(w) for w in config.car_words])
        self._vocabulary = _Spelling(())
        self._known_pairs: frozenset[str] = frozenset()
        self._pairs_by_sound: dict[str, str] = {}
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)
        self.correct_chinese = lru_cache(maxsize=8192)(self._correct_chinese)  # type: ignore[method-assign]
        # A customer's question is analysed once, for the classifier and for the lexical scores alike.
        self.query_features = lru_cache(maxsize=4096)(self._query_features)
        # Whole English words as written, before synonyms and stems: "opning hours" must become "opening hours"
        # before "opening hours" can be read as 营业时间. Off-topic words are known too, so "weather" stays.
        off_topic = [q for questions in config.off_topic_examples.values() for q in questions]
        known_texts = [*self._rewrites, *config.stopwords_en, *off_topic]
        self._base_words = {word for text in known_texts for word in _LATIN_WORDS.findall(fold(text))}
        self._words = _Spelling(self._base_words)
        self._respell_word = lru_cache(maxsize=8192)(self._respell_word_uncached)
        self.query_canonical = lru_cache(maxsize=4096)(self._query_canonical)  # type: ignore[method-assign]

    def _canonical(self, text: str) -> str:
        """Folded text with every synonym rewritten to its canonical form."""
        return self._synonyms.sub(lambda m: self._rewrites[_phrase(m)], fold(text))

    def _respell_word_uncached(self, word: str) -> str:
        """The closest known word; a short word only when it lost one of a doubled letter ("recal" → "recall", never
        "tired" → "tire": a short unknown word is more often a real word the knowledge base lacks than a typo)."""
        if len(word) < _DROPPED_LETTER_MIN:
            return word
        if len(word) >= _RESPELL_MIN:
            return self._words.closest(word)
        return self._words.with_a_double_restored(word)

    def _query_canonical(self, text: str) -> str:
        """A customer's question: English misspellings corrected to known words, then canonical."""
        return self.canonical(_LATIN_WORDS.sub(lambda m: self._respell_word(m.group(0)), fold(text)))

    def set_vocabulary(self, words: set[str], pairs: set[str], spelled: set[str] | None = None) -> None:
        """The English words (stems; `spelled`: as written) and Chinese character pairs the knowledge base knows:
        typos are corrected to them."""
        self._words = _Spelling(self._base_words | (spelled or set()))
        self._respell_word.cache_clear()
        self.query_canonical.cache_clear()  # type: ignore[attr-defined]
        self._vocabulary = _Spelling(words)
        self._known_pairs = frozenset(pairs)
        by_sound: dict[str, set[str]] = defaultdict(set)
        for pair in pairs:
            by_sound[_sound(pair)].add(pair)
        # Only unambiguous sounds: when two known pairs sound alike, a typo could mean either.
        self._pairs_by_sound = {sound: next(iter(found)) for sound, found in by_sound.items() if len(found) == 1}
        self._correct.cache_clear()
        self.correct_chinese.cache_clear()  # type: ignore[attr-defined]
        self.query_features.cache_clear()

    def _correct_chinese(self, run: str) -> str:
        """Replace unknown character pairs by the known pair that sounds the same, never breaking a known pair
        next to it (機油幾 stays 机油几: 油几 sounds like 有几, but 机油 is a word the knowledge base knows)."""
        chars = list(run)
        known_pairs = self._known_pairs
        for index in range(len(chars) - 1):
            pair = chars[index] + chars[index + 1]
            if pair in known_pairs:
                continue
            known = self._pairs_by_sound.get(_sound(pair))
            if not known:
                continue
            before = index > 0 and known[0] != chars[index] and chars[index - 1] + chars[index] in known_pairs
            after = (
                index + 2 < len(chars)
                and known[1] != chars[index + 1]
                and chars[index + 1] + chars[index + 2] in known_pairs
            )
            if not (before or after):
                chars[index], chars[index + 1] = known
        return "".join(chars)

    def _correct_uncached(self, word: str) -> str:
        return word if len(word) < 4 else self._vocabulary.closest(word)

    def _query_features(self, text: str) -> dict[str, float]:
        """`features(text, correct=True)`, memoised: callers must not change the dict they get."""
        return self.features(text, correct=True)

    def features(self, text: str, correct: bool = False) -> dict[str, float]:
        """Feature → weight factor (before idf)."""
        found: dict[str, float] = {}
        for run in _RUNS.findall(self.query_canonical(text) if correct else self.canonical(text)):
            if _CJK_RUN.fullmatch(run):
                if correct:
                    run = self.correct_chinese(run)
                for index in range(len(run) - 1):
                    found[run[index : index + 2]] = 1.0
                for char in run:
                    if char not in _STOP_CHARS:
                        found.setdefault(char, _UNIGRAM_WEIGHT)
            elif run.isdigit():
                found.setdefault(f"#{run}", _DIGIT_WEIGHT)
            else:
                word = _stem(run)
                if word in self._stopwords:
                    continue
                if correct:
                    word = self._correct(word)
                found[f"w:{word}"] = 1.0
        return found

    def is_out_of_domain(self, text: str) -> bool:
        """Names something other than a car (手機, washing machine) and no car at all. An after-sales phrase that
        holds such a word (手機號, a customer's phone number) does not count."""
        canonical = self._in_domain.sub(" ", self.canonical(text))
        return bool(self._out_of_domain.search(canonical)) and not self._car_words.search(canonical)


class LexicalMatcher:
    """Scores questions by the words they share with each entry's alternate questions (idf-weighted).

    One of the signals of the learned matcher (bot.core.faq.model), which decides; built from (entry id,
    question) pairs so that cross-validation can leave questions out.
    """

    def __init__(self, questions: list[tuple[str, str]], config: MatchingConfig) -> None:
        self.config = config
        self.analyzer = Analyzer(config)
        self._questions: list[tuple[str, str]] = []  # (entry id, question text)
        self.exact: dict[str, str] = {}  # canonical question → its entry: what a very short query may answer
        question_features: list[dict[str, float]] = []
        entry_features: dict[str, set[str]] = defaultdict(set)
        for entry_id, question in questions:
            feats = self.analyzer.features(question)
            self._questions.append((entry_id, question))
            self.exact.setdefault(compact(self.analyzer.canonical(question)), entry_id)
            question_features.append(feats)
            entry_features[entry_id].update(feats)
        seen = Counter(f for feats in question_features for f in feats)
        self.analyzer.set_vocabulary(
            _usual_words(Counter({f[2:]: n for f, n in seen.items() if f.startswith("w:")})),
            _usual_pairs(Counter({f: n for f, n in seen.items() if len(f) == 2 and _CJK_RUN.fullmatch(f)})),
            _usual_words(Counter(word for _, question in questions for word in _LATIN_WORDS.findall(fold(question)))),
        )
        entries = max(len(entry_features), 1)
        document_frequency: dict[str, int] = defaultdict(int)
        for feats in entry_features.values():
            for feature in feats:
                document_frequency[feature] += 1
        self._idf = {f: math.log(1 + entries / df) for f, df in document_frequency.items()}
        self._unknown_idf = math.log(1 + entries / 0.5)
        self._entry_ids = sorted(entry_features)  # an entry's position in every per-entry array below
        entry_position = {entry_id: n for n, entry_id in enumerate(self._entry_ids)}
        entry_postings: dict[str, list[int]] = defaultdict(list)
        for entry_id, feats in entry_features.items():
            for feature in feats:
                entry_postings[feature].append(entry_position[entry_id])
        self._entry_postings = {f: np.array(found, dtype=np.intp) for f, found in entry_postings.items()}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._norms: list[float] = []
        self._owners = [entry_id for entry_id, _ in self._questions]
        for index, feats in enumerate(question_features):
            # Single characters only count towards what an entry explains: in the cosine they would touch
            # hundreds of questions each (保, 车) and cost more time than they add accuracy.
            weights = {f: factor * self._idf[f] for f, factor in feats.items() if factor >= 1.0}
            self._norms.append(math.sqrt(sum(w * w for w in weights.values())) or 1.0)
            for feature, weight in weights.items():
                self._postings[feature].append((index, weight))
        self._index_cosines()

    def _index_cosines(self) -> None:
        """The postings as one sparse matrix (feature × question, each question's weights over its norm) with
        the questions grouped by entry, so a question's best cosine per entry is one weighted sum of a few rows
        and one `maximum.reduceat`, in numpy, at any size of knowledge base."""
        owners = self._owners
        order = sorted(range(len(owners)), key=lambda index: owners[index])
        position = {index: row for row, index in enumerate(order)}
        self._columns = {feature: column for column, feature in enumerate(self._postings)}
        rows, columns, values = [], [], []
        for feature, postings in self._postings.items():
            for index, weight in postings:
                rows.append(self._columns[feature])
                columns.append(position[index])
                values.append(weight / self._norms[index])
        shape = (len(self._columns), len(order))
        cosines = sparse.csr_matrix((values, (rows, columns)), shape=shape)
        # The CSR arrays themselves: slicing them is cheaper than scipy's row indexing, per question.
        self._indptr, self._indices, self._data = cosines.indptr, cosines.indices, cosines.data
        self._questions_count = len(order)
        grouped = [owners[index] for index in order]
        self._group_starts = np.array(
            [row for row in range(len(grouped)) if row == 0 or grouped[row] != grouped[row - 1]], dtype=np.intp
        )
        assert [grouped[row] for row in self._group_starts] == self._entry_ids  # both sorted by entry id

    def _best_cosines(self, rows: list[int], weights: list[float]) -> np.ndarray:
        """Per entry (in `_entry_ids` order), the best cosine (before the query's norm) of the question with one
        of its alternates: the weighted sum of the question's feature rows, then the maximum per entry."""
        if not rows:
            return np.zeros(len(self._entry_ids))
        indptr, indices, data = self._indptr, self._indices, self._data
        spans = [(indptr[row], indptr[row + 1]) for row in rows]
        columns = np.concatenate([indices[a:b] for a, b in spans])
        values = np.concatenate([data[a:b] * weight for (a, b), weight in zip(spans, weights, strict=True)])
        dots = np.bincount(columns, values, minlength=self._questions_count)
        return np.maximum.reduceat(dots, self._group_starts)

    def content(self, text: str) -> int:
        """How much of the question is meaningful: its words and character pairs (after typos and synonyms) that
        the knowledge base's questions hold, and its known numbers that carry a unit (7天退車: 7天 and 退车). A
        single character or a bare number (吗60, "7|多96") is a weak feature, not content."""
        known = self._idf
        words = sum(1 for feature in self.analyzer.query_features(text) if _is_content(feature) and feature in known)
        numbers = {n for n in _QUANTITY.findall(self.analyzer.query_canonical(text)) if f"#{n}" in known}
        return words + len(numbers)

    def scores(self, text: str) -> tuple[dict[str, float], str, float]:
        """Score (0–100) per entry with any overlap, the canonical question, and the share of the question
        (idf-weighted) made of words the knowledge base has never seen: 銀行, 火鍋店 are someone else's business."""
        feats = self.analyzer.query_features(text)
        query_norm = query_mass = unknown_mass = 0.0
        rows: list[int] = []
        weights: list[float] = []
        postings: list[np.ndarray] = []
        posting_weights: list[float] = []
        for feature, factor in feats.items():
            idf = self._idf.get(feature)
            weight = factor * (idf if idf is not None else self._unknown_idf)
            query_mass += weight
            if factor >= 1.0:
                query_norm += weight * weight
            if idf is None:
                unknown_mass += weight
                continue
            if (row := self._columns.get(feature)) is not None:
                rows.append(row)
                weights.append(weight)
            postings.append(self._entry_postings[feature])
            posting_weights.append(weight)
        unknown = unknown_mass / (query_mass or 1.0)
        if not postings:
            return {}, self.analyzer.query_canonical(text), unknown
        # What share of the question each entry's vocabulary explains: one bincount over the features' entries.
        lengths = [len(found) for found in postings]
        explained = np.bincount(
            np.concatenate(postings), np.repeat(posting_weights, lengths), minlength=len(self._entry_ids)
        )
        norm = math.sqrt(query_norm) or 1.0
        cosine_scale, share_scale = 100.0 * COSINE_SHARE / norm, 100.0 * (1 - COSINE_SHARE) / (query_mass or 1.0)
        totals = cosine_scale * self._best_cosines(rows, weights) + share_scale * explained
        touched = np.flatnonzero(explained).tolist()
        entry_ids = self._entry_ids
        scores = dict(zip([entry_ids[n] for n in touched], totals[touched].tolist(), strict=True))
        return scores, self.analyzer.query_canonical(text), unknown


def _is_content(feature: str) -> bool:
    """An English word or a Chinese character pair, not a single character (保) or a number (#7)."""
    return feature.startswith("w:") or (len(feature) == 2 and bool(_CJK_RUN.fullmatch(feature)))


def compact(canonical: str) -> str:
    return "".join(canonical.split())


def too_short(canonical: str) -> bool:
    """A bare number ("7", "1000") or one or two characters ("明天") is not a question: unless it is one of the
    knowledge base's own questions ("三包"), whatever it matches is offered as "did you mean", never answered."""
    compact = "".join(canonical.split())
    return compact.isdigit() or len(compact) <= 2
