"""Maintenance schedules per make (knowledge/maintenance.yaml): the schema, the loader and the make lookup.

The figures are the dealer's to edit (FACTS.md §2 gives only typical [B]/[U] values); this module only says
what a schedule is and how a car's make and model find theirs. `plan_for` never fails: an unknown make gets
the file's `default` schedule, and the returned `ServicePlan` says so (`make` None).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from bot.core.common.config_files import ConfigError, load_model
from bot.core.common.text import to_simplified

ServiceKind = Literal["oil_service", "condition_based", "check"]

DEFAULT_SCHEDULE_PATH = Path(__file__).resolve().parents[3] / "knowledge" / "maintenance.yaml"

_NOT_NAME = re.compile(r"[\W_]+")
PLAN_CACHE_SIZE = 10_000  # distinct (make, model) spellings remembered by plan_for


def fold_name(name: str) -> str:
    """A make or model name as compared: NFKC, Simplified, case-folded, without spaces or punctuation."""
    return _NOT_NAME.sub("", to_simplified(unicodedata.normalize("NFKC", name)).casefold())


class _Config(BaseModel):
    """Base for every section: immutable, and a misspelt key is an error rather than silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Limits(_Config):
    """One service interval: `months` always, `km` when distance counts too; whichever comes first."""

    months: Annotated[int, Field(ge=1, le=60)]
    km: Annotated[int, Field(ge=500, le=100_000)] | None = None


class ModelOverride(_Config):
    """A model's own figures; every key left out is taken from its make."""

    aliases: tuple[str, ...] = ()
    kind: ServiceKind | None = None
    first_service: Limits | None = None
    interval: Limits | None = None
    note: str | None = None


class MakeSchedule(_Config):
    """One make's schedule. Without `first_service`, the first service is one `interval` after delivery."""

    aliases: tuple[str, ...] = ()
    kind: ServiceKind = "oil_service"
    first_service: Limits | None = None
    interval: Limits
    note: str = ""
    models: dict[str, ModelOverride] = Field(default_factory=dict)
    _model_index: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_models(self) -> Self:
        self._model_index = _index({name: model.aliases for name, model in self.models.items()}, "model")
        return self


@dataclass(frozen=True)
class ServicePlan:
    """The schedule that applies to one car.

    `make` is the make's name as written in the file, None when the file's default was used; `model` is the
    model override that matched, if any.
    """

    make: str | None
    model: str | None
    kind: ServiceKind
    first_service: Limits | None
    interval: Limits
    note: str

    def limits(self, first: bool) -> Limits:
        """The limits of the first service (falling back to the interval) or of a regular one."""
        return (self.first_service or self.interval) if first else self.interval


def _names(name: str, aliases: tuple[str, ...]) -> list[tuple[str, str]]:
    """(folded, as written) for a name and its aliases; an alias that folds to nothing is refused."""
    pairs = []
    for written in (name, *aliases):
        folded = fold_name(written)
        if not folded:
            raise ValueError(f"{written!r} has no letters or digits")
        pairs.append((folded, written))
    return pairs


def _index(entries: dict[str, tuple[str, ...]], what: str) -> dict[str, str]:
    """Folded name or alias → entry name; the same folded name under two entries is an error."""
    index: dict[str, str] = {}
    for entry, aliases in entries.items():
        for folded, written in _names(entry, aliases):
            owner = index.setdefault(folded, entry)
            if owner != entry:
                raise ValueError(f"{what} name {written!r} of {entry!r} is already a name of {owner!r}")
    return index


class MaintenanceSchedule(_Config):
    """The whole of knowledge/maintenance.yaml, validated."""

    default_daily_km: Annotated[float, Field(gt=0, le=1000)]
    default: MakeSchedule
    makes: dict[str, MakeSchedule]
    _make_index: dict[str, str] = PrivateAttr(default_factory=dict)
    _plans: dict[tuple[str, str], ServicePlan] = PrivateAttr(default_factory=dict)  # plan_for's answers

    @field_validator("default")
    @classmethod
    def _plain_default(cls, default: MakeSchedule) -> MakeSchedule:
        if default.aliases or default.models:
            raise ValueError("the default schedule takes no aliases or models")
        return default

    @model_validator(mode="after")
    def _unique_makes(self) -> Self:
        self._make_index = _index({name: make.aliases for name, make in self.makes.items()}, "make")
        return self

    def find_make(self, make: str) -> str | None:
        """The make's name as written in the file (豐田, 丰田, TOYOTA → "Toyota"), None when not listed."""
        return self._make_index.get(fold_name(make))

    def plan_for(self, make: str, model: str = "") -> ServicePlan:
        """The schedule for a car: the model override if one matches, else the make's, else the default.

        Remembered per (make, model) as written: the reminder sweep asks for every car, and folding names
        (OpenCC) costs more than the rest of a car's due dates.
        """
        plans = self._plans
        plan = plans.get((make, model))
        if plan is None:
            plan = self._plan_for(make, model)
            if len(plans) < PLAN_CACHE_SIZE:
                plans[(make, model)] = plan
        return plan

    def _plan_for(self, make: str, model: str) -> ServicePlan:
        name = self.find_make(make)
        if name is None:
            base = self.default
            return ServicePlan(None, None, base.kind, base.first_service, base.interval, base.note)
        base = self.makes[name]
        plan = ServicePlan(name, None, base.kind, base.first_service, base.interval, base.note)
        override_name = _match_model(base._model_index, model)
        if override_name is None:
            return plan
        override = base.models[override_name]
        given = override.model_fields_set
        return ServicePlan(
            make=name,
            model=override_name,
            kind=override.kind or plan.kind,
            # an explicit `first_service: null` means "no separate first service" for this model
            first_service=override.first_service if "first_service" in given else plan.first_service,
            interval=override.interval or plan.interval,
            note=override.note if override.note is not None else plan.note,
        )

    @classmethod
    def load(cls, path: Path | str) -> MaintenanceSchedule:
        """Read and validate a schedule file; a `ConfigError` names the file and the field."""
        path = Path(path)
        try:
            return load_model(path, cls)
        except ValueError as exc:  # a ValueError from outside pydantic's validation (e.g. PyYAML)
            raise ConfigError(f"{path}: invalid value: {exc}") from exc


def _match_model(index: dict[str, str], model: str) -> str | None:
    """The override whose name or alias equals the model, else the longest one the model starts with."""
    wanted = fold_name(model)
    if not wanted or not index:
        return None
    if wanted in index:
        return index[wanted]
    prefixes = [folded for folded in index if wanted.startswith(folded)]
    return index[max(prefixes, key=len)] if prefixes else None


@cache
def default_schedule() -> MaintenanceSchedule:
    """The schedules shipped in knowledge/maintenance.yaml, loaded once per process."""
    return MaintenanceSchedule.load(DEFAULT_SCHEDULE_PATH)
