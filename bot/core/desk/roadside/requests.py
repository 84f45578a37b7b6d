"""Roadside assistance: what a customer tells us, the life of a request, who may move it on (no telegram).

A request is asked for in four answers (location, problem, plate, phone; `next_step` says which is missing),
then stored as 'new' with `escalate_at` = created + settings.roadside_claim_minutes. An advisor claims it
(only while it is 'new' or 'escalated': the first claimer wins, bot.core.desk.roadside.repo.claim), then moves it
on: on the way (with an ETA, which may be given again), arrived, done. Only the claimer or a supervisor
may. Unclaimed at `escalate_at`, it becomes 'escalated' once (the supervisor is alerted, the customer told
to call the rescue line) and can still be claimed. The customer may cancel while it is open.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

from bot.core.common import steps
from bot.core.common.identifiers import RecordError, format_plate, normalise_phone, normalise_plate
from bot.core.common.text import to_simplified

Problem = Literal["battery", "flat_tyre", "accident", "overheating", "warning_light", "fuel", "locked_out", "other"]
PROBLEMS: tuple[Problem, ...] = get_args(Problem)
Status = Literal["new", "claimed", "on_the_way", "arrived", "done", "escalated", "cancelled"]
OPEN_STATUSES: tuple[Status, ...] = ("new", "escalated", "claimed", "on_the_way", "arrived")
CLAIMABLE: tuple[Status, ...] = ("new", "escalated")
# What a claimed request may become next (on the way again = a new ETA).
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    "claimed": ("on_the_way", "arrived", "done"),
    "on_the_way": ("on_the_way", "arrived", "done"),
    "arrived": ("done",),
}
ETA_CHOICES = (15, 30, 45, 60)
Step = Literal["location", "problem", "plate", "phone", "done"]
ADDRESS_MAX = 500
DETAILS_MAX = 500
# Words that name a problem in what a customer types at the problem question (folded to Simplified, lower
# case); the first match wins, anything else is "other". The words are kept either way.
_PROBLEM_WORDS: tuple[tuple[Problem, tuple[str, ...]], ...] = (
    ("accident", ("车祸", "撞", "追尾", "事故", "碰到", "accident", "crash", "collision", "hit ")),
    ("overheating", ("冒烟", "过热", "水温", "开锅", "smoke", "overheat", "steam")),
    ("flat_tyre", ("爆胎", "漏气", "轮胎", "胎压", "flat", "tyre", "tire", "puncture")),
    ("fuel", ("没油", "油没了", "没有油", "燃油", "out of fuel", "petrol", "no gas", "ran out of gas")),
    ("locked_out", ("锁在车", "钥匙", "locked out", "keys", "lost my key")),
    ("warning_light", ("故障灯", "警告灯", "亮灯", "warning light", "engine light")),
    ("battery", ("电瓶", "没电", "打不着", "发动不了", "启动不了", "着不了", "won't start", "wont start", "battery",
                 "dead")),
)
# At "where are you?", words that say the car is in trouble rather than where it is (besides _PROBLEM_WORDS)...
_TROUBLE_WORDS = ("车", "发动机", "引擎", "抛锚", "坏", "故障", "熄火", "异响", "动不了", "开不了", "car ", "engine",
                  "broke", "won't", "wont", "can't", "cannot", "noise", "stall")
# ...and words that say where: an answer with one of them is a place even when it names a problem too
# (「國道一號南下 爆胎」, "flat tyre on Highway 1"). Folded like _PROBLEM_WORDS; 路边/路上 say nothing of where.
_PLACE = re.compile(
    r"\d\s*(号|公里|km|k\b)|[路街巷弄](?![边上旁肩])|大道|高速|国道|省道|交流道|出口|入口|收费站|服务区|隧道|桥|附近|门口"
    r"|停车场|加油站|站|店|城|大厦|大楼|广场|商场|医院|学校|公园|小区|机场|码头|中心|[市区县镇乡村]"
    r"|\b(road|rd|street|st|avenue|ave|highway|hwy|freeway|motorway|expressway|exit|junction|interchange|near|km"
    r"|miles?|lane|blvd|boulevard|parking|car park|station|bridge|tunnel|corner|outside|opposite|next to)\b"
)
NO_PLATE = "-"  # the customer does not know the plate (someone else's car, a rental): asked no further


@dataclass
class RoadsideDraft:
    """The answers so far, kept in user_data as JSON while the customer is asked (survives a restart)."""

    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    problem: Problem | None = None
    plate: str | None = None
    phone: str | None = None
    details: str | None = None  # the customer's own words, when they typed the problem
    key: str | None = None  # stored with the request: the same draft sent twice makes one request
    asked: list[str] | None = None  # the steps answered, newest last ("↩️ Back": bot.core.common.steps)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> RoadsideDraft:
        if not isinstance(data, dict):
            return cls()
        known = {key: data.get(key) for key in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def located(self) -> bool:
        return (self.latitude is not None and self.longitude is not None) or bool(self.address)


def next_step(draft: RoadsideDraft) -> Step:
    """The first answer still missing, or 'done'."""
    if not draft.located:
        return "location"
    if draft.problem is None:
        return "problem"
    if draft.plate is None:
        return "plate"
    if draft.phone is None:
        return "phone"
    return "done"


STEP_KEYS: dict[str, tuple[str, ...]] = {
    "location": ("latitude", "longitude", "address"), "problem": ("problem", "details"), "plate": ("plate",),
    "phone": ("phone",),
}  # fmt: skip


def note_answered(draft: RoadsideDraft) -> None:
    """Note the steps now answered that were not yet (in the flow's order), for "back"."""
    data = draft.to_json()
    for step in ("location", "problem", "plate", "phone"):
        if step not in (draft.asked or []) and _answered(draft, step):
            steps.answered(data, step)
    draft.asked = data[steps.ASKED] if data.get(steps.ASKED) else draft.asked


def _answered(draft: RoadsideDraft, step: str) -> bool:
    return draft.located if step == "location" else getattr(draft, step) is not None


def go_back(draft: RoadsideDraft) -> RoadsideDraft:
    """The draft without its newest answer (unchanged when there is none)."""
    data = draft.to_json()
    steps.undo_last(data, STEP_KEYS)
    return RoadsideDraft.from_json(data)


def take_point(draft: RoadsideDraft, latitude: float, longitude: float, venue: str | None = None) -> bool:
    """A shared location (a venue's title and address kept as the address); False when out of range."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return False
    draft.latitude, draft.longitude = latitude, longitude
    if venue:
        draft.address = venue.strip()[:ADDRESS_MAX]
    return True


def take_address(draft: RoadsideDraft, text: str) -> bool:
    """A typed address or description of the place; False when there is nothing in it."""
    cleaned = " ".join(text.split())
    if len(cleaned) < 2:
        return False
    draft.address = cleaned[:ADDRESS_MAX]
    return True


def reads_as_problem(text: str) -> bool:
    """Whether an answer to "where are you?" describes the trouble (「車頭冒煙」, "my car won't start") and says
    nothing of a place: it is then the problem, and the place is asked again."""
    return not names_place(text) and names_trouble(text)


def names_place(text: str) -> bool:
    """Whether `text` has a word that says where (a road, an exit, a km marker, a district): an address."""
    return bool(_PLACE.search(to_simplified(" ".join(text.split())).lower() + " "))


def names_trouble(text: str) -> bool:
    """Whether `text` names trouble with the car, a place in it or not (「我的車在高速上爆胎了」): a question that
    led to roadside help describes the problem."""
    folded = to_simplified(" ".join(text.split())).lower() + " "
    words = (*(w for _, found in _PROBLEM_WORDS for w in found), *_TROUBLE_WORDS)
    return any(word in folded for word in words)


def take_problem(draft: RoadsideDraft, value: str) -> bool:
    if value not in PROBLEMS:
        return False
    draft.problem = value  # type: ignore[assignment]
    return True


def take_described(draft: RoadsideDraft, text: str) -> bool:
    """A problem typed instead of pressed (people in trouble type): the problem it names, else "other", with the
    words kept for the advisors; False when there is nothing in it."""
    cleaned = " ".join(text.split())[:DETAILS_MAX]
    if len(cleaned) < 2:
        return False
    folded = to_simplified(cleaned).lower() + " "
    draft.problem = next((problem for problem, words in _PROBLEM_WORDS if any(w in folded for w in words)), "other")
    draft.details = cleaned
    return True


def take_plate(draft: RoadsideDraft, text: str) -> str | None:
    """Store the typed plate normalised; returns the reason it is not a plate, else None."""
    try:
        draft.plate = normalise_plate(text)
    except RecordError as exc:
        return exc.reason
    return None


def take_phone(draft: RoadsideDraft, text: str, region: str) -> str | None:
    """Store the phone in E.164; returns the reason it is not a phone number, else None."""
    try:
        draft.phone = normalise_phone(text, region)
    except RecordError as exc:
        return exc.reason
    return None


@dataclass(frozen=True)
class RoadsideView:
    """One stored request, detached from the session."""

    id: int
    customer_id: int
    status: Status
    problem: Problem
    latitude: float | None
    longitude: float | None
    address: str | None
    plate: str | None
    phone: str | None
    claimed_by: int | None
    eta_minutes: int | None
    alert_message_id: int | None
    created_at: dt.datetime
    escalate_at: dt.datetime | None
    details: str | None = None  # the problem in the customer's words, when typed

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class VisitLine:
    day: dt.date
    kind: str
    plate: str | None


@dataclass(frozen=True)
class CustomerCard:
    """What the advisors see about the caller: name, linked phone, cars, last visit; locale and chat to reply."""

    customer_id: int
    chat_id: int | None
    name: str
    phone: str | None
    cars: tuple[str, ...] = field(default_factory=tuple)
    last_visit: VisitLine | None = None
    locale: str | None = None


def escalate_at(created: dt.datetime, claim_minutes: float) -> dt.datetime:
    """When an unclaimed request goes to the supervisor."""
    return created + dt.timedelta(minutes=claim_minutes)


def should_escalate(status: str, due: dt.datetime | None, now: dt.datetime) -> bool:
    """Still unclaimed ('new') at or after its deadline; an escalated one is never escalated again."""
    return status == "new" and due is not None and now >= due


def allowed_from(target: Status) -> tuple[Status, ...]:
    """The statuses a request may be in to move to `target`."""
    return tuple(source for source, targets in TRANSITIONS.items() if target in targets)


def may_move(view: RoadsideView, actor_id: int, is_supervisor: bool, target: Status) -> bool:
    """Whether this staff member may move the request to `target` now: claimer or supervisor, a valid step."""
    if view.status not in allowed_from(target):
        return False
    return is_supervisor or view.claimed_by == actor_id


MOVE_ACTIONS: dict[str, Status] = {"eta": "on_the_way", "arrived": "arrived", "done": "done"}


@dataclass(frozen=True)
class Move:
    """A status button's meaning: `rsd:eta:<id>:<minutes>`, `rsd:arrived:<id>`, `rsd:done:<id>`."""

    request_id: int
    target: Status
    eta_minutes: int | None = None


def parse_move(action: str, args: tuple[str, ...]) -> Move | None:
    """The move a status button asks for, or None for anything malformed (an ETA not offered, no id)."""
    target = MOVE_ACTIONS.get(action)
    if target is None or not args or not args[0].isdigit():
        return None
    if target != "on_the_way":
        return Move(int(args[0]), target) if len(args) == 1 else None
    if len(args) != 2 or not args[1].isdigit() or int(args[1]) not in ETA_CHOICES:
        return None
    return Move(int(args[0]), target, int(args[1]))


def handoff_facts(draft: RoadsideDraft, region: str) -> dict[str, Any]:
    """What a customer told the roadside flow before asking for a person, for the advisor's card (JSON-ready:
    it is stored with the ticket): {"roadside": {place, map link, problem, their words, plate, phone}}, or {}
    when they had told nothing yet. The flow's draft is left behind with the flow; this is all that goes on."""
    point = draft.latitude is not None and draft.longitude is not None
    if not (point or draft.address or draft.problem or draft.details):
        return {}
    told = {
        "address": draft.address,
        "map": map_link(region, draft.latitude, draft.longitude) if point else None,  # type: ignore[arg-type]
        "latitude": draft.latitude,
        "longitude": draft.longitude,
        "problem": draft.problem,
        "details": draft.details,
        "plate": None if draft.plate in (None, NO_PLATE) else format_plate(draft.plate),  # type: ignore[arg-type]
        "phone": draft.phone,
    }
    return {"roadside": told}


def map_link(region: str, latitude: float, longitude: float) -> str:
    """A map link for the advisors: AMap (Gaode) in mainland China, where Google Maps is blocked. Telegram
    gives GPS (WGS-84) coordinates; AMap expects GCJ-02 unless told `coordinate=wgs84`."""
    if region == "CN":
        return f"https://uri.amap.com/marker?position={longitude:.6f},{latitude:.6f}&coordinate=wgs84"
    return f"https://www.google.com/maps/search/?api=1&query={latitude:.6f},{longitude:.6f}"
