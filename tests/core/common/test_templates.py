"""Every template renders in every locale, and every label exists in every locale (DESIGN.md, decision 6)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest

from bot.core.common.config_files import ConfigError
from bot.core.common.dealer import Dealer, template_vars
from bot.core.common.locale import LOCALES
from bot.core.common.messages import Messages, template_paths
from bot.core.common.settings import ROOT
from bot.core.warranty.chat import TYPED_STEPS, WarrantyAnswers
from bot.core.warranty.outcome import WarrantyOutcome, outcome
from bot.core.warranty.rules import default_rules
from tests.botapi.rules import check_message_text
from tests.core.common.samples_booking import BOOKING_SAMPLES
from tests.core.common.samples_followups import FOLLOWUP_SAMPLES
from tests.core.common.samples_handoff import HANDOFF_SAMPLES
from tests.core.common.samples_marketing import MARKETING_SAMPLES
from tests.core.common.samples_mycar import MYCAR_SAMPLES
from tests.core.common.samples_reminders import REMINDER_SAMPLES
from tests.core.common.samples_roadside import ROADSIDE_SAMPLES

DIRECTORY = ROOT / "templates" / "messages"
DEALER = Dealer.load(ROOT / "knowledge" / "dealer.yaml")
MESSAGES = Messages(DIRECTORY, {locale: template_vars(DEALER, locale) for locale in LOCALES})
RULES = default_rules()
TODAY = date(2026, 11, 28)


def _outcome(**answers: object) -> WarrantyOutcome:
    return outcome(WarrantyAnswers(**answers), TODAY, RULES)  # type: ignore[arg-type]


# One outcome per kind of result: every remedy, every exclusion, periods running and ended both ways.
OUTCOMES = [
    _outcome(use="household", start_date=date(2026, 11, 23), odometer_km=150, happened="transmission", repairs=0),
    _outcome(use="household", start_date=date(2026, 10, 19), odometer_km=2000, happened="brake", repairs=2),
    _outcome(
        use="household",
        start_date=date(2025, 6, 1),
        odometer_km=20000,
        happened="long_repair",
        repairs=3,
        still_there=True,
        repair_days=40,
    ),
    _outcome(
        use="household",
        start_date=date(2025, 6, 1),
        odometer_km=20000,
        happened="engine",
        repairs=2,
        replaced=True,
        wants_charge=True,
        price=Decimal(200000),
        coefficient=Decimal("0.005"),
    ),
    _outcome(use="household", start_date=date(2022, 6, 1), odometer_km=70000, happened="none"),
    _outcome(use="household", start_date=date(2024, 3, 1), odometer_km=52000, happened="other", repairs=5),
    _outcome(use="household", start_date=date(2021, 10, 1), odometer_km=40000, happened="none"),  # 2013 rules then
    _outcome(use="household", start_date=TODAY, odometer_km=10, happened="engine", repairs=0),  # day 0
    _outcome(use="commercial"),
]
ASKED = WarrantyAnswers("household", date(2026, 11, 23), "month", 150, "transmission", repairs=2)
# Sample data for templates that take more than the dealer's variables.
SAMPLES: dict[str, list[dict[str, object]]] = {
    "welcome": [{"name": "Ann <script>"}, {"name": ""}],
    "advisor_interim": [{"trigger": "warranty", "case": OUTCOMES[1]}, {"trigger": "menu", "case": None}]
    + [{"trigger": "warranty", "case": o} for o in OUTCOMES],
    "warranty_result": [{"o": o} for o in OUTCOMES],
    "warranty_ask": [
        {"step": step, "a": ASKED, "day": 5, "rules": RULES, "reminder": reminder}
        for step in ("use", *TYPED_STEPS, "happened", "repairs", "replaced", "still_there", "long_single")
        for reminder in (False, True)
    ]
    + [{"step": "repairs", "a": WarrantyAnswers(happened="long_repair"), "day": 5, "rules": RULES, "reminder": False}]
    + [{"step": "odometer", "a": ASKED, "day": 0, "rules": RULES, "reminder": False}]
    + [{"step": "happened", "a": ASKED, "day": 9, "rules": RULES, "reminder": False, "changed": c}
       for c in ("start_date", "odometer")],
    "warranty_retry": [{"problem": "days_too_many", "day": 0, "rules": RULES}]
    + [
        {"problem": problem, "day": 5, "rules": RULES}
        for problem in (
            "date_unclear",
            "date_future",
            "date_need_month",
            "km_unclear",
            "days_unclear",
            "days_too_many",
            "price_unclear",
            "coefficient_unclear",
            "coefficient_too_high",
        )
    ],
    "faq_answer": [{"answer": "<b>ok</b>"}],
    "non_text": [{"kind": k} for k in ("sticker", "photo", "voice", "location", "contact", "other")],
    "mood_reply": [{"mood": "negative"}, {"mood": "neutral"}],
}
SAMPLES["flow_left"] = [
    {"flow": flow, "appointment": 12, "advisor": advisor, "menu": menu}
    for flow in ("booking", "reschedule", "cancel_appointment", "roadside", "mycar", "warranty", "followups")
    for advisor in (False, True)
    for menu in (False, True)
]
SAMPLES.update(MYCAR_SAMPLES)
SAMPLES.update(REMINDER_SAMPLES)
SAMPLES.update(BOOKING_SAMPLES)
SAMPLES.update(HANDOFF_SAMPLES)
SAMPLES["handoff_case"] = [{"case": o} for o in OUTCOMES]
SAMPLES.update(ROADSIDE_SAMPLES)
SAMPLES.update(FOLLOWUP_SAMPLES)
SAMPLES["help"] = [
    {"commands": [("start", "Start / main menu"), ("book", "Book a service")], "staff_commands": []},
    {"commands": [("start", "Start")], "staff_commands": [("resolve", "(advisors) Tell the customer it is solved")]},
    {"commands": [], "staff_commands": [("staff", "(staff) Members, roles, on duty")]},  # in the advisors' group
]
SAMPLES.update(MARKETING_SAMPLES)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", MESSAGES.template_names())
def test_every_template_renders_in_every_locale(locale: str, name: str) -> None:
    assert (DIRECTORY / locale / template_paths(DIRECTORY)[name]).exists(), f"{name} is missing in {locale}"
    for data in SAMPLES.get(name, [{}]):
        text = MESSAGES.render(locale, name, **data)  # type: ignore[arg-type]
        assert text.strip()
        check_message_text(text, "HTML")  # Telegram would accept it
        assert "<script>" not in text  # customer-provided values are escaped


def test_templates_use_strict_undefined() -> None:
    with pytest.raises(jinja2.UndefinedError):
        MESSAGES.render("en", "handoff_card")  # `card` is required


def test_every_label_exists_in_every_locale() -> None:
    keys = {locale: MESSAGES.label_keys(locale) for locale in LOCALES}
    assert keys["zh-Hant"] == keys["zh-Hans"] == keys["en"]


def test_chinese_templates_are_in_their_own_script() -> None:
    from bot.core.common.text import detect_script

    for name in MESSAGES.template_names():
        for locale in ("zh-Hant", "zh-Hans"):
            text = re.sub(r"[a-zA-Z]", "", MESSAGES.render(locale, name, **SAMPLES.get(name, [{}])[0]))  # type: ignore[arg-type]
            if name != "language_choose":
                assert detect_script(text) in (locale, None), f"{locale}/{name} is not in {locale}"


@pytest.mark.parametrize("locale", ["zh-Hant", "zh-Hans"])
def test_every_warranty_message_is_in_its_own_script(locale: str) -> None:
    from bot.core.common.text import detect_script

    for name in ("warranty_ask", "warranty_retry", "warranty_result", "advisor_interim"):
        for data in SAMPLES[name]:
            text = re.sub(r"[a-zA-Z]", "", MESSAGES.render(locale, name, **data))  # type: ignore[arg-type]
            assert detect_script(text) == locale, f"{locale}/{name} {data}"


def test_every_warranty_button_has_a_label() -> None:
    from bot.core.warranty.chat import BUTTON_STEPS, choices

    answers = [WarrantyAnswers(happened="brake"), WarrantyAnswers(happened="long_repair")]
    keys = {f"wty_{step}_{value}" for step in BUTTON_STEPS for a in answers for value in choices(step, a)}
    keys |= {"wty_advisor", "wty_charge", "wty_again"}
    for locale in LOCALES:
        assert keys <= MESSAGES.label_keys(locale), keys - MESSAGES.label_keys(locale)


def test_templates_are_found_by_name_in_feature_folders_and_a_name_is_unique(tmp_path: Path) -> None:
    for locale in LOCALES:
        (tmp_path / locale / "desk" / "booking").mkdir(parents=True)
        (tmp_path / locale / "labels.yaml").write_text("ok: OK\n", encoding="utf-8")
        (tmp_path / locale / "desk" / "booking" / "ask.html.j2").write_text("{{ x }} ✓", encoding="utf-8")
    assert Messages(tmp_path).render("en", "ask", x="<b>") == "&lt;b&gt; ✓"
    (tmp_path / "en" / "ask.html.j2").write_text("again", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"template 'ask' is also .*desk/booking/ask\.html\.j2"):
        Messages(tmp_path)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_attendee_list_has_one_line_per_person(locale: str) -> None:
    import html

    from tests.core.common.samples_marketing import ATTENDEES, EVENT

    text = MESSAGES.render(locale, "event_attendees", e=EVENT, attendees=ATTENDEES, checked="Mei")  # type: ignore[arg-type]
    lines = text.splitlines()
    for attendee in ATTENDEES:
        name = html.escape(attendee.name) if attendee.name else f"#{attendee.customer_id}"
        assert any(line.startswith(("☑️ ", "▫️ ")) and name in line for line in lines), (locale, name)
    assert sum(line.startswith(("☑️ ", "▫️ ")) for line in lines) == len(ATTENDEES)


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("zh-Hant", "2026年12月5日 15:00"), ("zh-Hans", "2026年12月5日 15:00"), ("en", "5 December 2026, 15:00")],
)
def test_a_scheduled_campaigns_progress_says_when_not_zeros(locale: str, shown: str) -> None:
    """Before it goes out a campaign has no figures yet: the marketer is told when, not "audience 0"."""
    from tests.core.common.samples_marketing import SCHEDULED

    at = SCHEDULED.send_at.replace(year=2026, month=12, day=5, hour=15, minute=0)
    text = MESSAGES.render(locale, "campaign_progress", p=SCHEDULED, final=False, eta=None, at=at)
    assert shown in text and "0" not in text.replace(shown, "").replace("#9", "")
