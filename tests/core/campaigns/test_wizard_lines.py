"""The /campaign wizard's typed lines: a new event's line and a send time, as marketers write them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.campaigns.wizard import EventLineError, parse_new_event, parse_when

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("line", "day", "start", "end"),
    [
        ("冬季檢測日 / 2026-12-20 09:00-17:00 / 30 / 展廳", dt.date(2026, 12, 20), "09:00", "17:00"),
        ("冬季檢測日 / 12月20日 09:00-17:00 / 30 / 展廳", dt.date(2026, 12, 20), "09:00", "17:00"),
        ("冬季檢測日 / 12月20號 9點-17點 / 30 / 展廳", dt.date(2026, 12, 20), "09:00", "17:00"),
        ("冬季检测日 ／ 12月20日 9:30至17:00 ／ 30 ／ 展厅", dt.date(2026, 12, 20), "09:30", "17:00"),
        ("Winter check / 20 Dec 09:00-17:00 / 30 / Showroom", dt.date(2026, 12, 20), "09:00", "17:00"),
        ("Winter check / Dec 20 9:00 to 17:30 / 30 / Showroom", dt.date(2026, 12, 20), "09:00", "17:30"),
        ("新春試駕 / 1月10日 10:00-12:00 / 8 / 展廳", dt.date(2027, 1, 10), "10:00", "12:00"),  # next January
        ("車主之夜 / 下週六 18:00-21:00 / 40 / 展廳", dt.date(2026, 12, 12), "18:00", "21:00"),
        ("車主之夜 / 明天 18:00-21:00 / 40 / 展廳", dt.date(2026, 12, 5), "18:00", "21:00"),
    ],
)
def test_a_new_events_line_is_read_in_the_ways_it_is_written(line: str, day: dt.date, start: str, end: str) -> None:
    new = parse_new_event(line, TZ, today=TODAY)
    assert new is not None
    starts, ends = dt.datetime.fromisoformat(new["starts"]), dt.datetime.fromisoformat(new["ends"])
    assert (starts.date(), starts.strftime("%H:%M"), ends.strftime("%H:%M")) == (day, start, end)
    assert starts.tzinfo is not None and starts.utcoffset() == dt.timedelta(hours=8)
    assert new["capacity"] in (8, 30, 40) and new["title"] == line.split("/")[0].split("／")[0].strip()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("冬季檢測日 / 下個月 09:00-17:00 / 30 / 展廳", "day"),
        ("冬季檢測日 / 2026-11-20 09:00-17:00 / 30 / 展廳", "past"),
        ("冬季檢測日 / 12月20日 全天 / 30 / 展廳", "time"),
        ("冬季檢測日 / 12月20日 17:00-09:00 / 30 / 展廳", "order"),
        ("冬季檢測日 / 12月20日 09:00-17:00 / 三十 / 展廳", "capacity"),
        ("冬季檢測日 / 12月20日 09:00-17:00 / 0 / 展廳", "capacity"),
        ("冬季檢測日 / 12月20日 09:00-25:00 / 30 / 展廳", "time"),
    ],
)
def test_a_wrong_part_of_the_line_is_named(line: str, reason: str) -> None:
    with pytest.raises(EventLineError) as refused:
        parse_new_event(line, TZ, today=TODAY)
    assert refused.value.reason == reason


@pytest.mark.parametrize("text", ["冬季檢測日", "A/B 測試", "", "/ / /"])
def test_text_that_is_not_an_event_line_is_not_one(text: str) -> None:
    assert parse_new_event(text, TZ, today=TODAY) is None  # so the title step can take it as a title


NOW = dt.datetime(2026, 12, 4, 3, 0, tzinfo=dt.UTC)  # 11:00 in the dealer's time zone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-06 10:00", dt.datetime(2026, 12, 6, 10, 0, tzinfo=TZ)),
        ("12月6日 10:00", dt.datetime(2026, 12, 6, 10, 0, tzinfo=TZ)),
        ("12月6日 上午10點", dt.datetime(2026, 12, 6, 10, 0, tzinfo=TZ)),
        ("明天 下午3點", dt.datetime(2026, 12, 5, 15, 0, tzinfo=TZ)),
        ("12/6 10:30", dt.datetime(2026, 12, 6, 10, 30, tzinfo=TZ)),
        ("tomorrow 3pm", dt.datetime(2026, 12, 5, 15, 0, tzinfo=TZ)),
        ("6 Dec 10:00", dt.datetime(2026, 12, 6, 10, 0, tzinfo=TZ)),
        ("16:30", dt.datetime(2026, 12, 4, 16, 30, tzinfo=TZ)),
    ],
)
def test_a_send_time_is_read_in_the_ways_it_is_written(text: str, expected: dt.datetime) -> None:
    assert parse_when(text, TZ, NOW) == expected


@pytest.mark.parametrize("text", ["soon", "明天", "下個月 10:00", "12月6日 25:00", "x" * 500 + " 10:00"])
def test_a_send_time_without_a_day_or_time_is_refused(text: str) -> None:
    assert parse_when(text, TZ, NOW) is None


def _walk_back(a: dict, expected_stages: list[str]) -> None:
    from bot.core.campaigns.wizard import back, stage

    seen = []
    for _ in expected_stages:
        a = back(a)
        seen.append(stage(a))
    assert seen == expected_stages


def test_back_retraces_an_invitation_for_a_new_event_question_by_question() -> None:
    from bot.core.campaigns.wizard import stage

    new = parse_new_event("冬季檢測日 / 12月20日 09:00-17:00 / 30 / 展廳", TZ, today=TODAY)
    assert new is not None
    titles = {"zh-Hant": "冬季檢測日", "zh-Hans": "冬季检测日", "en": "Winter check"}
    new = {**new, "titles": titles, "branch": "futian"}
    a = {"kind": "event", "new_event": new, "audience": {"makes": ["Toyota"]}, "audience_done": True,
         "texts": {"zh-Hant": "歡迎", "en": "Welcome"}, "skipped": ["zh-Hans"], "send_at": "rule"}  # fmt: skip
    assert stage(a) == "confirm"
    _walk_back(a, ["when", "text:en", "text:zh-Hans", "text:zh-Hant", "audience", "event_branch", "title:en",
                   "title:zh-Hans", "event", "kind", "kind"])  # fmt: skip


def test_back_over_a_ready_template_returns_to_the_template_list_and_keeps_the_filters() -> None:
    from bot.core.campaigns.wizard import back, stage

    a = {"kind": "broadcast", "audience": {"insurance_days": 30}, "audience_done": True, "ready": "recall",
         "texts": {"zh-Hant": "召回", "zh-Hans": "召回", "en": "Recall"}, "button": "book"}  # fmt: skip
    assert stage(a) == "when"
    a = back(a)
    assert stage(a) == "button" and a["texts"]["en"] == "Recall"
    a = back(a)
    assert stage(a) == "ready" and "texts" not in a
    a = back(a)
    assert stage(a) == "text:zh-Hant"
    a = back(a)
    assert stage(a) == "audience" and a["audience"] == {"insurance_days": 30}
    a = back(a)
    assert stage(a) == "kind"


def test_back_from_the_audience_of_an_existing_event_returns_to_the_event_list() -> None:
    from bot.core.campaigns.wizard import back, stage

    assert stage(back({"kind": "event", "event_id": 3})) == "event"


def test_the_dealers_default_locale_is_asked_first_and_fills_the_skipped() -> None:
    from bot.core.campaigns.wizard import back, draft, stage

    a = {"kind": "broadcast", "audience_done": True, "button": "none", "send_at": "rule"}
    assert stage(a, "en") == "text:en" and stage(a) == "text:zh-Hant"
    a = {**a, "texts": {"en": "Winter check", "zh-Hant": "冬季檢測"}, "skipped": ["zh-Hans"]}
    assert stage(a, "en") == "confirm"
    made = draft(a, None, "en")
    assert made.name == "Winter check"
    assert made.texts == {"zh-Hant": "冬季檢測", "zh-Hans": "Winter check", "en": "Winter check"}
    seen = []
    for _ in range(5):  # back over the time, the button, then the texts in the order they were asked
        a = back(a, "en")
        seen.append(stage(a, "en"))
    assert seen == ["when", "button", "text:zh-Hans", "text:zh-Hant", "text:en"]
