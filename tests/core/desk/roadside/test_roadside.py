"""Roadside core: the questions' order, reading answers, who may move a request, escalation, map links."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.desk.roadside.requests import (
    NO_PLATE,
    Move,
    RoadsideDraft,
    RoadsideView,
    allowed_from,
    escalate_at,
    handoff_facts,
    map_link,
    may_move,
    next_step,
    parse_move,
    reads_as_problem,
    should_escalate,
    take_address,
    take_phone,
    take_plate,
    take_point,
    take_problem,
)

NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
ADVISOR, OTHER = 9003, 9004


def _view(status: str, claimed_by: int | None = ADVISOR) -> RoadsideView:
    return RoadsideView(1, 1, status, "battery", 22.5, 114.0, None, None, None, claimed_by, None, None, NOW, NOW)  # type: ignore[arg-type]


def test_questions_come_in_order_and_survive_json() -> None:
    draft = RoadsideDraft()
    assert next_step(draft) == "location"
    assert take_address(draft, "  深南大道   6008 號 門口 ")
    assert draft.address == "深南大道 6008 號 門口"
    assert next_step(draft) == "problem"
    assert not take_problem(draft, "meteor") and take_problem(draft, "flat_tyre")
    assert next_step(draft) == "plate"
    draft.plate = NO_PLATE
    assert next_step(draft) == "phone"
    assert take_phone(draft, "138 0013 8000", "CN") is None
    assert next_step(draft) == "done"
    again = RoadsideDraft.from_json(draft.to_json())
    assert again == draft and next_step(again) == "done"
    assert RoadsideDraft.from_json(None) == RoadsideDraft() == RoadsideDraft.from_json({"junk": 1})


def test_a_location_and_a_venue() -> None:
    draft = RoadsideDraft()
    assert not take_point(draft, 91.0, 10.0) and next_step(draft) == "location"
    assert take_point(draft, 22.54, 114.05) and draft.address is None and next_step(draft) == "problem"
    venue = RoadsideDraft()
    assert take_point(venue, 22.54, 114.05, "Shell, 1 Shennan Ave") and venue.address == "Shell, 1 Shennan Ave"


@pytest.mark.parametrize("text", ["", "  ", "a"])
def test_an_empty_address_is_refused(text: str) -> None:
    draft = RoadsideDraft()
    assert not take_address(draft, text) and draft.address is None


@pytest.mark.parametrize(
    ("typed", "trouble"),
    [("車頭冒煙", True), ("my car won't start", True), ("車頭冒煙，停在路邊", True), ("電瓶沒電", True),
     ("the car makes a strange noise", True), ("台北市信義區松仁路100號", False), ("Highway 1 near exit 23", False),
     ("高速公路 北上 32公里", False), ("國道一號南下 爆胎", False), ("outside the Shell station, battery dead", False),
     ("Sinopec", False), ("my car is at the car park", False)],
)  # fmt: skip
def test_trouble_typed_for_the_place_is_told_from_a_place(typed: str, trouble: bool) -> None:
    assert reads_as_problem(typed) is trouble


@pytest.mark.parametrize(
    ("typed", "stored"), [("粵B 12345", "粤B12345"), ("粤b·12345", "粤B12345"), ("ab-1234", "AB1234")]
)
def test_plates_are_normalised(typed: str, stored: str) -> None:
    draft = RoadsideDraft()
    assert take_plate(draft, typed) is None and draft.plate == stored


@pytest.mark.parametrize("typed", ["hello", "粤", "12"])
def test_a_plate_that_is_not_one_is_refused(typed: str) -> None:
    draft = RoadsideDraft()
    assert take_plate(draft, typed) and draft.plate is None


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("13800138000", "CN", "+8613800138000"),
        ("+852 9123 4567", "CN", "+85291234567"),
        ("9123 4567", "HK", "+85291234567"),
    ],
)
def test_phones_become_e164(typed: str, region: str, stored: str) -> None:
    draft = RoadsideDraft()
    assert take_phone(draft, typed, region) is None and draft.phone == stored


def test_a_phone_that_is_not_one_is_refused() -> None:
    draft = RoadsideDraft()
    assert take_phone(draft, "call me", "CN") and draft.phone is None


@pytest.mark.parametrize(
    ("status", "minutes_after", "expected"),
    [("new", 4.9, False), ("new", 5, True), ("new", 60, True), ("escalated", 60, False), ("claimed", 60, False),
     ("cancelled", 60, False)],
)  # fmt: skip
def test_escalation_only_for_unclaimed_requests_past_their_time(
    status: str, minutes_after: float, expected: bool
) -> None:
    due = escalate_at(NOW, 5)
    assert should_escalate(status, due, NOW + dt.timedelta(minutes=minutes_after)) is expected
    assert not should_escalate("new", None, NOW)


@pytest.mark.parametrize(
    ("status", "actor", "supervisor", "target", "expected"),
    [
        ("claimed", ADVISOR, False, "on_the_way", True),
        ("claimed", OTHER, False, "on_the_way", False),  # not the claimer
        ("claimed", OTHER, True, "arrived", True),  # a supervisor may
        ("on_the_way", ADVISOR, False, "on_the_way", True),  # a new ETA
        ("arrived", ADVISOR, False, "on_the_way", False),  # no going back
        ("done", ADVISOR, True, "done", False),
        ("new", ADVISOR, True, "arrived", False),  # claim first
        ("cancelled", ADVISOR, False, "done", False),
    ],
)
def test_who_may_move_a_request(status: str, actor: int, supervisor: bool, target: str, expected: bool) -> None:
    assert may_move(_view(status), actor, supervisor, target) is expected  # type: ignore[arg-type]


def test_allowed_sources() -> None:
    assert set(allowed_from("done")) == {"claimed", "on_the_way", "arrived"}
    assert set(allowed_from("on_the_way")) == {"claimed", "on_the_way"}


@pytest.mark.parametrize(
    ("action", "args", "expected"),
    [
        ("eta", ("7", "30"), Move(7, "on_the_way", 30)),
        ("arrived", ("7",), Move(7, "arrived")),
        ("done", ("7",), Move(7, "done")),
        ("eta", ("7", "25"), None),  # an ETA that was never offered
        ("eta", ("7",), None),
        ("arrived", ("7", "30"), None),
        ("done", ("x",), None),
        ("done", (), None),
        ("claim", ("7",), None),
    ],
)
def test_status_buttons_are_parsed_strictly(action: str, args: tuple[str, ...], expected: Move | None) -> None:
    assert parse_move(action, args) == expected


def test_map_links_per_region() -> None:
    cn = map_link("CN", 22.5431, 114.0579)
    assert cn.startswith("https://uri.amap.com/marker?position=114.057900,22.543100")  # LON,LAT
    assert "coordinate=wgs84" in cn  # Telegram's points are GPS, AMap's default is GCJ-02
    assert map_link("TW", 25.03, 121.56).startswith("https://www.google.com/maps/")
    assert "22.300000,114.170000" in map_link("HK", 22.3, 114.17)


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (RoadsideDraft(key="k", asked=[]), {}),  # nothing told yet: nothing for the card
        (RoadsideDraft(latitude=22.5, longitude=114.0, asked=["location"]),
         {"address": None, "map": map_link("CN", 22.5, 114.0), "latitude": 22.5, "longitude": 114.0, "problem": None,
          "details": None, "plate": None, "phone": None}),
        (RoadsideDraft(address="G4 出口", problem="other", details="車頭冒煙", plate=NO_PLATE),
         {"address": "G4 出口", "map": None, "latitude": None, "longitude": None, "problem": "other",
          "details": "車頭冒煙", "plate": None, "phone": None}),
        (RoadsideDraft(address="x", problem="battery", plate="粤B12345", phone="+8613800138000"),
         {"address": "x", "map": None, "latitude": None, "longitude": None, "problem": "battery", "details": None,
          "plate": "粤B·12345", "phone": "+8613800138000"}),
    ],
)  # fmt: skip
def test_what_the_flow_was_told_goes_to_the_advisors_card(draft: RoadsideDraft, expected: dict[str, object]) -> None:
    assert handoff_facts(draft, "CN") == ({"roadside": expected} if expected else {})
