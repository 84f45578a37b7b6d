"""Accuracy of a matcher on a labelled set, shared by the tests and the bench: tests/data/faq_eval.yaml (the
development set, tuned on) and tests/data/faq_blind.yaml (the blind test set, written without sight of faq.yaml
or the matcher and never edited to fit it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# A matcher under evaluation: question → (decision, entry_id answered or first suggested).
Predict = Callable[[str], tuple[str, str | None]]


@dataclass(frozen=True)
class LabelledSet:
    in_domain: list[tuple[str, str]]  # (question, expected entry id)
    out_of_domain: list[str]

    @classmethod
    def load(cls, path: Path) -> LabelledSet:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        # Off-topic questions are plain strings (faq_eval.yaml) or {q, lang} (faq_blind.yaml).
        off_topic = [item["q"] if isinstance(item, dict) else item for item in data["out_of_domain"]]
        return cls([(item["q"], item["id"]) for item in data["in_domain"]], off_topic)


@dataclass
class Accuracy:
    answered_right: int = 0  # the right entry answered outright
    offered_first: int = 0  # the right entry offered as the first "did you mean"
    wrong_answers: list[tuple[str, str, str | None]] = field(default_factory=list)
    missed: list[tuple[str, str, str | None]] = field(default_factory=list)
    fallbacks: int = 0  # in-domain questions that got no answer and no suggestion
    in_domain: int = 0
    out_of_domain: int = 0
    out_of_domain_answered: list[str] = field(default_factory=list)

    @property
    def right_rate(self) -> float:
        """Share of in-domain questions whose right entry the customer gets at once or with one tap."""
        return (self.answered_right + self.offered_first) / max(self.in_domain, 1)

    @property
    def direct_rate(self) -> float:
        return self.answered_right / max(self.in_domain, 1)

    @property
    def wrong_rate(self) -> float:
        return len(self.wrong_answers) / max(self.in_domain, 1)

    @property
    def suggested_first_rate(self) -> float:
        return self.offered_first / max(self.in_domain, 1)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / max(self.in_domain, 1)

    @property
    def out_of_domain_rate(self) -> float:
        return len(self.out_of_domain_answered) / max(self.out_of_domain, 1)


def evaluate(predict: Predict, labelled: LabelledSet) -> Accuracy:
    result = Accuracy(in_domain=len(labelled.in_domain), out_of_domain=len(labelled.out_of_domain))
    for question, expected in labelled.in_domain:
        decision, entry_id = predict(question)
        if entry_id == expected and decision == "answer":
            result.answered_right += 1
        elif entry_id == expected and decision == "suggest":
            result.offered_first += 1
        elif decision == "answer":
            result.wrong_answers.append((question, expected, entry_id))
        else:
            result.missed.append((question, expected, entry_id))
        if decision == "fallback":
            result.fallbacks += 1
    for question in labelled.out_of_domain:
        if predict(question)[0] == "answer":
            result.out_of_domain_answered.append(question)
    return result
