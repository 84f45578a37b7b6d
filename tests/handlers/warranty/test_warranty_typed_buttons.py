"""The 三包 check takes a button's label typed instead of tapped (any locale's label, a count at "how many
repairs"); other text gets the short "tap a button", not the check's introduction again."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import Customer
from tests.handlers.warranty.test_warranty_flow import SCRIPTS, Script, ago, text_of

# What each customer types for household use and a brake failure: the button's own words, as the tester did.
TYPED = {
    "en": ("Household use", "brake failure!"),
    "zh-Hant": ("家用", "🛑 煞車系統失效"),
    "zh-Hans": ("家用", "制动系统失效"),
}
INTRO = ("🛡️", "🛡")
REMINDER = {"en": "one of the buttons", "zh-Hant": "請按下方的按鈕", "zh-Hans": "请按下方的按钮"}


@pytest.fixture(params=list(SCRIPTS))
def locale(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def customer(app_engine: tuple[Application, BotApiEngine], locale: str) -> Customer:  # type: ignore[type-arg]
    app, engine = app_engine
    return Customer(app, engine, 602, SCRIPTS[locale].language_code)


async def test_typed_labels_and_a_count_answer_the_button_questions(customer: Customer, locale: str) -> None:
    script: Script = SCRIPTS[locale]
    use, brake = TYPED[locale]
    await customer.say("/warranty")
    [date_question] = await customer.say(use)
    assert REMINDER[locale] not in date_question["text"] and "2024" in date_question["text"]  # its examples
    await customer.say(script.typed_date(ago(customer.app, 40)))
    await customer.say(script.typed_km(2000))
    repairs_question = text_of(await customer.say(brake))
    assert REMINDER[locale] not in repairs_question
    assert [label for label, _ in customer.buttons()][:3] == [
        customer.app.bot_data["services"].messages.label(locale, f"wty_repairs_{n}") for n in range(3)
    ]
    result = text_of(await customer.say("2"))  # a brake failure repaired twice: the result follows
    assert script.remedies_heading in result


@pytest.mark.parametrize("typed", ["two times", "兩次", "2次", "twice"])
async def test_a_count_in_words_is_the_repairs_button(customer: Customer, locale: str, typed: str) -> None:
    await customer.say("/warranty")
    await customer.press(SCRIPTS[locale].labels["household"])
    await customer.say(SCRIPTS[locale].typed_date(ago(customer.app, 40)))
    await customer.say(SCRIPTS[locale].typed_km(2000))
    await customer.press(SCRIPTS[locale].labels["brake"])
    result = text_of(await customer.say(typed))  # in the script typed (「兩次」 is zh-Hant), so any heading
    assert any(script.remedies_heading in result for script in SCRIPTS.values())


async def test_text_that_names_no_button_gets_the_question_without_the_introduction(
    customer: Customer, locale: str
) -> None:
    [first] = await customer.say("/warranty")
    assert any(mark in first["text"] for mark in INTRO)
    [again] = await customer.say({"en": "family car", "zh-Hant": "私家車", "zh-Hans": "私家车"}[locale])
    assert REMINDER[locale] in again["text"] and not any(mark in again["text"] for mark in INTRO)
    assert len(again["text"]) < len(first["text"]) and len(customer.buttons(again)) == 2


# "Another quality problem" in each locale's own wording: 品質 in Taiwan/HK, 质量 on the mainland.
QUALITY = {"en": "quality problem", "zh-Hant": "其他品質問題", "zh-Hans": "其他质量问题"}


async def test_the_quality_problem_button_speaks_the_locales_wording(customer: Customer, locale: str) -> None:
    script: Script = SCRIPTS[locale]
    await customer.say("/warranty")
    await customer.press(script.labels["household"])
    await customer.say(script.typed_date(ago(customer.app, 40)))
    await customer.say(script.typed_km(2000))
    labels = [label for label, _ in customer.buttons()]
    assert any(QUALITY[locale] in label for label in labels), labels
    assert not any("質量" in label for label in labels)
    # a customer who writes the mainland word still names that button
    repairs_question = text_of(await customer.say({"zh-Hant": "其他質量問題"}.get(locale, QUALITY[locale])))
    assert REMINDER[locale] not in repairs_question
    assert [label for label, _ in customer.buttons()][:1] == [
        customer.app.bot_data["services"].messages.label(locale, "wty_repairs_0")
    ]
