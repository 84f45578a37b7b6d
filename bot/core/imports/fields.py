"""The columns of the dealer's CSV exports (docs/import.md) and how one cell becomes one typed value.

Headers are matched after folding (Traditional → Simplified, full-width → half-width, lower case, spaces,
underscores, dots, brackets and a trailing `*` removed), so `手機`, `手机`, `Phone`, `PHONE *` all name `phone`.
A blank optional cell means "not given": the stored value is kept.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.common.identifiers import RecordError, canonical_make, normalise_phone, normalise_plate, normalise_vin
from bot.core.common.text import to_simplified
from bot.core.garage.records import check_km, check_past_date
from bot.db.garage.models import VISIT_KINDS

Cell = Callable[[str, "ParseContext"], Any]


@dataclass(frozen=True)
class ParseContext:
    """What a cell parser needs besides the text: the phone region and the dealer's today."""

    region: str
    today: dt.date
    tz: dt.tzinfo = dt.UTC  # the dealer's zone: times of day in the file are dealer time (settings.tz)


@dataclass(frozen=True)
class Column:
    """One importable field: its name, the headers that mean it, and how a cell is read."""

    name: str
    aliases: tuple[str, ...]
    parse: Cell
    required: bool = False


@dataclass
class HeaderMap:
    """Which cell index holds which field, and the header cells nobody uses."""

    index: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


class FileError(Exception):
    """The file as a whole cannot be imported (exit code 2): unreadable, wrong encoding, missing column."""


_HEADER_NOISE = re.compile(r"[\s_\-.()（）\[\]【】:：*/#]+")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DAY_FIRST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_KM = re.compile(r"(\d+)(?:\.(\d+))?")
_EXCEL_SERIAL = re.compile(r"[1-9]\d{4}(?:\.\d+)?")  # days since 1899-12-30, what a date cell holds inside Excel
_EXCEL_EXPONENT = re.compile(r"\d(?:\.\d+)?E\+\d+", re.IGNORECASE)
_TRUE = {"y", "yes", "true", "1", "x", "是", "对", "要", "已", "√", "✓"}
_FALSE = {"n", "no", "false", "0", "否", "不", "不要", "未"}
_KINDS = {
    **{k: k for k in VISIT_KINDS},
    "service": "maintenance", "保养": "maintenance", "定期保养": "maintenance", "首保": "maintenance",
    "常规保养": "maintenance", "维修": "repair", "修理": "repair", "机修": "repair", "一般维修": "repair",
    "body": "bodywork", "钣喷": "bodywork", "钣金": "bodywork", "喷漆": "bodywork", "钣金喷漆": "bodywork",
    "事故车": "bodywork", "保修": "warranty", "索赔": "warranty", "三包": "warranty", "检查": "inspection",
    "检测": "inspection", "年检": "inspection", "免费检测": "inspection", "其他": "other",
}
_USES = {
    "household": "household", "private": "household", "personal": "household", "家用": "household",
    "私家": "household", "私人": "household", "非营运": "household", "非营业": "household",
    "commercial": "commercial", "business": "commercial", "商用": "commercial", "营运": "commercial",
    "营业": "commercial", "运营": "commercial",
}


def fold_header(text: str) -> str:
    """A header cell in the one form aliases are written in."""
    return _HEADER_NOISE.sub("", to_simplified(unicodedata.normalize("NFKC", text)).casefold())


def _fold_word(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).strip().casefold()


def text_of(limit: int) -> Cell:
    """A text cell, spaces collapsed, at most `limit` characters."""

    def parse(raw: str, _ctx: ParseContext) -> str:
        value = " ".join(raw.split())
        if len(value) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return value

    return parse


def long_text(raw: str, _ctx: ParseContext) -> str:
    """Free text (work done): kept as written, line breaks included, at most 4000 characters."""
    value = raw.strip()
    if len(value) > 4000:
        raise ValueError("is longer than 4000 characters")
    return value


def read_date(raw: str, _ctx: ParseContext | None = None) -> dt.date:
    """A date written year first: 2024-03-01, 2024/3/1, 2024.3.1, 20240301, 2024年3月1日 (a time is ignored)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        if _DAY_FIRST.fullmatch(text):
            raise ValueError(f"{text!r}: write dates year first, e.g. 2024-03-01 (day and month are ambiguous)")
        if _EXCEL_SERIAL.fullmatch(text):
            raise ValueError(f"{text!r} is a spreadsheet's day number; format the column as a date (yyyy-mm-dd)")
        raise ValueError(f"{text!r} is not a date; write it as 2024-03-01")
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc})") from exc


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?")


def read_moment(raw: str, ctx: ParseContext) -> dt.datetime:
    """A date and time of day in dealer time, year first: 2026-11-20 18:00, 2026/11/20 18:00:00; a date alone
    means the end of that day."""
    text = unicodedata.normalize("NFKC", raw).strip()
    day_text, _, clock_text = text.partition(" ") if " " in text else text.partition("T")
    day = read_date(day_text)
    clock = _CLOCK.fullmatch(clock_text.strip()) if clock_text.strip() else None
    if clock_text.strip() and clock is None:
        raise ValueError(f"{text!r}: write the time as 18:00")
    hour, minute = (int(clock.group(1)), int(clock.group(2))) if clock else (23, 59)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: not a time of day")
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ctx.tz).astimezone(dt.UTC)


def past_date(name: str) -> Cell:
    """A date that has already happened (delivery, registration, visit)."""

    def parse(raw: str, ctx: ParseContext) -> dt.date:
        value = read_date(raw)
        try:
            check_past_date(name, value, ctx.today)
        except RecordError as exc:
            raise ValueError(exc.reason) from exc
        return value

    return parse


def any_date(raw: str, ctx: ParseContext) -> dt.date:
    """A date that may lie ahead (insurance expiry), from 1970 on."""
    value = read_date(raw)
    if value.year < 1970:
        raise ValueError(f"{value.isoformat()} is before 1970")
    return value


def read_km(raw: str, _ctx: ParseContext) -> int:
    """Kilometres: `12345`, `12,345`, `12 345 km`, `12345.0` (spreadsheets), `12345公里`."""
    text = unicodedata.normalize("NFKC", raw).strip().casefold().removesuffix("km").removesuffix("公里")
    match = _KM.fullmatch(text.replace(",", "").replace(" ", "").replace("_", ""))
    if match is None:
        raise ValueError(f"{raw.strip()!r} is not a number of kilometres")
    km = int(match.group(1)) + (1 if match.group(2) and match.group(2)[0] >= "5" else 0)
    try:
        check_km(km)
    except RecordError as exc:
        raise ValueError(exc.reason) from exc
    return km


def read_bool(raw: str, _ctx: ParseContext) -> bool:
    """Yes/no in the ways spreadsheets say it: yes/no, y/n, true/false, 1/0, 是/否."""
    word = _fold_word(raw)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{raw.strip()!r}: write yes or no (是/否)")


def _choice(table: dict[str, str], what: str) -> Cell:
    def parse(raw: str, _ctx: ParseContext) -> str:
        value = table.get(_fold_word(raw))
        if value is None:
            raise ValueError(f"{raw.strip()!r} is not a {what}: one of {', '.join(sorted(set(table.values())))}")
        return value

    return parse


def _identifier(normalise: Callable[[str], str]) -> Cell:
    def parse(raw: str, _ctx: ParseContext) -> str:
        try:
            return normalise(raw)
        except RecordError as exc:
            raise ValueError(exc.reason) from exc

    return parse


def read_phone(raw: str, ctx: ParseContext) -> str:
    """A phone number in E.164."""
    if _EXCEL_EXPONENT.fullmatch(raw.strip()):
        raise ValueError(f"{raw.strip()!r}: the spreadsheet turned the number into an exponent; format the column "
                         "as Text and export again")
    try:
        return normalise_phone(raw, ctx.region)
    except RecordError as exc:
        raise ValueError(exc.reason) from exc


PHONE = (
    "phone", "mobile", "tel", "telephone", "手机", "电话", "手机号", "手机号码", "电话号码", "联系电话", "联络电话",
)
PLATE = ("plate", "licenceplate", "licenseplate", "plateno", "registrationno", "车牌", "车牌号", "车牌号码")
VIN = ("vin", "chassisno", "frameno", "车架号", "车辆识别代号", "车辆识别码", "vin码", "vin号")

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    Column("phone", PHONE, read_phone, required=True),
    Column("name", ("name", "customername", "fullname", "姓名", "客户姓名", "客户名称", "客户", "名称"), text_of(128)),
    Column("external_id", ("externalid", "customerid", "customerno", "客户编号", "客户号", "客户代码"), text_of(64)),
    Column("reminders_opt_out", ("remindersoptout", "noreminders", "不要提醒", "拒收提醒"), read_bool),
    Column("marketing_opt_out", ("marketingoptout", "nomarketing", "拒收推广", "不要推广", "拒收营销"), read_bool),
)
VEHICLE_COLUMNS: tuple[Column, ...] = (
    Column("phone", (*PHONE, "ownerphone", "车主电话", "车主手机"), read_phone, required=True),
    Column("plate", PLATE, _identifier(normalise_plate)),
    Column("vin", VIN, _identifier(normalise_vin)),
    Column("make", ("make", "brand", "品牌", "厂牌"), _identifier(canonical_make), required=True),
    Column("model", ("model", "车型", "型号", "车款"), text_of(64), required=True),
    Column("delivery_date", ("deliverydate", "delivered", "交车日期", "购车日期", "交付日期"),
           past_date("delivery_date")),
    Column("use", ("use", "usage", "用途", "使用性质"), _choice(_USES, "use")),
    Column("insurance_expiry", ("insuranceexpiry", "insuranceexpires", "保险到期", "保险到期日", "保险到期日期"),
           any_date),
    Column("registration_date", ("registrationdate", "registered", "登记日期", "上牌日期", "注册日期"),
           past_date("registration_date")),
)
VISIT_COLUMNS: tuple[Column, ...] = (
    Column("visit_no", ("visitno", "visitnumber", "repairorder", "rono", "工单号", "维修单号", "单号", "工单编号"),
           text_of(64), required=True),
    Column("plate", PLATE, _identifier(normalise_plate)),
    Column("vin", VIN, _identifier(normalise_vin)),
    Column("visit_date", ("visitdate", "date", "日期", "进厂日期", "到店日期", "维修日期"), past_date("visit_date"),
           required=True),
    Column("km", ("km", "mileage", "odometer", "里程", "公里数", "进厂里程", "行驶里程", "里程数"), read_km),
    Column("kind", ("kind", "type", "visittype", "类型", "维修类型", "类别"), _choice(_KINDS, "visit kind")),
    Column("work_done", ("workdone", "work", "description", "维修项目", "作业内容", "工作内容", "项目"), long_text),
    Column("advisor", ("advisor", "serviceadvisor", "服务顾问", "接待", "顾问"), text_of(64)),
    Column("completed", ("completed", "done", "已完工", "完工"), read_bool),
    # On-time delivery and first-time fix (bot/core/kpis): promised at check-in, ready, and back for the same concern.
    Column("promised_at", ("promisedat", "promised", "promisedtime", "预计交车", "承诺交车时间", "预计完工时间"),
           read_moment),
    Column("ready_at", ("readyat", "ready", "readytime", "完工时间", "实际完工时间", "交车时间"), read_moment),
    Column("comeback", ("comeback", "repeatrepair", "返修", "返工"), read_bool),
)
COLUMNS: dict[str, tuple[Column, ...]] = {
    "customers": CUSTOMER_COLUMNS, "vehicles": VEHICLE_COLUMNS, "visits": VISIT_COLUMNS,
}


def map_header(cells: Sequence[str], columns: Sequence[Column]) -> HeaderMap:
    """Find each field's column; FileError on a missing required column or a field named twice."""
    by_alias = {fold_header(alias): column.name for column in columns for alias in (column.name, *column.aliases)}
    header = HeaderMap()
    for position, cell in enumerate(cells):
        name = by_alias.get(fold_header(cell))
        if name is None:
            if cell.strip():
                header.ignored.append(cell.strip())
        elif name in header.index:
            raise FileError(f"line 1: columns {header.index[name] + 1} and {position + 1} both give {name}")
        else:
            header.index[name] = position
    missing = [column for column in columns if column.required and column.name not in header.index]
    if missing:
        names = "; ".join(f"{c.name} (e.g. {', '.join(c.aliases[:2])})" for c in missing)
        raise FileError(f"line 1: missing required column(s): {names}; see docs/import.md")
    return header


def parse_row(
    cells: Sequence[str], header: HeaderMap, columns: Sequence[Column], ctx: ParseContext
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The row's typed values (blank cells left out) and its problems as (field, reason)."""
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for column in columns:
        position = header.index.get(column.name)
        raw = cells[position] if position is not None and position < len(cells) else ""
        if not raw.strip():
            if column.required:
                errors.append((column.name, "is required"))
            continue
        try:
            values[column.name] = column.parse(raw, ctx)
        except ValueError as exc:
            errors.append((column.name, str(exc)))
    return values, errors
