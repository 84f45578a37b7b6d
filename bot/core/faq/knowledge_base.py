"""The curated knowledge base (knowledge/faq.yaml): schema, loading and answer rendering."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.common.config_files import ConfigError, describe_errors, read_yaml
from bot.core.common.dealer import Dealer, Localized, template_vars
from bot.core.common.locale import LOCALES, Locale

Action = Literal["book", "appointments", "roadside", "advisor", "warranty_check"]
Topic = Literal[
    "general",
    "maintenance",
    "warranty",
    "roadside",
    "insurance",
    "inspection",
    "used_car",
    "accessories",
    "complaints",
    "events",
    "appointments",
    "dealer",
    "car_care",
    "ev",
]
MIN_QUESTIONS = 4
_TAG = re.compile(r"<[^>]+>")


class LocalizedQuestions(BaseModel):
    """Alternate questions per locale, as customers type them."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    zh_hant: list[str] = Field(alias="zh-Hant", min_length=MIN_QUESTIONS)
    zh_hans: list[str] = Field(alias="zh-Hans", min_length=MIN_QUESTIONS)
    en: list[str] = Field(min_length=MIN_QUESTIONS)

    def get(self, locale: Locale) -> list[str]:
        return {"zh-Hant": self.zh_hant, "zh-Hans": self.zh_hans, "en": self.en}[locale]

    def all(self) -> Iterator[tuple[Locale, str]]:
        for locale in LOCALES:
            for question in self.get(locale):
                yield locale, question


class FaqEntry(BaseModel):
    """One curated question with its answer in every locale."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    topic: Topic
    title: Localized  # what a button naming the entry says ("did you mean", related questions)
    questions: LocalizedQuestions
    answer: Localized
    related: list[str] = Field(default_factory=list, max_length=3)
    action: Action | None = None

    @field_validator("questions")
    @classmethod
    def _no_blank_questions(cls, value: LocalizedQuestions) -> LocalizedQuestions:
        for locale, question in value.all():
            if not question.strip():
                raise ValueError(f"empty question in {locale}")
        return value


@dataclass(frozen=True)
class RenderedEntry:
    """An entry with its answers rendered for the dealer: what the customer reads."""

    entry: FaqEntry
    answers: dict[Locale, str]

    def plain_answer(self, locale: Locale) -> str:
        return strip_tags(self.answers[locale])


def strip_tags(html: str) -> str:
    """Telegram HTML → plain text (for the CLI and logs)."""
    text = _TAG.sub("", html)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


class KnowledgeBase:
    """The loaded entries, their answers rendered once for this dealer."""

    def __init__(self, entries: list[FaqEntry], dealer: Dealer, source: Path | None = None) -> None:
        self.source = source
        self.entries = entries
        self.by_id = {entry.id: entry for entry in entries}
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
        self.rendered: dict[str, RenderedEntry] = {}
        for entry in entries:
            answers: dict[Locale, str] = {}
            for locale in LOCALES:
                source_text = entry.answer.get(locale)
                try:
                    answers[locale] = env.from_string(source_text).render(template_vars(dealer, locale)).strip()
                except jinja2.TemplateError as exc:
                    raise ConfigError(f"{source}: entry {entry.id}: answer.{locale}: {exc}") from exc
            self.rendered[entry.id] = RenderedEntry(entry, answers)

    def __len__(self) -> int:
        return len(self.entries)

    def answer(self, entry_id: str, locale: Locale) -> str:
        return self.rendered[entry_id].answers[locale]

    def title(self, entry_id: str, locale: Locale) -> str:
        """The entry's title in a locale: the text of a suggestion or related-question button. Not an alternate
        question: those are written as customers type them ("whats included in a routine service")."""
        return self.by_id[entry_id].title.get(locale)

    @classmethod
    def load(cls, path: Path, dealer: Dealer) -> KnowledgeBase:
        """Load and validate faq.yaml; every problem is reported at once, each naming the entry and field."""
        data = read_yaml(path)
        if not isinstance(data, list):
            raise ConfigError(f"{path}: expected a list of entries at the top level")
        entries: list[FaqEntry] = []
        problems: list[str] = []
        for index, item in enumerate(data):
            label = item.get("id", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
            try:
                entries.append(FaqEntry.model_validate(item))
            except ValidationError as exc:
                problems.append(describe_errors(Path(f"{path}: entry {label}"), exc))
        ids = [entry.id for entry in entries]
        problems += [f"{path}: entry {i}: duplicate id" for i in sorted({i for i in ids if ids.count(i) > 1})]
        known = set(ids)
        for entry in entries:
            problems += [
                f"{path}: entry {entry.id}: related: unknown id {r!r}" for r in entry.related if r not in known
            ]
        if problems:
            raise ConfigError("\n".join(problems))
        return cls(entries, dealer, source=path)
