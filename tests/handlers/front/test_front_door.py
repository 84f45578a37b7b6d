"""The front door through the real Application: /start, menus, languages, FAQ answers, odd input, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.faq.models import FaqMiss
from tests.handlers.harness import Customer


@pytest.fixture
def customer(app_engine: tuple) -> Customer:
    app, engine = app_engine
    return Customer(app, engine, 501, "zh-hant")


async def test_start_greets_and_shows_the_menu(customer: Customer) -> None:
    [welcome] = await customer.say("/start")
    assert "Mei" in welcome["text"] and "長青汽車服務中心" in welcome["text"]
    labels = [label for label, _ in customer.buttons(welcome)]
    assert len(labels) == 7 and any("道路救援" in label for label in labels)
    assert all(len(data.encode()) <= 64 for _, data in customer.buttons(welcome))


@pytest.mark.parametrize(
    ("question", "expected", "entry_words"),
    [
        ("三包有效期是多久", "zh-Hant", "三包有效期"),
        ("三包有效期是多久？请问", "zh-Hans", "三包有效期"),
        ("how often should i service my 4S car", "en", "whichever comes first"),
    ],
)
async def test_answers_in_the_customers_script(
    customer: Customer, question: str, expected: str, entry_words: str
) -> None:
    [answer] = await customer.say(question)
    assert entry_words in answer["text"]
    text = answer["text"]
    if expected == "zh-Hans":
        assert "养" in text or "规定" in text or "车" in text
        assert "車" not in text
    if expected == "zh-Hant":
        assert "車" in text or "規定" in text
    labels = [label for label, _ in customer.buttons(answer)]
    assert labels, "answers carry follow-up buttons"


async def test_suggestions_then_pressing_one_shows_the_answer(customer: Customer, app_engine: tuple) -> None:
    [suggestion] = await customer.say("保修")
    labels = [label for label, _ in customer.buttons(suggestion)]
    assert "都不是，找服務顧問" in labels and 2 <= len(labels) <= 5
    [answer] = await customer.press(labels[0])
    assert answer["text"] != suggestion["text"]
    app, _ = app_engine
    async with app.bot_data["services"].sessions() as session:
        misses = (await session.execute(select(FaqMiss))).scalars().all()
    assert [(m.decision, m.count) for m in misses] == [("suggest", 1)]


async def test_none_of_these_offers_an_advisor(customer: Customer) -> None:
    await customer.say("保修")
    [reply] = await customer.press("都不是")
    assert "0755-2888-6600" in reply["text"]


async def test_fallback_is_counted_and_offers_an_advisor(customer: Customer, app_engine: tuple) -> None:
    for _ in range(2):
        [reply] = await customer.say("qwerty uiop zxcv")
    assert any(data.startswith("menu:advisor:") for _, data in customer.buttons(reply))
    app, _ = app_engine
    async with app.bot_data["services"].sessions() as session:
        miss = (await session.execute(select(FaqMiss))).scalar_one()
    assert (miss.decision, miss.count) == ("fallback", 2)


async def test_language_choice_wins_over_the_script(customer: Customer) -> None:
    await customer.say("/language")
    [confirmation] = await customer.press("English")
    assert "English" in confirmation["text"]
    [answer] = await customer.say("三包有效期是多久")
    assert "Art. 18" in answer["text"]


async def test_a_new_telegram_language_outranks_the_script_written_before_it(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 502, None)  # no language_code: as `python -m bot chat` without --lang
    [answer] = await customer.say("三包有效期是多久")
    assert "三包有效期" in answer["text"]
    customer.user.language_code = "en"  # switched Telegram (`chat --lang en`) since they last wrote
    [welcome] = await customer.say("/start")
    assert "after-sales assistant" in welcome["text"]
    customer.user.language_code = "en-GB"  # the same language: what they write still wins
    [answer] = await customer.say("三包有效期是多久")
    [welcome] = await customer.say("/start")
    assert "售後服務小幫手" in welcome["text"]


async def test_a_chosen_language_outranks_a_new_telegram_language(app_engine: tuple) -> None:
    app, engine = app_engine
    customer = Customer(app, engine, 503, "zh-hant")
    await customer.say("/language")
    await customer.press("简体")
    customer.user.language_code = "en"
    [welcome] = await customer.say("/start")
    assert "售后服务小帮手" in welcome["text"]


async def test_menu_items(customer: Customer) -> None:
    await customer.say("/start")
    roadside = await customer.press("道路救援")
    assert "400-800-6600" in roadside[0]["text"] and len(roadside) == 2  # rescue line, then safety steps
    await customer.say("/start")
    [advisor] = await customer.press("找服務顧問")
    assert "0755-2888-6601" in advisor["text"]  # each branch's phone


async def test_deep_link_opens_roadside_help(customer: Customer) -> None:
    messages = await customer.say("/start roadside")
    assert "400-800-6600" in messages[0]["text"]


@pytest.mark.parametrize("text", ["轉人工", "human please", "转人工"])
async def test_asking_for_a_human_in_any_language(customer: Customer, text: str) -> None:
    [reply] = await customer.say(text)
    assert "0755-2888-6600" in reply["text"]


async def test_forged_and_foreign_buttons_are_refused(customer: Customer, app_engine: tuple) -> None:
    app, engine = app_engine
    [welcome] = await customer.say("/start")
    query_id, replies = await customer.press_data("faq:show:sanbao_7day:AAAAAAAA")
    assert replies == []  # nothing shown
    answer = engine.callback_answer(query_id)
    assert answer and answer.get("show_alert") and "失效" in answer["text"]
    # Another customer pressing data minted for Mei is refused too.
    other = Customer(app, engine, 777, "en")
    await other.say("/start")
    mei_data = customer.buttons(welcome)[0][1]
    query_id, replies = await other.press_data(mei_data)
    assert replies == [] and "expired" in engine.callback_answer(query_id)["text"]


async def test_other_message_kinds_get_a_helpful_reply(customer: Customer, app_engine: tuple) -> None:
    _, engine = app_engine
    uid = customer.user.id
    for update in (
        engine.push_sticker(uid),
        engine.push_photo(uid),
        engine.push_voice(uid),
        engine.push_location(uid, 22.54, 114.05),
        engine.push_document(uid),
    ):
        [reply] = await customer.send(update)
        assert "文字" in reply["text"]


@pytest.mark.parametrize("text", ["/doesnotexist", "？？？", "🚗", "<b>&amp;</b> <script>", "x" * 4096])
async def test_odd_text_gets_a_clear_reply(customer: Customer, text: str) -> None:
    replies = await customer.say(text)
    assert len(replies) == 1 and replies[0]["text"]


async def test_a_handler_crash_becomes_an_apology(
    customer: Customer, app_engine: tuple, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = app_engine
    services = app.bot_data["services"]

    async def broken(*_args: object) -> None:
        raise RuntimeError("database on fire, token 123456789:TEST-carebot-fake-token-aaaaaaaaaaaaaaaaa")

    monkeypatch.setattr(services.faq, "ask_and_record", broken)
    [reply] = await customer.say("多久保養一次")
    assert "抱歉" in reply["text"] and "Traceback" not in reply["text"] and "fire" not in reply["text"]
    assert any("failed" in record.getMessage() for record in caplog.records)


async def test_commands_are_set_per_language(app_engine: tuple) -> None:
    from bot.app import set_commands

    app, engine = app_engine
    await set_commands(app)
    calls = engine.calls("setMyCommands")
    codes = {call.params.get("language_code") for call in calls}
    assert codes == {None, "zh", "en"}
