"""The guided 三包 check through the real Application (process_update, rule-checking Bot API), in three languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from telegram.ext import Application

from bot.core.common.text import detect_script
from tests.botapi.engine import BotApiEngine
from tests.handlers.harness import Customer

CN = "〇一二三四五六七八九"


def _cn(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (CN[tens] if tens > 1 else "") + ("十" if tens else "") + (CN[ones] if ones or not tens else "")


@dataclass(frozen=True)
class Script:
    """How a customer of one locale types and which words they look for."""

    language_code: str
    article: Callable[[int], str]
    typed_date: Callable[[date], str]
    typed_km: Callable[[int], str]
    remedies_heading: str
    not_applicable: str
    nonsense: str  # in the customer's own script, so the reply stays in their language (DESIGN.md, decision 5)
    labels: dict[str, str]


SCRIPTS = {
    "en": Script(
        "en",
        lambda n: f"Art. {n}",
        lambda d: f"{d.day} {d:%B} {d.year}",
        lambda n: f"{n:,} km",
        "What you may ask for",
        "do not apply",
        "banana",
        {
            "household": "Household", "commercial": "Commercial", "none": "Nothing wrong", "engine": "Engine main",
            "transmission": "Transmission", "brake": "Brake failure", "other": "Another", "r0": "None",
            "r5": "5 or more", "still": "Yes, still", "advisor": "Talk to an advisor", "charge": "usage charge",
            "menu": "Warranty check", "action": "Check my car", "long_repair": "Long repair", "single_no": "No",
            "single_yes": "Yes",
        },
    ),
    "zh-Hant": Script(
        "zh-hant",
        lambda n: f"第{_cn(n)}條",
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda n: f"{n}公里",
        "您可以要求",
        "不適用三包",
        "香蕉",
        {
            "household": "家用", "commercial": "營運用", "none": "沒有問題", "engine": "引擎", "transmission": "變速箱",
            "brake": "煞車", "other": "其他", "r0": "沒有", "r5": "5 次以上", "still": "還在",
            "advisor": "找服務顧問", "charge": "使用補償費", "menu": "三包／保修檢查", "action": "檢查我的車",
            "long_repair": "維修很久", "single_no": "沒有", "single_yes": "有",
        },
    ),
    "zh-Hans": Script(
        "zh-hans",
        lambda n: f"第{_cn(n)}条",
        lambda d: f"{d.year}/{d.month}/{d.day}",
        str,
        "您可以要求",
        "不适用三包",
        "香蕉",
        {
            "household": "家用", "commercial": "营运", "none": "没有问题", "engine": "发动机", "transmission": "变速器",
            "brake": "制动", "other": "其他", "r0": "没有", "r5": "5 次以上", "still": "还在",
            "advisor": "找服务顾问", "charge": "使用补偿费", "menu": "三包／保修检查", "action": "检查我的车",
            "long_repair": "维修很久", "single_no": "没有", "single_yes": "有",
        },
    ),
}  # fmt: skip
ALL_ARTICLES = (19, 20, 21, 22, 23, 24)



@pytest.fixture(params=list(SCRIPTS))
def script(request: pytest.FixtureRequest) -> Script:
    return SCRIPTS[request.param]


@pytest.fixture
def customer(app_engine: tuple[Application, BotApiEngine], script: Script) -> Customer:  # type: ignore[type-arg]
    app, engine = app_engine
    return Customer(app, engine, 601, script.language_code)


def ago(app: Application, days: int) -> date:  # type: ignore[type-arg]
    """The date `days` days before today in the dealer's time zone."""
    return (datetime.now(app.bot_data["services"].settings.tz) - timedelta(days=days)).date()


def text_of(messages: list[dict[str, Any]]) -> str:
    [message] = messages
    return str(message["text"])


async def check(customer: Customer, script: Script, days: int, km: int, happened: str, *presses: str) -> str:
    """Run the check for a household car; returns the result's text."""
    label = script.labels
    await customer.say("/warranty")
    await customer.press(label["household"])
    asked = text_of(await customer.say(script.typed_date(ago(customer.app, days))))
    assert f"{days}" in asked  # "today is day N"
    await customer.say(script.typed_km(km))
    messages = await customer.press(label[happened])
    for press in presses:
        messages = await customer.press(label[press])
    return text_of(messages)


def remedies(result: str, script: Script) -> list[int]:
    """The article numbers of the remedies section, in order."""
    section = result.split(script.remedies_heading, 1)[1]
    return [n for n in ALL_ARTICLES if script.article(n) in section]


def assert_in_script(text: str, script: Script) -> None:
    if script.language_code != "en":
        expected = "zh-Hant" if script.language_code == "zh-hant" else "zh-Hans"
        assert detect_script(re.sub(r"[A-Za-z]", "", text)) == expected


async def test_day_5_transmission_main_part_gives_a_new_car_or_refund_free(customer: Customer, script: Script) -> None:
    result = await check(customer, script, 5, 150, "transmission", "r0")
    assert remedies(result, script) == [19, 20, 22]
    assert_in_script(result, script)
    summary = text_of(await customer.press(script.labels["advisor"]))  # replacement may apply: an advisor is offered
    assert script.article(22) in summary and "0755-2888-6600" in summary


async def test_day_40_brake_failure_at_2000_km(customer: Customer, script: Script) -> None:
    result = await check(customer, script, 40, 2000, "brake", "r0")
    assert remedies(result, script) == [19, 23]
    assert_in_script(result, script)


async def test_the_60_day_window_names_both_articles_that_set_it(customer: Customer, script: Script) -> None:
    """Art. 20 (a new assembly) and Art. 23 (a new car or a refund) share the 60-day / 3,000 km window: naming only
    Art. 20 above a remedy under Art. 23 read as a mistake."""
    result = await check(customer, script, 40, 2000, "brake", "r0")
    periods = result.split(script.remedies_heading, 1)[0]
    both = "Arts. 20, 23" if script.language_code == "en" else f"{script.article(20)}、{script.article(23)}"
    assert both in periods


async def test_day_40_engine_main_part_gives_a_new_engine(customer: Customer, script: Script) -> None:
    result = await check(customer, script, 40, 2000, "engine", "r0")
    assert remedies(result, script) == [19, 20]  # the 7-day window is over: no Art. 22


async def test_a_year_and_a_half_same_problem_repaired_five_times(customer: Customer, script: Script) -> None:
    result = await check(customer, script, 548, 20000, "other", "r5", "still")
    assert remedies(result, script) == [19, 24]
    assert script.article(27) in result and "¥10,000" in result  # the usage charge, explained with the example
    await customer.press(script.labels["charge"])
    await customer.say("200000")
    charged = text_of(await customer.say("0.5%"))
    assert "¥20,000" in charged  # ¥200,000 × 20,000 km / 1,000 × 0.5%
    assert_in_script(charged, script)


async def test_a_commercial_car_is_outside_sanbao(customer: Customer, script: Script) -> None:
    await customer.say("/warranty")
    result = text_of(await customer.press(script.labels["commercial"]))
    assert script.not_applicable in result and script.article(40) in result
    assert not any(script.article(n) in result for n in ALL_ARTICLES)


async def test_over_two_years_leaves_only_the_repair_warranty(customer: Customer, script: Script) -> None:
    result = await check(customer, script, 913, 30000, "other", "r5", "still")
    assert remedies(result, script) == [19]  # 三包有效期 over: five repairs no longer give Art. 24
    assert "⛔" in result and "✅" in result


async def test_nonsense_and_future_dates_are_asked_again(customer: Customer, script: Script) -> None:
    await customer.say("/warranty")
    [question] = await customer.press(script.labels["household"])
    unclear = text_of(await customer.say(script.nonsense))
    future = text_of(await customer.say(script.typed_date(ago(customer.app, -3))))
    assert unclear != future and "2024" in unclear
    result = await check(customer, script, 40, 2000, "brake", "r0")  # the flow still works afterwards
    assert remedies(result, script) == [19, 23]
    assert question["text"] not in (unclear, future)


async def test_forged_and_stale_buttons_are_refused(customer: Customer, script: Script) -> None:
    await customer.say("/warranty")
    [use_question] = await customer.press(script.labels["household"])
    await customer.say(script.typed_date(ago(customer.app, 40)))
    await customer.say(script.typed_km(2000))
    query_id, replies = await customer.press_data("wty:happened:brake:AAAAAAAA")  # a forged signature
    answer = customer.engine.callback_answer(query_id)
    assert replies == [] and answer is not None and answer.get("show_alert") is True
    first = customer.engine.sent_messages(customer.user.id)[-4]  # the "household or commercial" question
    stale = next(data for label, data in customer.buttons(first) if script.labels["commercial"] in label)
    query_id, replies = await customer.press_data(stale, first["message_id"])  # genuine, but for an earlier step
    assert replies == [] and customer.engine.callback_answer(query_id) is not None
    result = text_of(await customer.press(script.labels["brake"]))  # still at "what happened"
    assert use_question["text"] not in result


async def test_cancel_leaves_the_flow_at_any_step(customer: Customer, script: Script) -> None:
    await customer.say("/warranty")
    await customer.press(script.labels["household"])
    odometer_question = text_of(await customer.say(script.typed_date(ago(customer.app, 40))))
    cancelled = text_of(await customer.say("/cancel"))
    assert cancelled != odometer_question
    after = await customer.say(script.typed_km(2000))  # now an ordinary message, not an answer
    assert all(script.remedies_heading not in m["text"] for m in after)
    assert all(script.labels["brake"] not in label for m in after for label, _ in customer.buttons(m))


async def test_text_where_a_button_is_expected_asks_the_question_again(customer: Customer, script: Script) -> None:
    await customer.say("/warranty")
    [again] = await customer.say(script.nonsense)
    assert "/cancel" in again["text"] and len(customer.buttons(again)) == 2


@pytest.mark.parametrize("entry", ["menu", "deep link", "faq"])
async def test_every_way_in_starts_the_check(customer: Customer, script: Script, entry: str) -> None:
    if entry == "menu":
        await customer.say("/start")
        [first] = await customer.press(script.labels["menu"])
    elif entry == "deep link":
        [first] = await customer.say("/start warranty")
    else:
        await customer.say({"en": "can I get a new car within 7 days", "zh-hant": "7天內可以換車嗎"}.get(
            script.language_code, "7天内可以换车吗"))  # fmt: skip
        [first] = await customer.press(script.labels["action"])
    labels = [label for label, _ in customer.buttons(first)]
    assert any(script.labels["household"] in label for label in labels)
    assert any(script.labels["commercial"] in label for label in labels)


# How each locale writes the regulation's in-force date, the word for "today", and day 0 in a remedy line.
IN_FORCE = {"en": "1 January 2022", "zh-hant": "2022年1月1日", "zh-hans": "2022年1月1日"}
TODAY_WORD = {"en": "today", "zh-hant": "今天", "zh-hans": "今天"}
START_DAY = {"en": "on the start day itself", "zh-hant": "起算當日", "zh-hans": "起算当日"}


async def test_a_car_from_before_2022_is_told_about_the_repealed_2013_rules(customer: Customer, script: Script) -> None:
    today = ago(customer.app, 0)
    before = await check(customer, script, (today - date(2021, 12, 31)).days, 40000, "none")
    assert IN_FORCE[script.language_code] in before and "2013" in before and "150" in before
    assert remedies(before, script) == []  # judged as before: the 包修期 ended on 2024-12-31
    assert_in_script(before, script)
    after = await check(customer, script, (today - date(2022, 1, 1)).days, 40000, "none")
    assert "2013" not in after  # the start date itself is under the current rules


async def test_a_car_delivered_today_is_on_its_start_day_not_day_0(customer: Customer, script: Script) -> None:
    await customer.say("/warranty")
    await customer.press(script.labels["household"])
    asked = text_of(await customer.say(TODAY_WORD[script.language_code]))
    await customer.say(script.typed_km(10))
    await customer.press(script.labels["engine"])
    result = text_of(await customer.press(script.labels["r0"]))
    assert remedies(result, script) == [19, 20, 22]
    for text in (asked, result):
        assert "day 0" not in text and "第 0 天" not in text
    assert ("day 1" if script.language_code == "en" else "第 1 天") in asked  # the start day is not counted
    assert START_DAY[script.language_code] in result
    assert_in_script(result, script)


async def test_five_or_more_repairs_in_31_days_ask_about_one_long_repair(customer: Customer, script: Script) -> None:
    for answer, expected in (("single_no", [19, 24]), ("single_yes", [19, 21, 24])):
        await check(customer, script, 300, 20000, "long_repair", "r5", "still")
        [question] = await customer.say("31")  # 7 repairs of 5 days would make 31 as well: ask
        assert [label for label, _ in customer.buttons(question)] == [
            script.labels["single_yes"],
            script.labels["single_no"],
            BACK_LABEL[script.language_code],
        ]
        result = text_of(await customer.press(script.labels[answer]))
        assert remedies(result, script) == expected
        if answer == "single_no":  # 31 days, none over 5: at least 7 repairs, and the count says so
            assert ("at least 7" if script.language_code == "en" else "至少 7") in result


BACK_LABEL = {"en": "↩️ Back", "zh-hant": "↩️ 上一步", "zh-hans": "↩️ 上一步"}


async def test_back_on_every_question_after_the_first_and_a_date_typed_later_changes_the_start(
    customer: Customer, script: Script
) -> None:
    back = BACK_LABEL[script.language_code]
    [first] = await customer.say("/warranty")
    assert back not in [label for label, _ in customer.buttons(first)]  # the first question: no "back"
    [date_question] = await customer.press(script.labels["household"])
    assert [label for label, _ in customer.buttons(date_question)] == [back]  # a typed question has "back" too
    [use_again] = await customer.press(back)
    assert any(script.labels["household"] in label for label, _ in customer.buttons(use_again))
    await customer.press(script.labels["household"])
    await customer.say(script.typed_date(ago(customer.app, 400)))  # a slip: the wrong year
    [happened] = await customer.say(script.typed_km(2000))
    assert back in [label for label, _ in customer.buttons(happened)]
    [again] = await customer.say(script.typed_date(ago(customer.app, 40)))  # the right date, typed at a button
    assert any(script.labels["brake"] in label for label, _ in customer.buttons(again))  # still "what happened"
    assert "✏️" in again["text"]  # and the change is said
    [odometer] = await customer.press(back)  # from "what happened" back to the odometer
    assert back in [label for label, _ in customer.buttons(odometer)]
    await customer.say(script.typed_km(2000))
    await customer.say(back)  # "back" typed: the odometer again
    await customer.say(script.typed_km(2000))
    await customer.press(script.labels["brake"])
    result = text_of(await customer.press(script.labels["r0"]))
    assert remedies(result, script) == [19, 23]  # 2,000 km and the corrected start date: day 40, not 400
    assert "40" in result and "400" not in result
