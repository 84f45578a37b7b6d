"""The 三包 rule data (knowledge/warranty.yaml): its vocabulary, its schema and its loader.

Every limit the engine applies — period lengths, windows, counts, thresholds, the maximum usage coefficient
and each article number — lives in the YAML file, so an amendment to the regulation is a data change. The
vocabulary below (part, failure, system and exclusion names) is the stable interface of `python -m bot
warranty --json` and cannot be changed from the data file; the file only says which names a rule covers.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.core.common.config_files import ConfigError, load_model

PeriodCode = Literal["repair_warranty", "three_guarantees", "seven_day", "sixty_day"]
PowertrainPart = Literal["engine", "transmission", "power_battery", "drive_motor"]
SafetyFailure = Literal["steering", "brake", "body_crack", "fuel_leak", "battery_fire"]
VehicleSystem = Literal[
    "engine",
    "transmission",
    "power_battery",
    "drive_motor",
    "steering",
    "brake",
    "suspension",
    "driveline",
    "emission",
    "body",
    "other",
]
ReplacementKind = Literal["assembly", "main_part"]
VehicleUse = Literal["household", "commercial"]
Art32Exclusion = Literal[
    "disclosed_defect",
    "improper_use_or_maintenance",
    "unauthorised_modification",
    "owner_mishandling",
    "force_majeure",
]
ExclusionCode = Literal["commercial_use", Art32Exclusion]

PERIOD_CODES: tuple[PeriodCode, ...] = get_args(PeriodCode)
POWERTRAIN_PARTS: tuple[PowertrainPart, ...] = get_args(PowertrainPart)
SAFETY_FAILURES: tuple[SafetyFailure, ...] = get_args(SafetyFailure)
VEHICLE_SYSTEMS: tuple[VehicleSystem, ...] = get_args(VehicleSystem)
REPLACEMENT_KINDS: tuple[ReplacementKind, ...] = get_args(ReplacementKind)
VEHICLE_USES: tuple[VehicleUse, ...] = get_args(VehicleUse)
ART32_EXCLUSIONS: tuple[Art32Exclusion, ...] = get_args(Art32Exclusion)
EXCLUSION_CODES: tuple[str, ...] = ("commercial_use", *ART32_EXCLUSIONS)

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[3] / "knowledge" / "warranty.yaml"

Article = Annotated[int, Field(gt=0)]
Count = Annotated[int, Field(gt=0)]


class _Rule(BaseModel):
    """Base for every section: immutable, and a misspelt key is an error rather than silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PeriodRule(_Rule):
    """One period or window: a length in years or in days, and an optional distance limit; the article that sets
    it, or the articles (the 60-day window is both Art. 20's and Art. 23's)."""

    article: Article | tuple[Article, ...]
    years: Count | None = None
    days: Count | None = None
    km: Count | None

    @model_validator(mode="after")
    def _one_length(self) -> Self:
        if (self.years is None) == (self.days is None):
            raise ValueError("give exactly one of years and days")
        return self


class Periods(_Rule):
    """The four periods the engine reports, by their stable codes."""

    repair_warranty: PeriodRule
    three_guarantees: PeriodRule
    seven_day: PeriodRule
    sixty_day: PeriodRule

    def get(self, code: PeriodCode) -> PeriodRule:
        """The rule for one period code."""
        rule: PeriodRule = getattr(self, code)
        return rule


class FreeRepairRule(_Rule):
    """Art. 19: free repair while a period (the 包修期) runs."""

    article: Article
    within: PeriodCode


class AssemblyReplacementRule(_Rule):
    """Art. 20: a main part of one of `parts` fails inside the window → that assembly is replaced free."""

    article: Article
    within: PeriodCode
    parts: tuple[PowertrainPart, ...] = Field(min_length=1)


class SubstituteVehicleRule(_Rule):
    """Art. 21: one repair over `single_repair_days_over` days → substitute vehicle or transport costs."""

    article: Article
    within: PeriodCode
    single_repair_days_over: Count


class SafetyFailureRule(_Rule):
    """Art. 23: one of `failures` inside the window → new car or refund, free."""

    article: Article
    within: PeriodCode
    failures: tuple[SafetyFailure, ...] = Field(min_length=1)


class FreeRefundRules(_Rule):
    """The two routes to a free new car or refund: Art. 22 (part replacement) and Art. 23 (safety failure)."""

    part_replacement: AssemblyReplacementRule
    safety_failure: SafetyFailureRule


class ChargedRefundRule(_Rule):
    """Art. 24 para. 1: new car or refund against a usage charge, within 三包有效期."""

    article: Article
    within: PeriodCode
    serious_safety_repairs: Count
    assembly_replacements: Count
    assembly_systems: tuple[PowertrainPart, ...] = Field(min_length=1)
    main_part_replacements: Count
    main_part_systems: tuple[VehicleSystem, ...] = Field(min_length=1)
    total_repair_days_over: Count
    same_problem_repairs_over: Count


class RemedyRules(_Rule):
    """One section per remedy code."""

    free_repair: FreeRepairRule
    free_assembly_replacement: AssemblyReplacementRule
    substitute_vehicle: SubstituteVehicleRule
    refund_or_replace_free: FreeRefundRules
    refund_or_replace_with_usage_charge: ChargedRefundRule


class UsageChargeRule(_Rule):
    """Art. 27: charge = price × km / km_per_unit × n, n ≤ max_coefficient, rounded to `decimals`."""

    article: Article
    max_coefficient: float = Field(gt=0, lt=1)
    km_per_unit: Count
    decimals: int = Field(ge=0, le=6)


class WarrantyRules(_Rule):
    """The whole of knowledge/warranty.yaml, validated."""

    regulation: str = Field(min_length=1)
    in_force: date
    periods: Periods
    repair_day_hours: Count
    remedies: RemedyRules
    usage_charge: UsageChargeRule
    exclusions: dict[str, Article]

    @model_validator(mode="after")
    def _known_exclusions(self) -> Self:
        missing = [code for code in EXCLUSION_CODES if code not in self.exclusions]
        unknown = [code for code in self.exclusions if code not in EXCLUSION_CODES]
        if missing or unknown:
            raise ValueError(
                f"exclusions must list exactly {', '.join(EXCLUSION_CODES)}"
                f" (missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})"
            )
        return self

    @classmethod
    def load(cls, path: Path | str) -> WarrantyRules:
        """Read and validate a rules file; a `ConfigError` (config_files) names the file and the field."""
        path = Path(path)
        try:
            return load_model(path, cls)
        except ValueError as exc:  # e.g. PyYAML's own ValueError for a date like 2022-13-01
            raise ConfigError(f"{path}: invalid value: {exc}") from exc


@cache
def default_rules() -> WarrantyRules:
    """The rules shipped in knowledge/warranty.yaml, loaded once per process."""
    return WarrantyRules.load(DEFAULT_RULES_PATH)
