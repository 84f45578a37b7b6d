"""Splitting a CSV export into records, with every line of the file accounted for (no telegram).

An unterminated quote (`"Chan` with no closing `"`) makes a CSV reader take the following lines into that one
cell until it meets another quote or the end of the file: a customer silently lost, another's name corrupted.
So the reader is strict (a quote must be followed by a delimiter or a line end), and a record that runs over
several lines is only trusted when its line breaks are in a column that may hold them (free text such as the
work done, or a column the import ignores). Otherwise the record is reported broken at the field where the
quote opens, and reading starts again on the next line of the file, so the rows it had swallowed are read
as rows. Records are numbered as a spreadsheet numbers its rows (the header is 1).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
UNCLOSED = "an opening quote (\") is not closed on this line, so the next lines were taken into this cell"


@dataclass
class Records:
    """The file's records (number, cells) and the broken ones: number → (cell index, reason)."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    broken: dict[int, tuple[int, str]] = field(default_factory=dict)


def _open_cell(line: str, delimiter: str) -> int:
    """The index of the cell where a quote opens and is not closed on `line`."""
    cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    return max(len(cells) - 1, 0)


def read_records(
    text: str, delimiter: str, single_line: Callable[[list[str]], Iterable[int]] = lambda _header: ()
) -> Records:
    """Every record of `text`; `single_line(header)` names the columns where a line break means a broken quote."""
    lines = _LINES.findall(text)
    found = Records()
    strict_columns: set[int] = set()
    start, number = 0, 0
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]), delimiter=delimiter, strict=True)
        used, restart = 0, len(lines)
        try:
            for cells in reader:
                first, span, used = start + used, reader.line_num - used, reader.line_num
                number += 1
                if number == 1:
                    strict_columns = set(single_line(cells))
                bad = [i for i in sorted(strict_columns) if span > 1 and i < len(cells) and "\n" in cells[i]]
                if bad:
                    found.rows.append((number, cells))
                    found.broken[number] = (bad[0], UNCLOSED)
                    restart = first + 1
                    break
                found.rows.append((number, cells))
        except csv.Error:  # a quote in the middle of a cell, or one still open at the end of the file
            first = start + used
            number += 1
            found.rows.append((number, []))
            found.broken[number] = (_open_cell(lines[first], delimiter), UNCLOSED)
            restart = first + 1
        start = restart
    return found
