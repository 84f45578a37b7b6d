"""Every template renders in every locale, and every label exists in every locale (DESIGN.md, decision 6)."""

from __future__ import annotations

import re

import jinja2
import pytest

from bot.core.dealer import Dealer, template_vars
from bot.core.locale import LOCALES
from bot.core.messages import Messages
from bot.settings import ROOT
from tests.botapi.rules import check_message_text

DIRECTORY = ROOT / "templates" / "messages"
DEALER = Dealer.load(ROOT / "knowledge" / "dealer.yaml")
MESSAGES = Messages(DIRECTORY, {locale: template_vars(DEALER, locale) for locale in LOCALES})
# Sample data for templates that take more than the dealer's variables.
SAMPLES: dict[str, list[dict[str, object]]] = {
    "welcome": [{"name": "Ann <script>"}, {"name": ""}],
    "not_ready": [{"feature": f} for f in ("book", "warranty", "mycar", "other")],
    "advisor_interim": [{"trigger": "menu"}],
    "faq_answer": [{"answer": "<b>ok</b>"}],
    "non_text": [{"kind": k} for k in ("sticker", "photo", "voice", "location", "contact", "other")],
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", MESSAGES.template_names())
def test_every_template_renders_in_every_locale(locale: str, name: str) -> None:
    assert (DIRECTORY / locale / f"{name}.html.j2").exists(), f"{name} is missing in {locale}"
    for data in SAMPLES.get(name, [{}]):
        text = MESSAGES.render(locale, name, **data)  # type: ignore[arg-type]
        assert text.strip()
        check_message_text(text, "HTML")  # Telegram would accept it
        assert "<script>" not in text  # customer-provided values are escaped


def test_templates_use_strict_undefined() -> None:
    with pytest.raises(jinja2.UndefinedError):
        MESSAGES.render("en", "not_ready")  # `feature` is required


def test_every_label_exists_in_every_locale() -> None:
    keys = {locale: MESSAGES.label_keys(locale) for locale in LOCALES}
    assert keys["zh-Hant"] == keys["zh-Hans"] == keys["en"]


def test_chinese_templates_are_in_their_own_script() -> None:
    from bot.core.text import detect_script

    for name in MESSAGES.template_names():
        for locale in ("zh-Hant", "zh-Hans"):
            text = re.sub(r"[a-zA-Z]", "", MESSAGES.render(locale, name, **SAMPLES.get(name, [{}])[0]))  # type: ignore[arg-type]
            if name != "language_choose":
                assert detect_script(text) in (locale, None), f"{locale}/{name} is not in {locale}"
