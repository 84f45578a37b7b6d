"""Table tests for what the FAQ recognises before matching (bot.core.faq.intents) and for learning from
customers (bot.core.faq.learn): which questions are kept, and how accepted ones are written into faq.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.core.common.settings import ROOT
from bot.core.faq.intents import asks_for_a_person, is_emergency, is_latin_greeting
from bot.core.faq.learn import Addition, append_questions, worth_learning
from bot.core.services import Services


@pytest.mark.parametrize(
    "text",
    ["救命", "救命啊！", "SOS", "sos!!", "我車禍了有人受傷", "撞到人了", "車子起火了", "车冒烟了", "my car is on fire",
     "help me", "someone is injured", "i'm trapped in the car", "有人流血", "HELP urgent!!!", "please help me",
     "help me im stuck on the highway and my kid is hurt", "help us!", "我的車會不會爆炸了 冒煙了",
     "URGENT i need help right now pls", "撞車了 冇人受傷但係司機流血", "nobody is hurt but my wife is bleeding",
     "we crashed, is anyone hurt?"],
)  # fmt: skip
def test_danger_is_recognised(text: str) -> None:
    assert is_emergency(text)


@pytest.mark.parametrize(
    "text",
    ["車子著火了", "我的車子可能著火了", "架車可能着咗火", "我的车可能着火了，快来", "車子可能在冒煙", "我朋友昏倒了",
     "help me get my son out of the car", "help us get the kids out, the car is sinking", "help me do cpr",
     "help me check if he is breathing", "help me make him breathe", "my daughter fainted in the car"],
)  # fmt: skip
def test_danger_said_in_words_the_help_me_and_whether_rules_let_through(text: str) -> None:
    """Were not recognised: Taiwan's 著火, 可能 (maybe) before a fire that is happening (了, 在), and a cry for
    help whose verb (get, find, check, do, make) also starts a request for the bot's help."""
    assert is_emergency(text)


@pytest.mark.parametrize(
    "text",
    ["车打不着火了", "車子發不動", "電池起火三包怎麼處理", "battery fire refund under warranty",
     "how do i claim after a crash", "車禍後保險怎麼理賠", "三包是什麼", "will short trips hurt my engine", "helpful",
     "can you help me with my maths homework", "can you help me book a service", "help me find your address",
     "电瓶车充电充一晚上会不会爆炸", "can an electric car catch fire when charging", "車子打唔着火", "電池會不會著火",
     "my engine is burning oil", "brake pedal is sinking", "odometer rolled over", "help me get my car out of the mud",
     "how to get the smell out of the car",
     "Can you help me file a travel insurance claim for a cancelled flight?", "頭先撞咗車，冇人受傷，點做？",
     "出了个小事故，没有人受伤", "minor crash, no one was hurt, what now", "fender bender nobody injured"],
)  # fmt: skip
def test_paperwork_and_breakdowns_are_not_emergencies(text: str) -> None:
    assert not is_emergency(text)


@pytest.mark.parametrize(
    ("text", "person"),
    [("我要找真人", True), ("我想跟真人說話", True), ("i need a real person", True),
     ("can I talk to someone?", True), ("I want to speak to a human", True), ("真人客服幾點上班", False),
     ("can i talk to someone about my warranty", False)],
)  # fmt: skip
def test_asking_for_a_person(text: str, person: bool) -> None:
    assert asks_for_a_person(text) is person


@pytest.mark.parametrize(
    ("text", "greeting"),
    [("hi", True), ("Hello!", True), ("thanks!", True), ("thank you so much", True), ("good morning", True),
     ("hi how often should i service", False), ("保養", False), ("ok", True)],
)  # fmt: skip
def test_latin_greetings(text: str, greeting: bool) -> None:
    assert is_latin_greeting(text) is greeting


@pytest.mark.parametrize(
    ("text", "kind"),
    [("保養", "maintenance"), ("定期保养", "maintenance"), ("oil change", "maintenance"), ("年檢", "inspection"),
     ("三包", "warranty"), ("噴漆", "bodywork"), ("repair", "repair"), ("其他", "other"), ("明天", None)],
)  # fmt: skip
def test_a_typed_service_type(shared_services: Services, text: str, kind: str | None) -> None:
    assert shared_services.faq.service_type(text) == kind


@pytest.mark.parametrize(
    ("question", "kept"),
    [("年检怎么弄", True), ("保修", False), ("我的电话是13800138000 帮我约保养", False),
     ("mail me at a@b.com", False), ("see https://x.cn/a", False), ("x" * 300, False),
     ("call me on 138 2651 4417", False), ("138.2651.4417 warranty?", False), ("電話 138\u00a02651\u20094417", False),
     ("1 2 3 oil change", True)],
)  # fmt: skip
def test_only_questions_with_nothing_personal_are_kept(question: str, kept: bool) -> None:
    assert worth_learning(question) is kept


def test_accepted_questions_are_appended_in_their_locale_and_nothing_else_moves(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    shutil.copy(ROOT / "knowledge" / "faq.yaml", path)
    before = path.read_text(encoding="utf-8")
    additions = [
        Addition("periodic_inspection", "zh-Hans", "年检怎么弄"),
        Addition("booking_how", "en", 'can i book: "tomorrow" #1'),  # needs quoting in YAML
    ]
    after = append_questions(path, additions)
    entries = {e["id"]: e for e in yaml.safe_load(after)}
    assert entries["periodic_inspection"]["questions"]["zh-Hans"][-1] == "年检怎么弄"
    assert entries["booking_how"]["questions"]["en"][-1] == 'can i book: "tomorrow" #1'
    old = {e["id"]: e for e in yaml.safe_load(before)}
    assert len(entries["booking_how"]["questions"]["zh-Hant"]) == len(old["booking_how"]["questions"]["zh-Hant"])
    assert [line for line in after.splitlines() if line.startswith("#")] == [
        line for line in before.splitlines() if line.startswith("#")]  # comments stay
    assert len(after.splitlines()) == len(before.splitlines()) + 2
    with pytest.raises(ValueError, match="no entry"):
        append_questions(path, [Addition("no_such_entry", "en", "hello there")])


@pytest.mark.parametrize(
    ("region", "present", "absent"),
    [("CN", ["120", "110", "122", "119"], ["999"]), ("TW", ["119", "110", "112"], ["120", "999"]),
     ("HK", ["999"], ["120", "110"])],
)  # fmt: skip
def test_the_emergency_answer_gives_the_numbers_of_the_dealers_region(
    shared_services: Services, region: str, present: list[str], absent: list[str]
) -> None:
    from bot.core.faq.knowledge_base import KnowledgeBase

    dealer = shared_services.dealer.model_copy(update={"region": region})
    kb = KnowledgeBase(shared_services.kb.entries, dealer)
    for locale in ("zh-Hant", "zh-Hans", "en"):
        answer = kb.answer("emergency", locale)
        assert all(number in answer for number in present) and not any(n in answer for n in absent), answer
        assert dealer.rescue_line in answer
