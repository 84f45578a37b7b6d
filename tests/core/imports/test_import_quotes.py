"""Issue 12, item 14: an unclosed quote or a NUL byte gives the same result on SQLite and PostgreSQL, and every
row of the file is accounted for (imported, or refused with its line, field and reason)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.imports.test_import import query, run, write

CASES = [  # (name, kind, content, rejections as (line, field, words), phones imported)
    ("unclosed quote swallows the next rows", "customers",
     'phone,name\n13800138000,"Chan\n85291234567,Ho\n13900000001,Lee\n',
     [(2, "name", "quote")], ["+85291234567", "+8613900000001"]),  # the lines it took are read again as rows
    ("unclosed quote closed on a later line", "customers",
     'phone,name\n13800138000,"Chan\n85291234567,Ho"\n13900000001,Lee\n',
     [(2, "name", "quote")], ["+85291234567", "+8613900000001"]),
    ("a quote in the middle of a cell", "customers",
     'phone,name\n13800138000,Chan "CT" Tai\n85291234567,"Ho"x\n13900000001,Lee\n',
     [(3, "name", "quote")], ["+8613800138000", "+8613900000001"]),
    ("a nul byte", "customers", "phone,name\n13800138000,Ch\0an\n85291234567,Ho\n",
     [(2, "name", "NUL")], ["+85291234567"]),
    ("a line break where one may be", "visits",
     'visit_no,plate,date,work_done\nR1,粤B12345,2024-01-01,"oil\nfilter"\nR2,粤B12345,2024-02-01,tyres\n',
     [], []),
]


@pytest.mark.parametrize(("kind", "content", "expected", "phones"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_broken_quotes_and_nul_bytes_lose_no_row(
    database_url: str, tmp_path: Path, kind: str, content: str, expected: list[tuple[int, str, str]],
    phones: list[str],
) -> None:
    if kind == "visits":
        await run(database_url, "customers", write(tmp_path, "phone\n13800138000\n", "owners.csv"))
        car = "phone,plate,make,model\n13800138000,粤B12345,Toyota,Camry\n"
        await run(database_url, "vehicles", write(tmp_path, car, "cars.csv"))
    report = await run(database_url, kind, write(tmp_path, content))
    assert [(r.line, r.field) for r in report.rejections] == [(line, name) for line, name, _ in expected]
    for rejection, (_line, _name, words) in zip(report.rejections, expected, strict=True):
        assert words in rejection.reason, str(rejection)
    data_lines = 2 if kind == "visits" else content.count("\n") - 1  # one visit's work done has a line break
    assert report.rows == data_lines and report.inserted + report.rejected == data_lines  # every row accounted for
    if kind == "customers":
        stored = await query(database_url, "SELECT phone, name FROM customer ORDER BY id")
        assert [phone for phone, _ in stored] == phones
        assert all("\n" not in (name or "") and "\0" not in (name or "") for _, name in stored)
    else:
        stored = await query(database_url, "SELECT visit_no, work_done FROM service_visit ORDER BY visit_no")
        assert stored == [("R1", "oil\nfilter"), ("R2", "tyres")]
