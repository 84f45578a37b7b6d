"""The Docker files, without a Docker engine: build what the image builds and start it as the image would.

`Dockerfile` is read instruction by instruction. Its stages share one scratch root standing for the image's
file system (`/opt/venv`, `/app`, `/build` live under it): COPY copies the same files, RUN runs the build stage's
commands (a clean virtual environment from pyproject.toml's pins), ENV and WORKDIR apply, and the CMD and the
HEALTHCHECK run as written against the loopback Bot API server. The runtime stage's RUN lines only create the
user and the data folder (asserted), which needs root in an image and is skipped here.
`docker-compose.example.yml` and `.env.example` are checked to name only settings that exist, and
`.env.example` to name every one.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from bot.core.common.settings import ROOT, Settings
from tests.botapi.server import FakeBotApiServer
from tests.e2e.test_bot_over_http import _free_port

SETTINGS = {name.upper() for name in Settings.model_fields}
IMAGE_PATHS = ("/opt/venv", "/build", "/app")


@dataclass
class Stage:
    name: str
    base: str
    steps: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for op, args in self.steps if op == instruction]


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            op, _, args = line.partition(" ")
            found.append((op.upper(), args.strip()))
    return found


def _stages() -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for op, rest in _instructions((ROOT / "Dockerfile").read_text(encoding="utf-8")):
        if op == "ARG" and not stages:
            key, _, value = rest.partition("=")
            args[key] = value
        elif op == "FROM":
            base, _, name = rest.partition(" AS ")
            stages.append(Stage(name.strip(), re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base.strip())))
        else:
            stages[-1].steps.append((op, rest))
    return args, stages


def _env_pairs(args: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in shlex.split(args))


def test_the_dockerfile_is_multi_stage_pinned_non_root_with_a_health_check() -> None:
    _args, stages = _stages()
    assert [s.name for s in stages] == ["build", "runtime"]
    for stage in stages:
        assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", stage.base), stage.base
    runtime = stages[-1]
    assert runtime.all("USER") == ["carebot"]
    [health] = runtime.all("HEALTHCHECK")
    assert "/healthz" in health
    copied = {shlex.split(args)[-2] for args in runtime.all("COPY") if not args.startswith("--from")}
    assert copied == {"alembic.ini", "migrations", "bot", "scheduler", "knowledge", "templates"}, "runtime files only"
    assert _env_pairs(" ".join(runtime.all("ENV"))).keys() - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
                                                              "PATH"} <= SETTINGS


def _image_path(root: Path, text: str) -> str:
    for path in IMAGE_PATHS:
        text = re.sub(rf"(?<![\w/]){re.escape(path)}(?=[/\s\"']|$)", str(root) + path, text)
    return text


def _build(root: Path) -> tuple[Path, dict[str, str], list[str], list[str]]:
    """Carry out the Dockerfile under `root`: returns the runtime's workdir, environment, CMD and HEALTHCHECK."""
    _args, stages = _stages()
    tools = root / "tools"
    tools.mkdir(parents=True)
    (tools / "python").symlink_to(sys.executable)  # the base image's `python`
    base_env = {"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(root), "LANG": "C.UTF-8"}
    for key in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE", "SSL_CERT_FILE"):
        if key in os.environ:  # how this machine reaches the package index
            base_env[key] = os.environ[key]
    env, workdir, command, health = dict(base_env), root, [], []
    for stage in stages:
        env, workdir = dict(base_env), root
        for op, args in stage.steps:
            if op == "ENV":
                for key, value in _env_pairs(args).items():
                    env[key] = _image_path(root, value.replace("$PATH", env["PATH"]))
            elif op == "WORKDIR":
                workdir = Path(_image_path(root, args))
                workdir.mkdir(parents=True, exist_ok=True)
            elif op == "COPY":
                parts = shlex.split(args)
                if parts[0].startswith("--from="):
                    assert all(p.startswith(IMAGE_PATHS) for p in parts[1:]), "same paths in both stages"
                    continue  # one scratch root: the build stage's /opt/venv is already where runtime wants it
                *sources, target = parts
                for source in sources:
                    destination = workdir / target if not target.startswith("/") else Path(_image_path(root, target))
                    if (ROOT / source).is_dir():
                        shutil.copytree(ROOT / source, destination, ignore=shutil.ignore_patterns("__pycache__"))
                    else:
                        destination.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy(ROOT / source, destination if target != "./" else workdir / source)
            elif op == "RUN" and stage.name == "build":
                subprocess.run(_image_path(root, args), shell=True, cwd=workdir, env=env, check=True, timeout=900)
            elif op == "RUN":
                assert re.fullmatch(r"(useradd [^&]+|mkdir -p /app/data && chown carebot /app/data)", args), args
            elif op == "CMD":
                command = json.loads(args)
            elif op == "HEALTHCHECK":
                health = json.loads(args.split(" CMD ", 1)[1])
    return workdir, env, command, health


@pytest.mark.e2e
def test_the_image_built_without_docker_starts_answers_and_passes_its_health_check(tmp_path: Path) -> None:
    root = tmp_path / "image"
    workdir, env, command, health = _build(root)
    assert not (workdir / "tests").exists() and not (workdir / "pyproject.toml").exists()
    assert (root / "opt/venv/bin/python").exists()
    port = _free_port()
    with FakeBotApiServer() as server:
        run_env = {**env, "TELEGRAM_TOKEN": server.token, "TELEGRAM_BASE_URL": server.base_url,
                   "METRICS_PORT": str(port), "METRICS_LISTEN": "127.0.0.1"}
        log = (tmp_path / "bot.log").open("wb")
        process = subprocess.Popen(command, cwd=workdir, env=run_env, stdout=log, stderr=log)
        try:
            user = server.add_user(first_name="Ming", language_code="zh-hant")
            server.push_text(user.id, "/start")
            # Start-up may fit the FAQ model (an image holds none): minutes on a busy machine.
            [welcome] = server.wait_for_messages(user.id, 1, timeout=180)
            assert "長青汽車服務中心" in welcome["text"]
            for _ in range(50):  # the server binds right after start-up; /start answered means it is up
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
                    break
                except OSError:
                    time.sleep(0.2)
            checked = subprocess.run(health, cwd=workdir, env=run_env, capture_output=True, text=True, timeout=60)
            assert checked.returncode == 0, checked.stderr
        finally:
            process.send_signal(signal.SIGTERM)  # what `docker stop` sends
            try:
                code = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
    text = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert code == 0 and "Traceback" not in text, text
    assert (workdir / "data" / "carebot.db").is_file(), "SQLite in the image's data volume by default"


def _env_example_names() -> list[str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return [m.group(1) for line in lines if (m := re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line))]


def test_env_example_lists_every_setting_and_only_settings() -> None:
    names = set(_env_example_names())
    assert names - SETTINGS == set(), "lines in .env.example that no setting reads"
    assert SETTINGS - names == set(), "settings missing from .env.example"


def test_compose_file_parses_and_names_only_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.example.yml").read_text(encoding="utf-8"))
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    assert set(bot["environment"]) <= SETTINGS
    assert bot["deploy"]["replicas"] == 2
    assert bot["env_file"] == ".env" and bot["build"] == "."
    assert any(port.endswith(":9090") for port in bot["ports"]), "the metrics port"
    assert any(port.endswith(":" + str(bot["environment"]["WEBHOOK_PORT"])) for port in bot["ports"])
    assert bot["environment"]["METRICS_PORT"] == "9090"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://") and "@db:" in bot["environment"][
        "DATABASE_URL"]
    assert db["image"].startswith("postgres:") and "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "pgdata" in compose["volumes"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    Settings(_env_file=None, **{k.lower(): v for k, v in bot["environment"].items()})  # type: ignore[arg-type]
