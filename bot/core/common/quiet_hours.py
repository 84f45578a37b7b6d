"""Quiet hours: when the bot does not start a conversation (DESIGN.md, decision 8; no telegram import).

Anything that is not an answer to the customer (reminders, follow-ups, campaigns) is enqueued with a
`not_before` outside the dealer's quiet hours. The window is in the dealer's time zone, may cross midnight
(21:00–08:30) or not (12:00–13:30), and is half-open: a message due exactly at the end goes out then.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_clock(text: str) -> dt.time:
    """'21:00' → time(21, 0); raises ValueError for anything else ('24:00', '9h', '7:5')."""
    match = _CLOCK.match(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"expected a time of day like 21:00, got {text!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class QuietHours:
    """[start, end) in the dealer's local time; start == end means no quiet hours at all."""

    start: dt.time
    end: dt.time
    tz: ZoneInfo

    @classmethod
    def parse(cls, start: str, end: str, tz: ZoneInfo | str) -> QuietHours:
        return cls(parse_clock(start), parse_clock(end), tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz))

    def is_quiet(self, local: dt.time) -> bool:
        """Whether a local time of day falls inside the window."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # the window crosses midnight

    def shift(self, when: dt.datetime) -> dt.datetime:
        """`when` (aware) if it is outside quiet hours, else the end of the window it falls in; both in UTC."""
        if when.tzinfo is None:
            raise ValueError("quiet hours need an aware datetime (times are stored in UTC)")
        local = when.astimezone(self.tz)
        if not self.is_quiet(local.time().replace(tzinfo=None)):
            return when.astimezone(dt.UTC)
        end_day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) >= self.start:
            end_day += dt.timedelta(days=1)  # late evening: the window ends tomorrow morning
        end = dt.datetime.combine(end_day, self.end, tzinfo=self.tz)
        # A wall-clock time skipped by a DST jump resolves forward through UTC; Asia/Shanghai has no DST.
        return end.astimezone(dt.UTC)


def shift_out_of_quiet_hours(when: dt.datetime, quiet: QuietHours) -> dt.datetime:
    """The earliest moment at or after `when` that is outside `quiet`, in UTC (for `enqueue(not_before=…)`)."""
    return quiet.shift(when)
