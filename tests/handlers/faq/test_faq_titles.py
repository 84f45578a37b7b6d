"""Buttons that name an FAQ entry (related questions under an answer, "did you mean" suggestions) show the entry's
title in the customer's language, never one of its alternate questions as a customer would type it."""

from __future__ import annotations

import re

import pytest

from bot.core.common.locale import LOCALES
from bot.core.common.settings import ROOT
from bot.core.faq.knowledge_base import KnowledgeBase
from tests.core.common.test_templates import DEALER
from tests.handlers.harness import Customer

KB = KnowledgeBase.load(ROOT / "knowledge" / "faq.yaml", DEALER)


@pytest.mark.parametrize(
    ("language_code", "question", "locale"),
    [("en", "how often should i service my car", "en"), ("zh-hans", "多久保养一次？", "zh-Hans"),
     ("zh-hant", "多久要保養一次？", "zh-Hant")],
)  # fmt: skip
async def test_the_related_questions_under_an_answer_are_the_entries_titles(
    app_engine: tuple, language_code: str, question: str, locale: str
) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 701, language_code)
    [answer] = await customer.say(question)
    related = [label for label, data in customer.buttons(answer) if data.startswith("faq:show:")]
    expected = [KB.title(entry_id, locale) for entry_id in KB.by_id["maintenance_interval"].related]  # type: ignore[arg-type]
    assert related == expected
    if locale == "en":
        assert related == ["When is a new car's first service?", "Severe driving: should I service earlier?",
                           "What is included in a routine service?"]  # fmt: skip


async def test_the_emergency_entry_is_named_by_its_title(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 702, "en")
    [answer, *_] = await customer.say("i ran out of fuel")
    related = [label for label, data in customer.buttons(answer) if data.startswith("faq:show:")]
    assert "Emergency: I need help" in related and "help emergency" not in related


async def test_did_you_mean_offers_the_entries_titles(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 703, "en")
    [reply] = await customer.say("service")
    picks = [label for label, data in customer.buttons(reply) if data.startswith("faq:pick:")]
    assert picks and all(label in {entry.title.en for entry in KB.entries} for label in picks)
    assert "What is included in a routine service?" in picks


@pytest.mark.parametrize("entry_id", sorted(KB.by_id))
def test_every_title_reads_as_a_title(entry_id: str) -> None:
    entry = KB.by_id[entry_id]
    english = entry.title.en
    assert english[0].isupper() and english == english.strip() and "  " not in english
    assert not re.search(r"\b(whats|wont|cant|dont|i)\b", english), english  # written out, not as typed
    for locale in LOCALES[:2]:
        chinese = entry.title.get(locale)
        assert "?" not in chinese and not chinese.endswith(("。", "，")), chinese  # full-width question mark
