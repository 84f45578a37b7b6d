"""End to end: a customer asks for a person and talks to an advisor through a forum topic, with `python -m bot
run` as a real process against the loopback Bot API server (createForumTopic, copyMessage both ways)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.botapi.server import FakeBotApiServer
from tests.e2e.test_bot_over_http import _start_bot, _stop

pytestmark = pytest.mark.e2e
GROUP_ID, ADVISOR_ID = -1_001_500_000_001, 9003


@pytest.fixture
def server() -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer() as fake:
        yield fake


def test_a_customer_and_an_advisor_talk_through_a_topic(server: FakeBotApiServer, tmp_path: Path) -> None:
    server.add_group("Advisors", chat_id=GROUP_ID, forum=True, members=[ADVISOR_ID])
    server.add_user(ADVISOR_ID, first_name="Alex", language_code="zh-hant")
    customer = server.add_user(first_name="Lin", language_code="zh-hant")
    process = _start_bot(server, tmp_path, ADVISOR_GROUP_ID=str(GROUP_ID), ADVISOR_IDS=f"[{ADVISOR_ID}]")
    try:
        server.push_text(customer.id, "/start")
        server.wait_for_messages(customer.id, 1, timeout=20)
        server.push_text(customer.id, "轉人工")
        [told] = server.wait_for_messages(customer.id, 1, timeout=10)
        assert "服務顧問會在這個聊天室裡回覆您" in told["text"]
        [created] = server.calls("createForumTopic")
        topic = created.result["message_thread_id"]
        [shown] = server.wait_for_messages(GROUP_ID, 1, timeout=10)
        assert shown["message_thread_id"] == topic and "Lin" in shown["text"] and shown.get("reply_markup")

        server.push_text(customer.id, "三包有效期是多久")  # relayed, not answered by the FAQ
        server.push_photo(customer.id, caption="儀表板")
        copied = server.wait_for_messages(GROUP_ID, 2, timeout=10)
        assert [m["message_thread_id"] for m in copied] == [topic, topic]
        # updates run concurrently (bot/app.py), so the two copies may land in either order
        # the customer's words arrive under a header naming them (never as the bot's own), media copied
        assert any(m.get("text", "").endswith("\n三包有效期是多久") and "Lin" in m["text"] for m in copied)
        assert any("photo" in m and "Lin" in m.get("caption", "") for m in copied)

        server.push_text(ADVISOR_ID, "您好，我是 Alex，請問車牌？", chat_id=GROUP_ID, thread_id=topic)
        [reply] = server.wait_for_messages(customer.id, 1, timeout=10)
        assert reply["text"] == "您好，我是 Alex，請問車牌？"  # the first message since the handoff: no auto-answer
        server.wait_for_messages(GROUP_ID, 1, timeout=10)  # "Alex is handling this conversation"
        copies = server.calls("copyMessage")
        assert [c.params["chat_id"] for c in copies] == [GROUP_ID, customer.id]  # the photo, the advisor's reply
    finally:
        log = _stop(process, tmp_path)
    assert "Traceback" not in log, log
    assert server.token not in log
