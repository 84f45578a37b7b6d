"""Registering a car in the chat, one answer at a time: plate → make → model → delivery date → odometer.

No telegram import. Handlers keep a `CarDraft` in the customer's persisted user_data, ask the step
`next_step` names, and record each typed answer with `take_typed`, which returns a problem code (for a
clear re-prompt) or None. Reading is lenient: plates as people write them (`粵B 12345`, `粤b·12345`), makes
in any script (豐田, toyota), dates as `bot.core.common.dates` reads them (`2024年3月`, `去年三月`, `1/3/2024`), km
as `parse_km` does (`1.2萬`, `12k`). Nothing is stored until the last answer: `register` then writes the car
and its first reading in one transaction, through `bot.core.garage.records.register_vehicle`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.common import steps
from bot.core.common.dates import date_problem, km_problem, parse_km, read_date
from bot.core.common.identifiers import (
    OTHER_MAKE,
    RecordError,
    format_plate,
    known_make,
    lacks_province,
    normalise_plate,
)
from bot.core.garage.cars import customer_of
from bot.core.garage.records import VehicleView, register_vehicle
from bot.db.garage.models import Vehicle

RegisterStep = Literal["plate", "vin6", "make", "model", "delivery_date", "odometer", "done"]
REGISTER_STEPS: tuple[RegisterStep, ...] = ("plate", "vin6", "make", "model", "delivery_date", "odometer")
MAX_MODEL = 64
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class CarDraft:
    """The answers so far; `to_json` is what is stored between messages. `plate` is normalised."""

    plate: str | None = None
    make: str | None = None
    model: str | None = None
    delivery_date: dt.date | None = None
    odometer_km: int | None = None
    claim: bool | None = None  # the plate is on file with no owner: claiming it needs the VIN's last six
    vin_ok: bool | None = None
    asked: list[str] | None = None  # the questions answered, newest last ("↩️ Back": bot.core.common.steps)

    @property
    def plate_display(self) -> str | None:
        """The plate as shown (`粤B·12345`)."""
        return format_plate(self.plate) if self.plate else None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, unanswered steps left out."""
        data = {key: value for key, value in asdict(self).items() if value is not None}
        return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in data.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CarDraft:
        """The draft stored by `to_json` (unknown keys dropped)."""
        known = {field.name for field in fields(cls)}
        values = {key: value for key, value in (data or {}).items() if key in known}
        if "delivery_date" in values:
            values["delivery_date"] = dt.date.fromisoformat(values["delivery_date"])
        return cls(**values)


@dataclass(frozen=True)
class Registered:
    """The outcome of the last step: the car, or why it was refused.

    `problem` "plate_taken": another customer owns this plate (the desk transfers it); "km_conflict": the car
    was on file with a higher reading (`reason` says which); "refused": any other refusal (`reason`).
    """

    car: VehicleView | None
    problem: str | None = None
    reason: str = ""


# What each question's answer is stored in, for "back"; the VIN check fills the car's facts from the file.
STEP_KEYS: dict[str, tuple[str, ...]] = {
    "plate": ("plate", "claim", "vin_ok"), "vin6": ("vin_ok", "make", "model", "delivery_date"),
    "odometer": ("odometer_km",),
}  # fmt: skip


def note_answered(draft: CarDraft, step: str) -> None:
    """Note `step` answered; a make typed with its model (`Toyota Corolla`) answers the model question too."""
    data = draft.to_json()
    steps.answered(data, step)
    if step == "make" and draft.model is not None:
        steps.answered(data, "model")
    draft.asked = data[steps.ASKED]


def go_back(draft: CarDraft) -> CarDraft:
    """The draft without the newest answer the customer gave (unchanged when there is none)."""
    data = draft.to_json()
    steps.undo_last(data, STEP_KEYS)
    return CarDraft.from_json(data)


def take_earlier(draft: CarDraft, step: RegisterStep, text: str, today: dt.date) -> bool:
    """A delivery date typed at the odometer question (not kilometres) replaces the one given before."""
    if step != "odometer" or "delivery_date" not in (draft.asked or []) or parse_km(text) is not None:
        return False
    reading = read_date(text, today)
    if reading is None or reading.value > today or reading.precision == "year":
        return False
    draft.delivery_date = reading.value
    return True


def next_step(draft: CarDraft) -> RegisterStep:
    """The first step not yet answered; "done" when all are (the VIN check only when claiming a car on file)."""
    vin = draft.vin_ok if draft.claim else True
    answers = (draft.plate, vin, draft.make, draft.model, draft.delivery_date, draft.odometer_km)
    return next((step for step, answer in zip(REGISTER_STEPS, answers, strict=True) if answer is None), "done")


def take_typed(
    draft: CarDraft, step: RegisterStep, text: str, today: dt.date, brands: tuple[str, ...] = (),
    region: str | None = None,
) -> str | None:
    """Record `text` as the answer to `step`; a problem code when it cannot be read (nothing recorded then). With
    the dealer's `region` "CN", a mainland plate without its province (B12345) is "plate_province"."""
    text = text.strip()
    if step == "plate":
        try:
            draft.plate = normalise_plate(text, region)
        except RecordError:
            return "plate_province" if region == "CN" and lacks_province(text) else "plate_unclear"
    elif step == "make":
        if not take_make(draft, text, brands) and not take_make_and_model(draft, text, brands):
            return "make_unknown"
    elif step == "model":
        model = " ".join(text.split())
        if not model or len(model) > MAX_MODEL:
            return "model_unclear"
        draft.model = model
    elif step == "delivery_date":
        reading = read_date(text, today)
        if reading is None:
            return date_problem(text)
        if reading.value > today:
            return "date_future"
        if reading.precision == "year":
            return "date_need_month"
        draft.delivery_date = reading.value
    elif step == "odometer":
        km = parse_km(text)
        if km is None:
            return km_problem(text)
        draft.odometer_km = km
    return None


def take_make(draft: CarDraft, make: str, brands: tuple[str, ...] = ()) -> bool:
    """A make typed or pressed: record it; False unless it is a make the bot knows, the dealer's, or "other"."""
    known = known_make(make, brands)
    if known is None:
        return False
    draft.make = known
    return True


def take_make_and_model(draft: CarDraft, text: str, brands: tuple[str, ...] = ()) -> bool:
    """A make followed by its model in one answer (`Toyota Corolla`, `豐田 卡羅拉`, `广汽丰田凯美瑞`): both recorded;
    False unless the longest start that ends at a word (or a Chinese character) is a make the bot knows."""
    text = " ".join(text.split())
    for end in range(len(text) - 1, 0, -1):
        make, model = text[:end].strip(), text[end:].strip()
        at_word = text[end] == " " or bool(_CJK.match(text[end - 1])) or bool(_CJK.match(text[end]))
        known = known_make(make, brands) if at_word and model else None
        if known is not None and known != OTHER_MAKE:
            if len(model) > MAX_MODEL:
                return False
            draft.make, draft.model = known, model
            return True
    return False


async def plate_problem(session: AsyncSession, telegram_user_id: int, plate: str) -> str | None:
    """Asked right after the plate, before the other questions: "plate_yours" when the customer already has
    this car (its facts are the dealer's: corrections go through the desk), "plate_taken" when another
    customer does; None when the plate is free to register."""
    customer = await customer_of(session, telegram_user_id)
    statement = select(Vehicle.customer_id).where(Vehicle.plate == plate, Vehicle.released_at.is_(None),
                                                  Vehicle.customer_id.is_not(None))  # fmt: skip
    owners = set((await session.execute(statement)).scalars())
    if customer is not None and customer.id in owners:
        return "plate_yours"
    if owners:
        return "plate_taken"
    on_file = (await session.execute(select(Vehicle.vin).where(Vehicle.plate == plate))).all()
    if on_file:  # a car on file without an owner (released, forgotten, imported alone): not anyone's to take
        return "claim_vin" if on_file[0].vin else "claim_desk"
    return None


async def check_claim(session: AsyncSession, plate: str, last_six: str, draft: CarDraft) -> bool:
    """The VIN's last six characters typed for a car on file without an owner: when they match, the draft
    takes the car's facts from the file (only the odometer is asked) and may claim it."""
    car = (await session.scalars(select(Vehicle).where(Vehicle.plate == plate))).first()
    typed = "".join(last_six.split()).upper()
    if car is None or not car.vin or len(typed) != 6 or car.vin[-6:].upper() != typed:
        return False
    draft.vin_ok, draft.make, draft.model = True, car.make, car.model
    draft.delivery_date = car.delivery_date  # None: asked, and fills the gap on file
    return True


async def register(session: AsyncSession, telegram_user_id: int, draft: CarDraft, today: dt.date) -> Registered:
    """Store the car for this Telegram user (all answers given); nothing is stored when it is refused."""
    customer = await customer_of(session, telegram_user_id)
    if customer is None or next_step(draft) != "done":
        return Registered(None, "refused", "the registration is not complete")
    assert draft.plate and draft.make and draft.model and draft.delivery_date and draft.odometer_km is not None
    if not draft.vin_ok and await plate_problem(session, telegram_user_id, draft.plate) in ("claim_vin", "claim_desk"):
        return Registered(None, "claim_desk")  # a car on file without an owner is claimed with its VIN or the desk
    try:
        async with session.begin_nested():  # a refusal rolls back only this attempt
            car = await register_vehicle(
                session, customer.id, plate=draft.plate, make=draft.make, model=draft.model,
                delivery_date=draft.delivery_date, odometer_km=draft.odometer_km, today=today, from_chat=True,
            )  # fmt: skip
    except RecordError as error:
        problem = {"plate": "plate_taken", "km": "km_conflict", "owned": "plate_yours"}.get(error.field, "refused")
        return Registered(None, problem, error.reason)
    return Registered(car)
