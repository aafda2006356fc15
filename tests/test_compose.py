"""The production shape: docker-compose.yml, the Dockerfile and .env.example agree with the code.

`docker compose config` (or the standalone `docker-compose`) validates the file where a compose client exists;
it needs no Docker engine. The invariants are always checked on the parsed YAML.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from typer.testing import CliRunner

from api.cli.main import app as cli
from core.settings import PLACEHOLDER_SECRETS, PROJECT_ROOT, Settings

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
APP_SERVICES = ("api", "scheduler", "worker")
SETTING_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def env_example() -> dict[str, tuple[bool, str, str]]:
    """{NAME: (commented out, value, the comment line above it)} for every setting line of .env.example."""
    entries: dict[str, tuple[bool, str, str]] = {}
    previous = ""
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = SETTING_LINE.match(line.strip())
        if match:
            entries[match.group(2)] = (bool(match.group(1)), match.group(3), previous)
        previous = line.strip() if not match else ""
    return entries


def compose_variables() -> set[str]:
    """Every ${VAR} compose interpolates (`$${VAR}` is escaped for the container's shell and not counted)."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))


def command(service: dict) -> list[str]:
    value = service["command"]
    return value if isinstance(value, list) else value.split()


# --- docker compose config ----------------------------------------------------------------------------------


def compose_client() -> list[str] | None:
    """`docker compose` (the v2 plugin) or the standalone `docker-compose`, whichever answers."""
    for candidate in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(candidate[0]) is None:
            continue
        probe = subprocess.run([*candidate, "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return candidate
    return None


def run_config(tmp_path: Path, env_text: str) -> subprocess.CompletedProcess:
    client = compose_client()
    if client is None and os.environ.get("CI") == "true":  # `make test` installs one: CI must not go green without
        pytest.fail("no compose client under CI=true: `make browser` should have installed docker-compose")
    if client is None:
        pytest.skip("no compose client: neither the docker compose plugin nor docker-compose is installed "
                    "(the YAML invariants below are still checked)")
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".env").write_text(env_text, encoding="utf-8")
    return subprocess.run([*client, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_docker_compose_config_accepts_the_file(tmp_path):
    env_text = ENV_EXAMPLE.read_text(encoding="utf-8").replace("\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=s3cret\n")
    result = run_config(tmp_path, env_text)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {"postgres", "migrate", *APP_SERVICES}
    for name in APP_SERVICES:
        url = resolved["services"][name]["environment"]["DATABASE_URL"]
        assert url == "postgresql://giamngheo:s3cret@postgres:5432/giamngheo"


def test_compose_refuses_to_run_without_a_database_password(tmp_path):
    result = run_config(tmp_path, ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


# --- invariants of the YAML ---------------------------------------------------------------------------------


def test_postgres_16_keeps_its_data_in_a_named_volume_and_has_a_healthcheck(compose):
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pgdata" in compose["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_migrations_run_once_before_api_scheduler_and_worker(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert command(migrate) == ["giamngheo", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name


def test_api_runs_several_uvicorn_workers_without_scheduler_or_delivery_and_checks_healthz(compose):
    api = compose["services"]["api"]
    args = command(api)
    assert args[:2] == ["giamngheo", "serve"]
    assert "--workers" in args and {"--no-scheduler", "--no-worker"} <= set(args)
    assert args[args.index("--host") + 1] == "0.0.0.0"
    assert "/healthz" in " ".join(api["healthcheck"]["test"])


def test_exactly_one_scheduler(compose):
    scheduler = compose["services"]["scheduler"]
    assert command(scheduler) == ["giamngheo", "scheduler"]
    assert scheduler["deploy"]["replicas"] == 1


def test_workers_can_be_scaled(compose):
    worker = compose["services"]["worker"]
    assert command(worker) == ["giamngheo", "worker"]
    assert "container_name" not in worker and "ports" not in worker  # both would stop --scale worker=N
    assert "replicas" not in worker.get("deploy", {})


def test_app_services_read_env_file_and_stop_gracefully(compose):
    for name in ("migrate", *APP_SERVICES):
        service = compose["services"][name]
        assert service["env_file"] in (".env", [".env"]), name
        assert service["init"] is True, name
    for name in APP_SERVICES:
        grace = compose["services"][name]["stop_grace_period"]
        assert int(grace.rstrip("s")) > Settings(_env_file=None).shutdown_grace_seconds, name


def test_compose_commands_exist_in_the_cli():
    runner = CliRunner()
    for args in (["db", "upgrade"], ["serve"], ["scheduler"], ["worker"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, f"`giamngheo {' '.join(args)}` is missing: {result.output}"
    serve_help = runner.invoke(cli, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--workers", "--no-scheduler", "--no-worker", "--host", "--port"):
        assert option in serve_help


# --- .env.example -------------------------------------------------------------------------------------------


def test_every_compose_variable_is_in_env_example():
    missing = compose_variables() - set(env_example())
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_every_setting_is_in_env_example_with_a_comment():
    entries = env_example()
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in entries]
    assert not missing, f"add to .env.example: {missing}"
    uncommented = [name for name, (_, _, comment) in entries.items() if not comment.startswith("#")]
    assert not uncommented, f"say what these do in a comment line above them: {uncommented}"


def test_env_example_names_only_settings_and_compose_variables():
    known = {name.upper() for name in Settings.model_fields} | compose_variables()
    assert set(env_example()) <= known, f"stale names in .env.example: {sorted(set(env_example()) - known)}"


def test_documented_defaults_are_the_real_defaults(monkeypatch):
    """A commented-out line shows the default: it must be what the app really uses."""
    fields = Settings.model_fields
    documented = {name: value for name, (commented, value, _) in env_example().items()
                  if commented and name.lower() in fields}
    for name in {f.upper() for f in fields}:
        monkeypatch.delenv(name, raising=False)
    for name, value in documented.items():
        if value:
            monkeypatch.setenv(name, value)
    configured, defaults = Settings(_env_file=None), {n: f.default for n, f in fields.items()}
    for name, value in documented.items():
        default = defaults[name.lower()]
        if isinstance(default, Path) or str(PROJECT_ROOT) in str(default):
            continue  # depends on where the checkout is
        if default is None or isinstance(default, SecretStr):
            assert value == "", f"{name} has no default: leave it empty in .env.example"
            continue
        assert getattr(configured, name.lower()) == default, f"{name}: .env.example says {value!r}"


def test_env_example_holds_no_real_secret():
    secret_fields = {name.upper() for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    for name, (_, value, _) in env_example().items():
        if name in secret_fields or "PASSWORD" in name:
            assert value == "" or value.lower() in PLACEHOLDER_SECRETS, f"{name} must not hold a real secret"


# --- Dockerfile -----------------------------------------------------------------------------------------------


def test_dockerfile_builds_a_slim_non_root_image_with_a_healthcheck():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    # the committed lock with hashes first, then the project itself without resolving anything again
    assert any(re.match(r"RUN pip install --require-hashes -r \S*runtime\.txt", line) for line in instructions)
    assert any(re.match(r"RUN pip install --no-deps --no-build-isolation (\.|/src)\b", line) for line in instructions)
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(line.startswith("HEALTHCHECK") for line in instructions)
    assert any(line.startswith('CMD ["giamngheo"') for line in instructions)  # exec form: gets SIGTERM itself


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".venv", ".git", "data/"} <= ignored


def _packaged_files(source: Path) -> set[str]:
    """Files of our packages the app needs at run time (`script.py.mako` only serves `alembic revision`)."""
    return {str(path.relative_to(source)) for package in ("core", "bot", "api", "delivery", "schedules")
            for path in (source / package).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.name != "script.py.mako"}


def test_the_image_install_carries_every_module_template_and_migration(tmp_path):
    """What `pip install /src` puts in the image: every module, migration, template and static file."""
    if not (ROOT / "README.md").exists():
        pytest.fail("pyproject.toml names README.md as the readme: without it `pip install .` fails in the image")
    source = tmp_path / "src"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for package in ("core", "bot", "api", "delivery", "schedules"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "out"),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    [wheel] = (tmp_path / "out").glob("giamngheo-*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_packaged_files(source) - packaged)
    assert not missing, f"not installed by `pip install .` (add them to package-data): {missing}"
