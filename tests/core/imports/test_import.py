"""The CSV import: upserts on SQLite and PostgreSQL, and a table of the files and rows it must refuse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.core.common.settings import Settings
from bot.core.imports.fields import FileError
from bot.core.imports.importer import ImportReport, import_csv
from bot.db.engine import create_engine, session_factory

TODAY = dt.date(2026, 11, 28)
CUSTOMERS = "手機,姓名,客戶編號\n+86 138 0013 8000,陳大文,C001\n852 9123 4567,何美玲,C002\n"
VEHICLES = (
    "phone,plate,vin,make,model,delivery_date,use\n"
    "13800138000,粤B·12345,LVGBE40K38G123456,豐田,Corolla,2021-03-15,家用\n"
    "+85291234567,粤Z·1234港,,Honda,CR-V,2023/6/1,\n"
)
VISITS = (
    "工單號,車牌,VIN,日期,里程,類型,維修項目,服務顧問\n"
    "RO-1,粤B12345,,2021-06-20,3100,首保,首次保養,陳志明\n"
    "RO-2,,LVGBE40K38G123456,2022-01-08,11500,保養,\"更換機油, 機濾\",黃嘉欣\n"
    "RO-3,粤Z1234港,,2024-02-02,30200,鈑噴,後保險杠,李偉傑\n"
)



def write(folder: Path, content: str | bytes, name: str = "file.csv") -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


async def run(url: str, kind: str, path: Path, **options: Any) -> ImportReport:
    engine = create_engine(url)
    try:
        return await import_csv(session_factory(engine), kind, path, region="CN", today=TODAY, **options)
    finally:
        await engine.dispose()


async def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text(sql))
            # Dates as text on both engines (SQLite returns raw text for a text() query).
            return [tuple(str(v) if isinstance(v, dt.date) else v for v in row) for row in rows]
    finally:
        await engine.dispose()


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.inserted, report.updated, report.unchanged, report.rejected


async def load_all(url: str, folder: Path) -> list[ImportReport]:
    return [
        await run(url, kind, write(folder, content, f"{kind}.csv"))
        for kind, content in (("customers", CUSTOMERS), ("vehicles", VEHICLES), ("visits", VISITS))
    ]


async def test_import_upserts_and_a_second_import_changes_nothing(database_url: str, tmp_path: Path) -> None:
    first = await load_all(database_url, tmp_path)
    assert [counts(report) for report in first] == [(2, 0, 0, 0), (2, 0, 0, 0), (3, 0, 0, 0)]
    second = await load_all(database_url, tmp_path)
    assert [counts(report) for report in second] == [(0, 0, 2, 0), (0, 0, 2, 0), (0, 0, 3, 0)]
    assert await query(database_url, "SELECT phone, name, external_id FROM customer ORDER BY phone") == [
        ("+85291234567", "何美玲", "C002"), ("+8613800138000", "陳大文", "C001"),
    ]
    vehicles = await query(database_url, "SELECT plate, vin, make, use, delivery_date FROM vehicle ORDER BY plate")
    assert vehicles == [
        ("粤B12345", "LVGBE40K38G123456", "Toyota", "household", "2021-03-15"),
        ("粤Z1234港", None, "Honda", "household", "2023-06-01"),
    ]
    assert await query(database_url, "SELECT visit_no, kind, km, work_done FROM service_visit ORDER BY visit_no") == [
        ("RO-1", "maintenance", 3100, "首次保養"), ("RO-2", "maintenance", 11500, "更換機油, 機濾"),
        ("RO-3", "bodywork", 30200, "後保險杠"),
    ]
    readings = await query(database_url, "SELECT km, source FROM odometer_reading ORDER BY km")
    assert readings == [(3100, "visit:RO-1"), (11500, "visit:RO-2"), (30200, "visit:RO-3")]


async def test_updates_merge_blank_cells_keep_values_and_opt_outs_stick(database_url: str, tmp_path: Path) -> None:
    await load_all(database_url, tmp_path)
    report = await run(database_url, "customers", write(tmp_path, "phone,name,reminders_opt_out\n13800138000,,是\n"))
    assert counts(report) == (0, 1, 0, 0)
    report = await run(database_url, "customers", write(tmp_path, "phone,name,reminders_opt_out\n13800138000,,no\n"))
    assert counts(report) == (0, 0, 1, 0)  # an import never opts a customer back in
    opted = await query(database_url, "SELECT name, reminders_opt_out FROM customer WHERE external_id = 'C001'")
    assert [(name, bool(flag)) for name, flag in opted] == [("陳大文", True)]
    # A corrected visit replaces its own odometer reading; the VIN names the car after a plate change.
    visits = "visit_no,vin,date,km\nRO-2,LVGBE40K38G123456,2022-01-08,11400\n"
    assert counts(await run(database_url, "visits", write(tmp_path, visits))) == (0, 1, 0, 0)
    readings = await query(database_url, "SELECT km, source FROM odometer_reading ORDER BY km")
    assert readings == [(3100, "visit:RO-1"), (11400, "visit:RO-2"), (30200, "visit:RO-3")]
    plate_change = "phone,plate,vin,make,model\n13800138000,粤B·99999,LVGBE40K38G123456,Toyota,Corolla Cross\n"
    assert counts(await run(database_url, "vehicles", write(tmp_path, plate_change))) == (0, 1, 0, 0)
    assert await query(database_url, "SELECT plate, model, delivery_date FROM vehicle WHERE vin IS NOT NULL") == [
        ("粤B99999", "Corolla Cross", "2021-03-15")
    ]


async def test_dry_run_counts_everything_and_writes_nothing(database_url: str, tmp_path: Path) -> None:
    report = await run(database_url, "customers", write(tmp_path, CUSTOMERS + "garbage,x\n"), dry_run=True)
    assert counts(report) == (2, 0, 0, 1) and report.dry_run
    assert "dry run" in report.summary()
    assert await query(database_url, "SELECT count(*) FROM customer") == [(0,)]


def _rejections(report: ImportReport) -> list[tuple[int, str]]:
    return [(rejection.line, rejection.field) for rejection in report.rejections]


# (name, kind, content, rejections as (line, field, words of the reason), (inserted, rejected))
ROW_CASES: list[tuple[str, str, str | bytes, list[tuple[int, str, str]], tuple[int, int]]] = [
    ("bom", "customers", "\ufeff" + CUSTOMERS, [], (2, 0)),
    ("no bom", "customers", CUSTOMERS, [], (2, 0)),
    ("crlf and semicolons", "customers", CUSTOMERS.replace(",", ";").replace("\n", "\r\n"), [], (2, 0)),
    ("bad phone", "customers", "phone,name\n13800138000,A\n12345,B\n", [(3, "phone", "not a valid phone")], (1, 1)),
    ("duplicate key", "customers", "phone\n13800138000\n+852 9123 4567\n+86 138-0013-8000\n",
     [(4, "phone", "+8613800138000 already appears on line 2")], (2, 1)),
    ("blank lines", "customers", "phone\n\n13800138000\n,\n\n85291234567\nnope\n",
     [(7, "phone", "not a valid phone")], (2, 1)),
    ("extra columns", "customers", "phone,地址,備註\n13800138000,深圳市福田區,VIP\n", [], (1, 0)),
    ("quoted commas and a line break", "customers",
     'name,phone,地址\n"Chan, Tai Man",13800138000,\nHo,85291234567,"Flat 5\nBlock 2"\n"Lee, Ka",12,\n',
     [(4, "phone", "not a valid phone")], (2, 1)),
    ("excel exponent", "customers", "phone\n8.61380E+12\n", [(2, "phone", "format the column as Text")], (0, 1)),
    ("required cell blank", "customers", "phone,name\n,Nobody\n", [(2, "phone", "is required")], (0, 1)),
    ("bad date", "vehicles", "phone,plate,make,model,delivery_date\n13800138000,粤B12345,Toyota,Camry,2024-13-01\n",
     [(2, "delivery_date", "not a real date")], (0, 1)),
    ("day-first date", "vehicles", "phone,plate,make,model,交車日期\n13800138000,粤B12345,Toyota,Camry,01/03/2024\n",
     [(2, "delivery_date", "year first")], (0, 1)),
    ("excel day number", "vehicles", "phone,plate,make,model,delivery_date\n13800138000,粤B12345,Toyota,Camry,45352\n",
     [(2, "delivery_date", "format the column as a date")], (0, 1)),
    ("future date", "vehicles", "phone,plate,make,model,delivery_date\n13800138000,粤B12345,Toyota,Camry,2027-01-01\n",
     [(2, "delivery_date", "in the future")], (0, 1)),
    ("unknown customer", "vehicles", "phone,plate,make,model\n13912345678,粤B12345,Toyota,Camry\n",
     [(2, "phone", "no customer with phone +8613912345678; import customers first")], (0, 1)),
    ("no plate nor vin", "vehicles", "phone,plate,vin,make,model\n13800138000,,,Toyota,Camry\n",
     [(2, "plate", "give a plate or a VIN")], (0, 1)),
    ("several problems, one row", "vehicles", "phone,plate,vin,make,model\n1,粤B1,LVGBE40K38G12345O,Toyota,\n",
     [(2, "phone", "not a valid"), (2, "plate", "mainland"), (2, "vin", "I, O or Q"), (2, "model", "required")],
     (0, 1)),
    ("duplicate plate", "vehicles", "phone,plate,make,model\n13800138000,粤B12345,Toyota,Camry\n"
     "13800138000,粤B·12345,Toyota,Camry\n", [(3, "plate", "粤B·12345 already appears on line 2")], (1, 1)),
    ("unknown vehicle", "visits", "visit_no,plate,date,km\nR1,粤B77777,2024-01-01,100\n",
     [(2, "plate", "no vehicle with plate 粤B·77777; import vehicles first")], (0, 1)),
    ("odometer backwards", "visits",
     "visit_no,plate,date,km\nR1,粤B12345,2024-01-01,9000\nR2,粤B12345,2024-06-01,8000\n",
     [(3, "km", "8,000 km on 2024-06-01 is lower than the 9,000 km read on 2024-01-01")], (1, 1)),
    ("bad km and kind", "visits", "visit_no,plate,date,km,kind\nR1,粤B12345,2024-01-01,lots,spa\n",
     [(2, "km", "not a number of kilometres"), (2, "kind", "not a visit kind")], (0, 1)),
]


@pytest.mark.parametrize(("kind", "content", "expected", "totals"), [case[1:] for case in ROW_CASES],
                         ids=[case[0] for case in ROW_CASES])
async def test_rows_are_rejected_with_line_field_and_reason(
    settings: Settings, tmp_path: Path, kind: str, content: str | bytes, expected: list[tuple[int, str, str]],
    totals: tuple[int, int],
) -> None:
    url = settings.database_url
    if kind != "customers":
        await run(url, "customers", write(tmp_path, "phone\n13800138000\n", "owners.csv"))
    if kind == "visits":
        car = "phone,plate,make,model\n13800138000,粤B12345,Toyota,Camry\n"
        await run(url, "vehicles", write(tmp_path, car, "cars.csv"))
    report = await run(url, kind, write(tmp_path, content))
    assert _rejections(report) == [(line, name) for line, name, _words in expected]
    for rejection, (_line, _name, words) in zip(report.rejections, expected, strict=True):
        assert words in rejection.reason, str(rejection)
    assert (report.inserted, report.rejected) == totals


FILE_CASES: list[tuple[str, str, bytes, str]] = [
    ("gbk bytes", "customers", "手机,姓名\n13800138000,陈大文\n".encode("gbk"), "--encoding gbk"),
    ("utf-16", "customers", "phone\n13800138000\n".encode("utf-16"), "UTF-16"),
    ("missing column", "customers", b"name,email\nAnn,a@example.com\n", "missing required column(s): phone"),
    ("neither plate nor vin column", "vehicles", b"phone,make,model\n1,Toyota,Camry\n", "plate or vin"),
    ("a field named twice", "customers", "phone,手機\n1,2\n".encode(), "both give phone"),
    ("empty file", "customers", b"\n\n", "the file is empty"),
    ("header not on line 1", "customers", b"\nphone\n13800138000\n", "line 1: the first line must be the header"),
]


@pytest.mark.parametrize(("kind", "content", "words"), [case[1:] for case in FILE_CASES],
                         ids=[case[0] for case in FILE_CASES])
async def test_files_that_cannot_be_used_are_refused_whole(
    settings: Settings, tmp_path: Path, kind: str, content: bytes, words: str
) -> None:
    with pytest.raises(FileError) as caught:
        await run(settings.database_url, kind, write(tmp_path, content))
    assert words in str(caught.value)
    assert await query(settings.database_url, "SELECT count(*) FROM customer") == [(0,)]


async def test_a_gbk_export_imports_with_the_encoding_option(settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path, "手机,姓名\n13800138000,陈大文\n".encode("gbk"))
    report = await run(settings.database_url, "customers", path, encoding="gbk")
    assert counts(report) == (1, 0, 0, 0)
    assert await query(settings.database_url, "SELECT name FROM customer") == [("陈大文",)]


TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER refuse_77777 BEFORE INSERT ON odometer_reading WHEN NEW.km = 77777 "
        "BEGIN SELECT RAISE(ABORT, 'odometer refused by test trigger'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_77777() RETURNS trigger AS $$ BEGIN IF NEW.km = 77777 THEN "
        "RAISE EXCEPTION 'odometer refused by test trigger'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_77777 BEFORE INSERT ON odometer_reading FOR EACH ROW EXECUTE FUNCTION refuse_77777()",
    ],
}


async def test_a_row_the_database_refuses_half_way_leaves_nothing_of_itself(database_url: str, tmp_path: Path) -> None:
    """The visit is written, then its odometer reading fails: the row is rolled back whole, the others kept."""
    url = database_url
    await load_all(url, tmp_path)
    engine = create_engine(url)
    async with engine.begin() as connection:
        for statement in TRIGGERS[connection.dialect.name]:
            await connection.execute(text(statement))
    await engine.dispose()
    visits = "visit_no,plate,date,km\nRO-10,粤B12345,2025-01-01,50000\nRO-11,粤B12345,2025-06-01,77777\n" \
             "RO-12,粤Z1234港,2025-07-01,40000\n"
    report = await run(url, "visits", write(tmp_path, visits))
    assert _rejections(report) == [(3, "row")] and "odometer refused by test trigger" in report.rejections[0].reason
    assert counts(report) == (2, 0, 0, 1)
    assert await query(url, "SELECT visit_no FROM service_visit WHERE visit_no LIKE 'RO-1_' ORDER BY 1") == [
        ("RO-10",), ("RO-12",)
    ]
    assert await query(url, "SELECT count(*) FROM odometer_reading WHERE km = 77777") == [(0,)]


@pytest.mark.parametrize(
    ("kind", "header", "field"),
    [
        ("customers", "手機號碼", "phone"), ("customers", "聯繫電話", "phone"), ("customers", "PHONE *", "phone"),
        ("customers", "Customer Name", "name"), ("customers", "客戶編號", "external_id"),
        ("vehicles", "車主電話", "phone"), ("vehicles", "車牌號碼", "plate"), ("vehicles", "Plate No.", "plate"),
        ("vehicles", "車架號", "vin"), ("vehicles", "廠牌", "make"), ("vehicles", "購車日期", "delivery_date"),
        ("vehicles", "保險到期日", "insurance_expiry"), ("visits", "工單號", "visit_no"),
        ("visits", "RO No", "visit_no"),
        ("visits", "進廠里程", "km"), ("visits", "維修類型", "kind"), ("visits", "服務顧問", "advisor"),
    ],
)
def test_headers_in_traditional_simplified_or_english(kind: str, header: str, field: str) -> None:
    from bot.core.imports.fields import COLUMNS, map_header

    required = [column.name for column in COLUMNS[kind] if column.required and column.name != field]
    assert map_header([header, *required], COLUMNS[kind]).index[field] == 0
