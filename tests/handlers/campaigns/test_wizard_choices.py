"""The /campaign wizard's "service due within 30 days" filter (the count follows each toggle) and its ready
templates (every locale's wording at once, previewed as customers get it, dealer figures from configuration)."""

from __future__ import annotations

import datetime as dt

from bot.core.campaigns import service as campaigns
from bot.core.reminders import due_store
from bot.core.reminders.policy import ReminderDeps
from bot.db.garage.models import Customer as CustomerRow
from bot.db.garage.models import Vehicle
from tests.handlers.campaigns.test_marketing import HONDA, TOYOTA, desk, owner, press, private, services_of
from tests.handlers.desk_harness import MARKETING_ID, Desk

__all__ = ["desk"]  # the fixture, imported
DUE_SOON = 803


async def _due_soon_owner(desk: Desk) -> None:
    """A Toyota delivered 80 days ago: its first service (3 months) falls within 30 days; vehicle_due as the
    reminder sweep keeps it."""
    services = services_of(desk)
    await owner(services, TOYOTA, "Toyota")
    await owner(services, HONDA, "Honda")
    today = dt.datetime.now(services.settings.tz).date()
    async with services.sessions.begin() as session:
        row = CustomerRow(telegram_user_id=DUE_SOON, chat_id=DUE_SOON, first_name="Lin", language_code="en")
        session.add(row)
        await session.flush()
        session.add(Vehicle(customer_id=row.id, plate="粤B80300", make="Toyota", model="Corolla",
                            delivery_date=today - dt.timedelta(days=80)))  # fmt: skip
    await due_store.refresh(services.sessions, ReminderDeps.from_services(services), today)


async def test_service_due_filter_changes_the_count_and_combines(desk: Desk) -> None:
    await _due_soon_owner(desk)
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "群發")
    assert "目前收件人數：3" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "30 天內該保養")
    assert "目前收件人數：1" in asked[-1]["text"]
    assert "✔ 30 天內該保養" in str(asked[-1]["reply_markup"])
    assert "篩選：30 天內該保養" in asked[-1]["text"]  # the filter by its name, not its code
    asked = await press(desk, MARKETING_ID, asked[-1], "Honda")  # combined (AND): no Honda is due
    assert "目前收件人數：0" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "Honda")
    asked = await press(desk, MARKETING_ID, asked[-1], "Toyota")
    assert "目前收件人數：1" in asked[-1]["text"]
    asked = await press(desk, MARKETING_ID, asked[-1], "30 天內該保養")  # off again: both Toyota owners
    assert "目前收件人數：2" in asked[-1]["text"]


async def test_a_ready_template_fills_every_locale_and_previews_as_sent(desk: Desk) -> None:
    await _due_soon_owner(desk)
    services = services_of(desk)
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "群發")
    asked = await press(desk, MARKETING_ID, asked[-1], "30 天內該保養")
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await press(desk, MARKETING_ID, asked[-1], "用範本")
    asked = await press(desk, MARKETING_ID, asked[-1], "保養月")
    asked = await press(desk, MARKETING_ID, asked[-1], "預約保養")  # the button step follows at once
    asked = await press(desk, MARKETING_ID, asked[-1], "現在")
    previews = asked[:-1]
    hotline = services.dealer.hotline
    assert [p["text"].splitlines()[0] for p in previews] == [
        f"🔧 {services.dealer.name.get('zh-Hant')}保養月", f"🔧 {services.dealer.name.get('zh-Hans')}保养月",
        f"🔧 Service month at {services.dealer.name.get('en')}"]  # fmt: skip
    assert all(hotline in p["text"] for p in previews)  # the dealer's number, from configuration
    assert "發送日的收件人數：1" in asked[-1]["text"]
    await press(desk, MARKETING_ID, asked[-1], "確認")
    async with services.sessions() as session:
        found = (await campaigns.repo.listed(session))[0]
    assert found.audience == {"service_due_days": 30}
    assert found.texts["en"] == previews[2]["text"]  # stored as typed text: escaped once, when sent
    assert found.texts["zh-Hans"] == previews[1]["text"]


async def test_typing_at_the_template_choice_is_the_first_locales_text(desk: Desk) -> None:
    await _due_soon_owner(desk)
    asked = await private(desk, MARKETING_ID, "/campaign")
    asked = await press(desk, MARKETING_ID, asked[-1], "群發")
    asked = await press(desk, MARKETING_ID, asked[-1], "下一步")
    asked = await press(desk, MARKETING_ID, asked[-1], "用範本")
    asked = await private(desk, MARKETING_ID, "冬季保養週")
    assert "簡體中文" in asked[-1]["text"]  # on to the next locale's text, not "did not understand"
