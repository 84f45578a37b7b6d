"""`python -m bot import …` and the demo seed of `python -m bot setup`, through a real subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import _parser, _setup
from bot.cli.imports import ProgressBar, run_import, seed_demo
from bot.core.common.settings import ROOT
from tests.conftest import make_settings


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )


def test_import_exit_codes_report_and_dry_run(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "DEMO_DATA": "false"}
    good = tmp_path / "good.csv"
    good.write_text("\ufeff手機,姓名,地址\n13800138000,陳大文,深圳\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("phone,name\n85291234567,何美玲\n12345,壞\n\n85291234567,重複\n", encoding="utf-8")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("手机,姓名\n13800138000,陈大文\n".encode("gbk"))

    dry = run("import", "customers", str(good), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "1 inserted" in dry.stdout and "dry run, nothing was written" in dry.stdout
    first = run("import", "customers", str(good), env=env)
    assert first.returncode == 0 and "good.csv: customers: 1 row: 1 inserted" in first.stdout
    assert "note: ignored columns: 地址" in first.stdout and "\r" not in first.stderr  # no bar without a terminal

    rejected = run("import", "customers", str(bad), env=env)
    assert rejected.returncode == 1
    assert rejected.stderr.splitlines() == [
        "line 3: phone: '12345' is not a valid phone number "
        "(e.g. 13800138000, +86 138 0013 8000, +852 9123 4567, +886 912 345 678)",
        "line 5: phone: +85291234567 already appears on line 2",
    ]
    assert "3 rows: 1 inserted, 0 updated, 0 unchanged, 2 rejected (1 blank line skipped)" in rejected.stdout

    refused = run("import", "customers", str(gbk), env=env)
    assert refused.returncode == 2 and "not UTF-8" in refused.stderr and "--encoding gbk" in refused.stderr


def test_encoding_option_and_a_missing_file_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same command line, parsed and run in this process (no interpreter start-up, no logging set-up)."""
    settings = make_settings(tmp_path)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("手机,姓名\n13800138000,陈大文\n".encode("gbk"))
    args = _parser().parse_args(["import", "customers", str(gbk), "--encoding", "gbk"])
    assert run_import(settings, args.kind, args.file, args.dry_run, args.encoding) == 0
    assert "1 inserted" in capsys.readouterr().out
    args = _parser().parse_args(["import", "vehicles", str(tmp_path / "nowhere.csv"), "--dry-run"])
    assert run_import(settings, args.kind, args.file, args.dry_run, args.encoding) == 2
    assert "nowhere.csv: cannot read the file" in capsys.readouterr().err


def test_setup_seeds_the_demo_data_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"}
    first = run("setup", env=env)
    assert first.returncode == 0, first.stderr
    lines = [line for line in first.stdout.splitlines() if line.startswith("demo data:")]
    assert len(lines) == 3 and all("0 rejected" in line for line in lines)
    assert "customers: 20 rows: 20 inserted" in lines[0]
    again = make_settings(tmp_path, database_url=env["DATABASE_URL"])
    seed_demo(again)  # the database has customers now: nothing more
    off = make_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", demo_data=False)
    assert _setup(off, seed=True) == 0
    assert "demo data" not in capsys.readouterr().out


def test_progress_bar_redraws_one_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, "customers", width=10)
    bar(500, 1000)
    bar(1000, 1000)
    bar.close()
    assert stream.getvalue() == (
        "\rcustomers [#####-----]  50% 500/1,000\rcustomers [##########] 100% 1,000/1,000\n"
    )
