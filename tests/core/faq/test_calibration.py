"""The answer threshold chosen from held-out probabilities, against its definition computed the slow way."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.core.faq.matcher import Calibration, MatchingConfig
from bot.core.faq.model import _calibrate, _HeldOut


def _answer_threshold_by_loop(tops: list[tuple[float, bool, bool, bool]], target: Calibration) -> float:
    """Down from the highest threshold, stop at the first that answers too many wrong or off-topic."""
    inside = [t for t in tops if t[1]]
    outside = [t for t in tops if not t[1]]
    answer = 1.0
    for threshold in sorted({round(t[0], 4) for t in tops}, reverse=True):
        wrong = sum(1 for p, _, ok, v in inside if p >= threshold and not ok and not v)
        off = sum(1 for p, _, _, v in outside if p >= threshold and not v)
        if wrong > target.max_wrong_answers * len(inside) or off > target.max_off_topic_answered * len(outside):
            break
        answer = threshold
    return answer


@pytest.mark.parametrize("seed", range(12))
def test_the_answer_threshold_is_the_one_its_definition_gives(seed: int) -> None:
    rng = random.Random(seed)
    target = Calibration(folds=5, max_wrong_answers=rng.choice([0.0, 0.02, 0.1]), max_off_topic_answered=0.03,
                         max_in_domain_fallback=0.01)  # fmt: skip
    config = MatchingConfig(calibration=target, synonyms={}, stopwords_en=[], out_of_domain_words=[], car_words=[],
                            off_topic_examples={})  # fmt: skip
    held_out, probabilities, tops = [], [], []
    for _ in range(rng.randint(1, 400)):
        entries = rng.sample(["a", "b", "c", "d"], rng.randint(0, 3))
        p = [round(rng.random(), rng.choice([2, 6])) for _ in entries]  # ties, and values rounding together
        expected = rng.choice(["a", "b", None])
        vetoed = rng.random() < 0.1
        held_out.append(_HeldOut(expected, entries, [[0.0]] * len(entries), vetoed))
        probabilities += p
        best = int(np.argmax(p)) if p else -1
        top = p[best] if p else 0.0
        tops.append((top, expected is not None, best >= 0 and entries[best] == expected, vetoed))
    answer, _, _ = _calibrate(held_out, np.array(probabilities), config, 5)
    assert answer == _answer_threshold_by_loop(tops, target)
