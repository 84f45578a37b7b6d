"""The privacy notice before My car answered in words ("I agree", 「同意」, 「不要」) instead of its buttons, through
the real Application; anything else typed there goes to the FAQ as before, and so does a yes typed after the customer
moved on by pressing another button."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from telegram.ext import Application

from bot.core.common.locale import Locale
from tests.botapi.engine import BotApiEngine
from tests.handlers.garage.helpers import LOCALES, customer_row, label, markups
from tests.handlers.harness import Customer

AGREE = {"en": ["I agree", "agree", "ok", "Yes."], "zh-hant": ["同意", "好", "可以", "同意並繼續"],
         "zh-hans": ["同意", "好的", "可以", "同意并继续"]}  # fmt: skip
MakeCustomer = Callable[[str], Customer]
DECLINE = {"en": ["no", "No thanks"], "zh-hant": ["不同意", "不要"], "zh-hans": ["不同意", "不要"]}


def _cases(words: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(language, word) for language, typed in words.items() for word in typed]


@pytest.fixture
def make_customer(app_engine: tuple[Application, BotApiEngine]) -> MakeCustomer:  # type: ignore[type-arg]
    app, engine = app_engine
    return lambda language: Customer(app, engine, 703, language)


@pytest.mark.parametrize(("language", "typed"), _cases(AGREE))
async def test_agreeing_in_words_is_the_agree_button(make_customer: MakeCustomer, language: str, typed: str) -> None:
    customer: Customer = make_customer(language)
    locale: Locale = LOCALES[language]
    await customer.say("/mycar")
    [ask] = await customer.say(typed)
    [sent] = markups(customer.engine, 1)
    assert sent is not None and sent["keyboard"][0][0]["text"] == label(customer.app, locale, "mycar_share_phone")
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.consent_at is not None and ask["text"]


@pytest.mark.parametrize(("language", "typed"), _cases(DECLINE))
async def test_declining_in_words_is_the_decline_button(make_customer: MakeCustomer, language: str, typed: str) -> None:
    customer: Customer = make_customer(language)
    await customer.say("/mycar")
    [declined] = await customer.say(typed)
    assert any(d.startswith("menu:ask:") for _, d in customer.buttons(declined))
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.consent_at is None


async def test_a_question_at_the_notice_is_answered_and_consents_to_nothing(make_customer: MakeCustomer) -> None:
    customer: Customer = make_customer("en")
    await customer.say("/mycar")
    [answer] = await customer.say("how often should i service my car")
    assert "whichever comes first" in answer["text"]
    await customer.say("ok")  # the notice is no longer waiting: an "ok" later is not consent
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.consent_at is None


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("menu_item", ["ask", "language"])
async def test_after_a_plain_menu_button_an_ok_is_not_consent(
    make_customer: MakeCustomer, language: str, menu_item: str
) -> None:
    customer: Customer = make_customer(language)
    [welcome] = await customer.say("/start")
    await customer.say("/mycar")  # the notice
    plain = next(d for _, d in customer.buttons(welcome) if d.startswith(f"menu:{menu_item}:"))
    await customer.press_data(plain, welcome["message_id"])  # the customer moves on
    okay = AGREE[language][2]  # 「可以」, "ok"
    replies = await customer.say(okay)  # ordinary text: answered, but not as consent
    assert replies and all(sent is None or "keyboard" not in sent for sent in markups(customer.engine, len(replies)))
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.consent_at is None
    # the notice shown again is answered in words again
    await customer.say("/mycar")
    await customer.say(okay)
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.consent_at is not None


@pytest.mark.parametrize("language", list(LOCALES))
async def test_a_notice_opened_by_a_menu_button_still_takes_a_typed_yes(
    make_customer: MakeCustomer, language: str
) -> None:
    customer: Customer = make_customer(language)
    [welcome] = await customer.say("/start")
    mycar = next(d for _, d in customer.buttons(welcome) if d.startswith("menu:mycar:"))
    await customer.press_data(mycar, welcome["message_id"])  # the notice, opened from the menu
    await customer.say(AGREE[language][0])
    row = await customer_row(customer.app, customer.user.id)
    assert row is not None and row.consent_at is not None
