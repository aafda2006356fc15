"""The committed lock (requirements/*.txt) agrees with pyproject.toml, so `make install` gets what the project asks.

`make lock` rewrites the lock after pyproject.toml changes; these tests fail until it has been run.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")

pytestmark = pytest.mark.no_database


def read_lock(name: str) -> dict[str, list[tuple[str, str | None]]]:
    """{package: [(version, marker or None), …]} from a uv/pip-compile lock file."""
    pins: dict[str, list[tuple[str, str | None]]] = {}
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            package = canonicalize_name(match.group(1).split("[")[0])
            pins.setdefault(package, []).append((match.group(2), match.group(3)))
    return pins


def project_requirements() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return runtime, dev


def unsatisfied(requirements: list[Requirement], pins: dict[str, list[tuple[str, str | None]]]) -> list[str]:
    problems = []
    for requirement in requirements:
        versions = pins.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement} is not in the lock")
        elif not any(requirement.specifier.contains(version, prereleases=True) for version, _ in versions):
            problems.append(f"{requirement}: the lock pins {[v for v, _ in versions]}")
    return problems


def test_every_runtime_requirement_is_pinned_in_both_locks_within_its_range():
    runtime, _ = project_requirements()
    assert unsatisfied(runtime, read_lock("runtime.txt")) == [], "run `make lock`"
    assert unsatisfied(runtime, read_lock("dev.txt")) == [], "run `make lock`"


def test_every_dev_requirement_is_pinned_in_the_dev_lock_and_absent_from_the_runtime_lock():
    _, dev = project_requirements()
    assert unsatisfied(dev, read_lock("dev.txt")) == [], "run `make lock`"
    runtime_pins = read_lock("runtime.txt")
    assert [r.name for r in dev if canonicalize_name(r.name) in runtime_pins and r.name != "uv"] == []


def test_the_image_and_the_tests_run_the_same_version_of_every_shared_package():
    runtime, dev = read_lock("runtime.txt"), read_lock("dev.txt")
    differing = {name: (runtime[name], dev[name]) for name in runtime.keys() & dev.keys() if runtime[name] != dev[name]}
    assert differing == {}


def test_every_pin_carries_hashes_so_pip_installs_it_in_require_hashes_mode():
    for name in ("runtime.txt", "dev.txt"):
        text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        missing = [b.split()[0] for b in blocks if "==" in b.split("\n")[0] and "--hash=sha256:" not in b]
        assert missing == [], name


def test_the_reader_sees_a_range_the_lock_does_not_satisfy():
    pins = {"fastapi": [("0.100.0", None)]}
    assert unsatisfied([Requirement("fastapi>=0.115")], pins) == ["fastapi>=0.115: the lock pins ['0.100.0']"]
    assert unsatisfied([Requirement("uvicorn")], pins) == ["uvicorn is not in the lock"]
