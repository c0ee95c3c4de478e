"""The server install: compose.yaml (checked by a compose tool where one is installed), the image, the systemd units."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LEADBOT = Path(sys.executable).parent / "leadbot"


def compose_file() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_postgresql_web_workers_and_one_scheduler_after_one_migration():
    services = compose_file()["services"]
    assert set(services) == {"db", "migrate", "web", "scheduler"}
    commands = {name: service.get("command") for name, service in services.items()}
    assert commands["migrate"] == ["leadbot", "migrate"]
    assert commands["web"] == ["leadbot", "serve", "--no-scheduler"]  # the scheduler runs once, on its own
    assert [name for name, command in commands.items() if command and "scheduler" in command] == ["scheduler"]
    assert "healthcheck" in services["db"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert services[name]["restart"] == "unless-stopped"
    for name in ("migrate", "web", "scheduler"):
        service = services[name]
        assert service["env_file"] == ".env" and service["build"] == "."
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://leadbot:")
        assert "@db:5432/leadbot" in service["environment"]["DATABASE_URL"]
    assert "/healthz" in " ".join(services["scheduler"]["healthcheck"]["test"])


def _compose_tool() -> list[str] | None:
    """`docker compose` (v2) where Docker has it, else `docker-compose` (Debian's package); None when neither."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def _project(tmp_path: Path, extra_env: str) -> Path:
    """compose.yaml in a directory of its own, with a .env filled in from .env.example."""
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    env = (ROOT / ".env.example").read_text(encoding="utf-8")
    (tmp_path / ".env").write_text(env + "\nSLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\n" + extra_env)
    return tmp_path


@pytest.mark.skipif(_compose_tool() is None, reason="no compose tool here (scripts/test installs docker-compose)")
def test_compose_config_is_valid_with_a_filled_env(tmp_path):
    tool = _compose_tool()
    project = _project(tmp_path, "POSTGRES_PASSWORD=0123456789abcdef\n")
    checked = subprocess.run([*tool, "config"], cwd=project, capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    resolved = yaml.safe_load(checked.stdout)
    assert set(resolved["services"]) == {"db", "migrate", "web", "scheduler"}
    url = "postgresql+psycopg://leadbot:0123456789abcdef@db:5432/leadbot"
    assert all(resolved["services"][name]["environment"]["DATABASE_URL"] == url for name in ("web", "scheduler"))
    assert resolved["services"]["web"]["environment"]["SLACK_BOT_TOKEN"] == "xoxb-1"  # from .env


@pytest.mark.skipif(_compose_tool() is None, reason="no compose tool here (scripts/test installs docker-compose)")
def test_compose_refuses_to_start_without_a_database_password(tmp_path):
    project = _project(tmp_path, "POSTGRES_PASSWORD=\n")
    checked = subprocess.run([*_compose_tool(), "config"], cwd=project, capture_output=True, text=True, timeout=120)
    assert checked.returncode != 0 and "set POSTGRES_PASSWORD in .env" in checked.stderr


def test_the_image_is_small_runs_as_another_user_than_root_and_checks_its_health():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert stages == ["FROM python:3.11-slim AS build", "FROM python:3.11-slim"]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert [line for line in lines if line.startswith("HEALTHCHECK")] and "/healthz/web" in "\n".join(lines)
    assert all("--no-cache-dir" in line for line in lines if "pip install" in line)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {".env", ".venv", ".git", "*.db"} <= set(ignored)  # no secrets, no local database, no virtualenv


def test_the_image_copies_every_package_leadbot_installs():
    """The image is not built here (its base comes from Docker Hub): at least it must hold all of leadbot."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    wanted = {pattern.rstrip("*") for pattern in packages["find"]["include"]}
    copied = {
        line.split()[1] for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("COPY ") and "--from" not in line
    }
    assert wanted <= copied, f"the Dockerfile does not copy {sorted(wanted - copied)}"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_the_systemd_units_verify(tmp_path):
    for unit in (ROOT / "deploy").glob("*.service"):
        # As installed: the `leadbot` command where the units expect it (here, this virtualenv's).
        text = unit.read_text(encoding="utf-8").replace("/srv/leadbot/.venv/bin/leadbot", str(LEADBOT))
        text = text.replace("User=leadbot", "User=root").replace("Group=leadbot", "Group=root")
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(path) for path in tmp_path.glob("*.service"))
    assert len(units) == 2
    checked = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


@pytest.mark.slow
def test_a_plain_install_imports_every_module_and_migrates(tmp_path):
    """`pip install .` without the test extra, as scripts/run and the image install leadbot: what the test extra
    brings along (playwright brought greenlet, which SQLAlchemy's asyncio extension needs) must not hide a
    dependency leadbot forgot to ask for."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    importer = (
        "import importlib, pkgutil\n"
        "for top in ('bot', 'handlers', 'scheduler', 'sandbox', 'api'):\n"
        "    package = importlib.import_module(top)\n"
        "    assert 'site-packages' in package.__file__, package.__file__\n"
        "    for module in pkgutil.walk_packages(package.__path__, top + '.'):\n"
        "        importlib.import_module(module.name)\n"
    )
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    imported = subprocess.run([str(python), "-c", importer], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    migrated = subprocess.run(
        [str(venv / "bin" / "leadbot"), "migrate"], cwd=tmp_path, capture_output=True, text=True,
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'leadbot.db'}"},
    )
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "leadbot.db").stat().st_size > 0
