"""Text that carries almost no question is never answered outright: a stray word, a digit among symbols, a jumble of
scripts. One rare token can tie the learned model to one entry with high confidence ("skip" → followup_call_why,
"7|多96" → sanbao_7day), so an outright answer needs at least two known words or character pairs
(bot.core.faq.matcher.MIN_CONTENT); short real questions keep their answers."""

from __future__ import annotations

import pytest

from bot.core.faq.matcher import MIN_CONTENT
from bot.core.services import Services

NOT_QUESTIONS = [
    # single stray words that one entry's questions happen to hold
    "skip",
    "again",
    "before",
    "nothing",
    # a stray word and noise
    "skip zxcv",
    "hmm again",
    # digits with symbols
    "7|多96",
    "7-多-96",
    "#7!!",
    # random mixed-script strings
    "吗60",
    "q多7",
    "z9天x",
]


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_text_without_a_question_is_not_answered_outright(shared_services: Services, text: str) -> None:
    reply = shared_services.faq.ask(text, "en")
    assert reply.decision != "answer", (reply.entry_id, reply.score)


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("三包", "sanbao_what"),  # an entry's own question, word for word
        ("幾點開門", "opening_hours"),  # one synonym, three known character pairs
        ("opening hours", "opening_hours"),
        ("救命", "emergency"),  # danger is recognised before matching (bot.core.faq.intents)
        ("7天退車", "sanbao_7day"),  # a number with its unit is content: 7天, 天退 and 退车
        ("轉人工", "talk_to_human"),
    ],
)
def test_short_real_questions_are_still_answered(shared_services: Services, question: str, entry_id: str) -> None:
    reply = shared_services.faq.ask(question, "en")
    assert (reply.decision, reply.entry_id) == ("answer", entry_id), reply.score


@pytest.mark.parametrize("question", ["保養", "warranty"])
def test_one_broad_word_still_gets_suggestions(shared_services: Services, question: str) -> None:
    reply = shared_services.faq.ask(question, "en")
    assert reply.decision == "suggest" and reply.suggestions


@pytest.mark.parametrize(
    ("text", "content"),
    [("skip", 1), ("7|多96", 0), ("吗60", 0), ("7天退車", 3), ("幾點開門", 3), ("oil change interval", 2)],
)
def test_content_counts_known_words_pairs_and_numbers_with_a_unit(
    shared_services: Services, text: str, content: int
) -> None:
    assert shared_services.matcher.lexical.content(text) == content
    assert (content < MIN_CONTENT) == (text in NOT_QUESTIONS)
