"""Every word a user reads (DESIGN.md, decision 6): templates/messages/<locale>/<feature>/<name>.html.j2 and the
labels.yaml files beside them. Templates are grouped in folders by feature and found by name, so a name is unique
across a locale's folders."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from bot.core.common.config_files import ConfigError, SafeLoader
from bot.core.common.fit import cut_html
from bot.core.common.locale import DEFAULT_LOCALE, LOCALES, Locale


class Messages:
    """Renders message templates (HTML, autoescaped, StrictUndefined) and button labels per locale.

    A template missing in a locale falls back to the default locale's. Templates are read and compiled once, on
    first use, like the labels and the template names at start: a change on disk takes effect at the next start.
    """

    def __init__(self, directory: Path, shared: dict[Locale, dict[str, Any]] | None = None) -> None:
        self.directory = directory
        self._shared = shared or {}
        # auto_reload=False: jinja would stat the file on every render to see whether it changed (the reminder
        # sweep renders one template 190,000 times after a migration).
        self._envs = {
            locale: jinja2.Environment(
                loader=jinja2.FileSystemLoader([directory / locale, directory / DEFAULT_LOCALE]),
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                auto_reload=False,
            )
            for locale in LOCALES
        }
        # (locale, name) → the compiled template and the variables every render of it starts from: jinja's
        # globals and the shared dealer variables, merged once instead of on every render.
        self._templates: dict[tuple[Locale, str], tuple[jinja2.Template, dict[str, Any]]] = {}
        for env in self._envs.values():
            env.filters["clip"] = clip
            env.filters["as_date"] = as_date
        self._paths = template_paths(directory)
        self._labels: dict[Locale, dict[str, str]] = {}
        for locale in LOCALES:
            self._labels[locale] = _load_labels(directory / locale)

    def render(self, locale: Locale, name: str, /, **data: Any) -> str:
        """Render `name` (without extension) for `locale`; shared dealer variables are always available."""
        template, base = self._template(locale, name)
        # What Template.render does, with the globals already merged in (shared=True takes the dict as is).
        context = template.new_context({**base, **data}, shared=True)
        try:
            text: str = template.environment.concat(template.root_render_func(context))  # type: ignore[attr-defined]
        except Exception:
            template.environment.handle_exception()
        return text.strip()

    def _template(self, locale: Locale, name: str) -> tuple[jinja2.Template, dict[str, Any]]:
        found = self._templates.get((locale, name))
        if found is None:
            template = self._envs[locale].get_template(self._paths.get(name, f"{name}.html.j2"))
            found = self._templates[(locale, name)] = (template, {**template.globals, **self._shared.get(locale, {})})
        return found

    def label(self, locale: Locale, key: str, /, **data: Any) -> str:
        """A button label or command description (plain text, not HTML)."""
        labels = self._labels[locale]
        text = labels.get(key) or self._labels[DEFAULT_LOCALE].get(key)
        if text is None:
            raise KeyError(f"no label {key!r} in {self.directory / locale / 'labels.yaml'}")
        return text.format(**data) if data else text

    def day_time(self, locale: Locale, moment: dt.datetime) -> str:
        """A day and time in plain text (a button's label), in the locale's one date format: "3 December 2026,
        10:00", "2026年12月3日 10:00" (common/_names.j2's on_time writes the same in messages)."""
        return self.label(locale, "day_time", day=moment.day, month=moment.month, year=moment.year,
                          month_name=calendar.month_name[moment.month], time=f"{moment:%H:%M}")  # fmt: skip

    def template_names(self) -> list[str]:
        return template_names(self.directory)

    def label_keys(self, locale: Locale) -> set[str]:
        return set(self._labels[locale])


def clip(text: object, limit: int = 1000) -> str:
    """A customer's own words at most `limit` characters long, "…" at the end when cut: a 4,096-character
    comment inside an alert would push the alert past Telegram's limit and cut off what follows it (the
    supervisors' mentions). Plain text: autoescape still escapes the result."""
    return cut_html(str(text), limit, markup=False)


def as_date(value: object) -> object:
    """A date or time kept as ISO text (a ticket card's facts pass through JSON) read back, so templates show it in
    their locale's one date format (common/_names.j2); dates and times pass through unchanged."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _load_labels(directory: Path) -> dict[str, str]:
    """labels.yaml and each feature folder's labels.yaml in one locale's directory; a key defined twice is an
    error naming both files."""
    labels: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in [directory / "labels.yaml", *sorted(directory.glob("*/**/labels.yaml"))]:
        try:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of label keys to text")
        for key, text in loaded.items():
            if key in origin:
                raise ConfigError(f"{path}: label {key!r} is already defined in {origin[key].relative_to(directory)}")
            labels[key], origin[key] = text, path
    return labels


def template_paths(directory: Path) -> dict[str, str]:
    """Each template's name → its path inside a locale's folder, e.g. "booking_ask" →
    "desk/booking/booking_ask.html.j2".

    The same name in two feature folders is an error naming both: `render` could not tell them apart."""
    paths: dict[str, str] = {}
    for locale in LOCALES:
        for path in sorted((directory / locale).rglob("*.html.j2")):
            name, relative = path.name.removesuffix(".html.j2"), path.relative_to(directory / locale).as_posix()
            if paths.setdefault(name, relative) != relative:
                raise ConfigError(f"{path}: template {name!r} is also {directory / locale / paths[name]}")
    return paths


@cache
def template_names(directory: Path) -> list[str]:
    """Every template name that exists in any locale."""
    return sorted(template_paths(directory))
