"""/forget during an open roadside request (claimed, an advisor on the way): the warning names the request, the
confirmation says it was withdrawn (with the rescue line), and the advisors' note says the customer withdrew it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.roadside.helpers import LOCALES, label, share_location, stored
from tests.handlers.desk.roadside.test_roadside_desk import _press, staff_label
from tests.handlers.desk_harness import GROUP_ID, Desk, build_desk
from tests.handlers.harness import Customer


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


@pytest.mark.parametrize(
    ("language_code", "problem", "warned", "done"),
    [
        ("zh-hans", "车头冒烟", "道路救援请求 #1 也会撤销", "撤销道路救援请求 #1"),
        ("zh-hant", "車頭冒煙", "道路救援請求 #1 也會撤銷", "撤銷道路救援請求 #1"),
        ("en", "smoke from the bonnet", "roadside help request #1 is withdrawn too",
         "roadside help request #1 withdrawn"),
    ],
)
async def test_forget_withdraws_an_open_rescue_and_says_so_to_both_sides(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
    language_code: str, problem: str, warned: str, done: str,
) -> None:  # fmt: skip
    app, engine, desk = desk_app
    locale = LOCALES[language_code]
    customer = Customer(app, engine, 781, language_code)
    await customer.say("/roadside")
    await share_location(customer)
    await customer.say(problem)
    await customer.press(label(app, locale, "rsd_plate_unknown"))
    await customer.say("138 2651 4417")
    row = await stored(app)
    assert row is not None and row.alert_message_id is not None
    await _press(engine, desk.advisor, row.alert_message_id, staff_label(app, "rsd_claim"))
    await _press(engine, desk.advisor, row.alert_message_id, staff_label(app, "rsd_eta", minutes=30))
    assert (await stored(app, row.id)).status == "on_the_way"  # type: ignore[union-attr]
    customer._new()  # the claim and the ETA, told

    [confirm] = await customer.say("/forget")
    assert warned in confirm["text"], confirm["text"]
    [told, *_] = await customer.press(label(app, locale, "forget_yes"))
    assert done in told["text"], told["text"]
    assert "<b>" not in told["text"]  # the rescue line is formatted, not shown as markup
    note = [m["text"] for m in desk.group_messages() if "要求刪除個人資料" in m.get("text", "")]
    assert note and "道路救援請求 #1 已由客戶撤回" in note[-1], note  # the desk reads the default locale
    assert await stored(app, row.id) is None  # gone with the customer
    assert str(GROUP_ID) in {str(c.params.get("chat_id")) for c in engine.calls("editMessageText")}


async def test_forget_without_a_rescue_does_not_mention_one(
    desk_app: tuple[Application, BotApiEngine, Desk],  # type: ignore[type-arg]
) -> None:
    app, engine, _desk = desk_app
    customer = Customer(app, engine, 781, "en")
    await customer.say("hello")
    [confirm] = await customer.say("/forget")
    assert "roadside" not in confirm["text"]
    assert "appointment" not in confirm["text"]  # none booked: no warning about cancelling them
    [told, *_] = await customer.press(label(app, "en", "forget_yes"))
    assert "roadside" not in told["text"]
