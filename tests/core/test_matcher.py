"""Table tests for matching: scripts fold together, typos and synonyms are understood, three outcomes."""

from __future__ import annotations

import pytest

from bot.services import Services


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("多久要保養一次", "maintenance_interval"),  # Traditional
        ("多久要保养一次", "maintenance_interval"),  # the same in Simplified
        ("多久要保羊一次", "maintenance_interval"),  # a pinyin-keyboard typo (保羊 sounds like 保养)
        ("ＨＯＷ ＯＦＴＥＮ should I service my car？", "maintenance_interval"),  # full-width, upper case
        ("how often should i get my car servised", "maintenance_interval"),  # an English typo
        ("三保是什麼", "sanbao_what"),  # 三保 is a common way of writing 三包
        ("三包是什麼意思", "sanbao_what"),
        ("what does 三包 mean", "sanbao_what"),  # mixed scripts
        ("車子拋錨了怎麼辦", "roadside_how"),
        ("營業時間", "opening_hours"),
        ("can i pay with alipay", "payment_methods"),
    ],
)
def test_top_entry(shared_services: Services, question: str, entry_id: str) -> None:
    result = shared_services.matcher.match(question)
    top = result.entry_id if result.decision == "answer" else result.suggestions[0].entry_id
    assert top == entry_id, result


def test_confident_answer(shared_services: Services) -> None:
    result = shared_services.matcher.match("三包有效期是多久")
    assert result.decision == "answer" and result.entry_id == "sanbao_periods"
    assert result.score >= shared_services.matcher.answer_threshold


def test_unsure_questions_get_up_to_three_suggestions(shared_services: Services) -> None:
    result = shared_services.matcher.match("保修")
    assert result.decision == "suggest"
    assert 1 <= len(result.suggestions) <= 3
    assert all(s.score >= shared_services.matcher.suggest_threshold for s in result.suggestions)


@pytest.mark.parametrize("question", ["asdfghjkl", "qwerty uiop zxcv", "🚗🚗🚗", "", "x" * 3000])
def test_unrelated_text_falls_back(shared_services: Services, question: str) -> None:
    assert shared_services.matcher.match(question).decision == "fallback"


@pytest.mark.parametrize("question", ["家政服務包括哪些", "手機保修期多久", "洗衣機多久保養一次", "冰箱保固幾年"])
def test_out_of_domain_words_block_confident_answers(shared_services: Services, question: str) -> None:
    assert shared_services.matcher.match(question).decision != "answer"


def test_car_words_lift_the_out_of_domain_guard(shared_services: Services) -> None:
    analyzer = shared_services.matcher.analyzer
    assert analyzer.is_out_of_domain("手機保修期多久")
    assert not analyzer.is_out_of_domain("汽車的手機支架保修嗎")


def test_synonyms_rewrite_to_one_form(shared_services: Services) -> None:
    canonical = shared_services.matcher.analyzer.canonical
    assert canonical("煞車油") == canonical("制動液") == canonical("brake fluid")
    assert canonical("保固") == canonical("warranty")


@pytest.mark.parametrize("question", ["7", "2", "1000", "明天", "後天"])
def test_a_bare_number_or_a_word_or_two_is_never_answered_outright(shared_services: Services, question: str) -> None:
    assert shared_services.matcher.match(question).decision != "answer"


@pytest.mark.parametrize(("question", "entry_id"), [("電话", "contact_hotline"), ("三包", "sanbao_what")])
def test_a_short_question_the_knowledge_base_holds_is_still_answered(
    shared_services: Services, question: str, entry_id: str
) -> None:
    result = shared_services.matcher.match(question)
    assert (result.decision, result.entry_id) == ("answer", entry_id)
