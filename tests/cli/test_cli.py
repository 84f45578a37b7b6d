"""The command-line interfaces other tools rely on: ask, kb check, kb misses (DESIGN.md, stable interfaces)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from bot.core.common.settings import ROOT, Settings


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_ask_json_is_one_object_a_line_in_the_documented_shape() -> None:
    result = run("ask", "--json", "-", stdin="三包有效期是多久\nqwerty uiop zxcv\n保修\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["decision"] for row in rows] == ["answer", "fallback", "suggest"]
    keys = {"question", "lang", "decision", "entry_id", "score", "answer", "suggestions"}
    assert all(set(row) == keys for row in rows)
    answer, fallback, suggest = rows
    assert answer["entry_id"] == "sanbao_periods" and "<b>" not in answer["answer"] and "三包有效期" in answer["answer"]
    assert fallback["answer"] is None and fallback["entry_id"] is None and fallback["suggestions"] == []
    assert suggest["answer"] is None and 1 <= len(suggest["suggestions"]) <= 3
    assert set(suggest["suggestions"][0]) == {"entry_id", "question", "score"}
    assert answer["lang"] == "zh-Hant"


def test_ask_lang_and_plain_output() -> None:
    result = run("ask", "--lang", "en", "三包有效期是多久")
    assert result.returncode == 0 and result.stdout.startswith("[answer sanbao_periods")
    assert "Art. 18" in result.stdout


def test_kb_check_passes_on_the_shipped_knowledge_base() -> None:
    result = run("kb", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "72 entries" in result.stdout and ": OK" in result.stdout


def _broken_knowledge(tmp_path: Path, mutate: object) -> dict[str, str]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    entries = yaml.safe_load((knowledge / "faq.yaml").read_text(encoding="utf-8"))
    mutate(entries)  # type: ignore[operator]
    (knowledge / "faq.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return {"KNOWLEDGE_DIR": str(knowledge)}


def test_kb_check_reports_collisions_and_duplicates(tmp_path: Path) -> None:
    def mutate(entries: list[dict]) -> None:  # type: ignore[type-arg]
        by_id = {entry["id"]: entry for entry in entries}
        # A question of tyres that reads the same as one of maintenance_interval once folded ("please" is
        # filler), and one copied verbatim. The learned matcher fits its own training questions, so a collision
        # shows as a duplicate; a question it cannot fit at all is still reported as matched elsewhere.
        by_id["tyres"]["questions"]["en"].append("how often should i service my car please")
        by_id["tyres"]["questions"]["zh-Hant"].append(by_id["brake_fluid"]["questions"]["zh-Hant"][0])

    result = run("kb", "check", env=_broken_knowledge(tmp_path, mutate))
    assert result.returncode == 1
    assert "duplicate question 'how often should i service my car' in maintenance_interval" in result.stderr
    assert "tyres (en: 'how often should i service my car please')" in result.stderr
    assert "duplicate question" in result.stderr


def test_kb_check_reports_schema_errors_with_entry_and_field(tmp_path: Path) -> None:
    def mutate(entries: list[dict]) -> None:  # type: ignore[type-arg]
        del entries[0]["answer"]["en"]
        entries[1]["questions"]["zh-Hans"] = entries[1]["questions"]["zh-Hans"][:2]
        entries[2]["related"] = ["no_such_entry"]

    result = run("kb", "check", env=_broken_knowledge(tmp_path, mutate))
    assert result.returncode == 2
    assert "entry aftersales_scope: answer.en: Field required" in result.stderr
    assert "entry service_advisor_role: questions.zh-Hans: List should have at least 4 items" in result.stderr
    assert "related: unknown id 'no_such_entry'" in result.stderr


def test_kb_misses_lists_the_most_frequent_first(tmp_path: Path) -> None:
    from bot.db.common.migrate import upgrade

    database = f"sqlite+aiosqlite:///{tmp_path / 'misses.db'}"
    upgrade(database)
    import asyncio

    from bot.core.faq.service import FaqService
    from bot.core.services import load_knowledge
    from bot.db.engine import create_engine, session_factory

    async def ask_some() -> None:
        engine = create_engine(database)
        _dealer, kb, matcher = load_knowledge(Settings(_env_file=None))
        service = FaqService(kb, matcher, session_factory(engine))
        for question in ["保修", "保修", "保修", "qwerty uiop"]:
            await service.ask_and_record(question, "zh-Hant")
        await service.ask_and_record("三包有效期是多久", "zh-Hant")  # answered: not a miss
        await engine.dispose()

    asyncio.run(ask_some())
    result = run("kb", "misses", env={"DATABASE_URL": database})
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == 2
    assert lines[0].split()[:2] == ["3", "suggest"] and lines[0].endswith("保修")
    assert lines[1].split()[:2] == ["1", "fallback"]


def test_warranty_json_through_the_main_entry_point() -> None:
    case = {"start_date": "2024-05-01", "as_of": "2024-05-06", "odometer_km": 320,
            "event": {"type": "part_replacement", "part": "transmission"}}
    result = run("warranty", "--json", "-", stdin=json.dumps(case))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert [(r["remedy"], r["article"]) for r in output["remedies"]] == [
        ("free_repair", 19), ("free_assembly_replacement", 20), ("refund_or_replace_free", 22)]
    bad = run("warranty", "--json", "-", stdin='{"start_date": "2024-02-30", "as_of": "2024-03-01", "odometer_km": 1}')
    assert bad.returncode == 2 and "start_date" in bad.stderr


def test_kb_build_prints_the_calibrated_thresholds_and_the_cross_validation() -> None:
    result = run("kb", "build")
    assert result.returncode == 0, result.stderr
    assert "thresholds (calibrated)" in result.stdout and "5-fold cross-validation" in result.stdout
    assert "answered wrong" in result.stdout


def test_kb_learn_lists_confirmed_pairs_and_appends_the_accepted_ones(tmp_path: Path) -> None:
    import sqlite3

    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")  # as staff keep it (the appender keeps its layout)
    env = {"KNOWLEDGE_DIR": str(tmp_path / "knowledge"), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/db"}
    assert run("migrate", env=env).returncode == 0
    with sqlite3.connect(tmp_path / "db") as db:
        db.executemany(
            "INSERT INTO faq_learned (normalized, question, lang, entry_id, source, status, count) "
            "VALUES (?, ?, ?, ?, ?, 'new', ?)",
            [("年检怎么弄", "年检怎么弄", "zh-Hans", "periodic_inspection", "suggestion", 3),
             ("车检要带啥", "车检要带啥", "zh-Hans", "", "advisor", 1),
             ("asdf qwer", "asdf qwer", "en", "opening_hours", "suggestion", 1)],
        )  # fmt: skip
    listed = run("kb", "learn", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "年检怎么弄" in listed.stdout and "periodic_inspection" in listed.stdout and "best guess" in listed.stdout
    assert run("kb", "learn", "--accept", "2", env=env).returncode == 1  # an advisor's pair needs an entry
    accepted = run("kb", "learn", "--accept", "1", "2=inspection_preparation", "--reject", "3", env=env)
    assert accepted.returncode == 0, accepted.stderr
    faq = yaml.safe_load((tmp_path / "knowledge" / "faq.yaml").read_text(encoding="utf-8"))
    by_id = {entry["id"]: entry for entry in faq}
    assert by_id["periodic_inspection"]["questions"]["zh-Hans"][-1] == "年检怎么弄"
    assert by_id["inspection_preparation"]["questions"]["zh-Hans"][-1] == "车检要带啥"
    assert run("kb", "check", env=env).returncode == 0
    assert "no confirmed questions" in run("kb", "learn", env=env).stdout
