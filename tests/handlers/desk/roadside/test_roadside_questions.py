"""Roadside help through the real Application: /start leaves the flow as /menu does (the share-location keyboard
taken down), a question typed at "where are you?" is answered and the place asked again instead of being taken
as the place, and an address ending in a full stop is not given a second one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.botapi.engine import BotApiEngine
from tests.handlers.desk.roadside.helpers import sent_markup, stored
from tests.handlers.desk_harness import Desk, build_desk
from tests.handlers.harness import Customer

ME = 503
WHERE = {"en": "Where are you?", "zh-hant": "您現在在哪裡？", "zh-hans": "您现在在哪里？"}
GOT_IT = {"en": "Got it", "zh-hant": "收到", "zh-hans": "收到"}
# Answered outright by the FAQ, without a question mark.
FAQ_QUESTION = {"en": "what are your opening hours", "zh-hant": "保修期多久", "zh-hans": "保修期多久"}
QUESTION = {"en": "how much is an oil change?", "zh-hant": "換機油要多少錢？", "zh-hans": "换机油要多少钱？"}


@pytest.fixture
async def desk_app(tmp_path: Path) -> AsyncIterator[tuple[Application, BotApiEngine, Desk]]:  # type: ignore[type-arg]
    app, engine, desk = await build_desk(tmp_path)
    async with app:
        yield app, engine, desk


@pytest.mark.parametrize("language", list(WHERE))
async def test_start_inside_the_flow_leaves_it_and_takes_the_location_keyboard_down(
    desk_app: tuple, language: str
) -> None:
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, language)
    await me.say("/roadside")
    left = await me.say("/start")
    assert {"remove_keyboard": True} in [sent_markup(engine, ME, back=n) for n in range(1, len(left) + 1)]
    assert any(d.startswith("menu:") for m in left for _, d in me.buttons(m))
    replies = await me.say("Futian" if language == "en" else "福田")  # now no answer to "where are you?"
    assert not any(GOT_IT[language] in r["text"] for r in replies)
    assert await stored(app) is None


@pytest.mark.parametrize("language", list(WHERE))
@pytest.mark.parametrize("question", ["mark", "faq"])
async def test_a_question_at_where_are_you_is_answered_and_the_place_asked_again(
    desk_app: tuple, language: str, question: str
) -> None:
    app, engine, _ = desk_app
    me = Customer(app, engine, ME, language)
    await me.say("/roadside")
    typed = (QUESTION if question == "mark" else FAQ_QUESTION)[language]
    *answered, again = await me.say(typed)
    assert answered and not any(GOT_IT[language] in r["text"] for r in [*answered, again])
    assert WHERE[language] in again["text"], again["text"]
    keyboard = sent_markup(engine, ME)
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_location"] is True
    located, _ = await me.say("Highway 1 near exit 23.")
    assert located["text"].endswith("Highway 1 near exit 23.")  # one full stop, not two
