"""The lock file (layers/common/requirements.txt, written by `make lock`) is what the layer is built
from and what the venv is constrained to: it must agree with pyproject, be complete together with
what the Lambda runtime provides, leave the runtime's own SDK alone, and be what the tests run on."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "layers" / "common" / "requirements.txt"
# The Makefile's list (`make lock` leaves them out): boto3 and its dependencies, in every python runtime.
RUNTIME_PROVIDED = {
    canonicalize_name(name)
    for name in re.search(r"^RUNTIME_PROVIDED := (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
}


def _pins(text: str) -> dict[str, str]:
    return {
        canonicalize_name(name): version for name, version in re.findall(r"^([A-Za-z0-9._-]+)==([^\s\\]+)", text, re.M)
    }


PINS = _pins(LOCK.read_text())
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DEPENDENCIES = [Requirement(line) for line in PROJECT["dependencies"]]


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    """Whether a requirement holds on the runtime (Linux, CPython 3.13) with these extras asked for."""
    if requirement.marker is None:
        return True
    environment = {**default_environment(), "python_version": "3.13", "sys_platform": "linux"}
    return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras or {""})


@pytest.mark.parametrize("requirement", DEPENDENCIES, ids=str)
def test_every_dependency_is_pinned_within_what_pyproject_allows_or_comes_with_the_runtime(requirement):
    name = canonicalize_name(requirement.name)

    if name in RUNTIME_PROVIDED:
        assert name not in PINS
    else:
        assert name in PINS, f"{name} is not in the lock file: run `make lock`"
        assert requirement.specifier.contains(PINS[name], prereleases=True), f"{name}=={PINS[name]}: run `make lock`"


def test_the_lock_file_ships_none_of_what_the_runtime_provides():
    assert RUNTIME_PROVIDED.isdisjoint(PINS)


def test_the_pinned_packages_and_the_runtime_together_satisfy_every_requirement():
    # given each pinned package's own requirements, with the extras pyproject asks for
    extras = {canonicalize_name(r.name): set(r.extras) for r in DEPENDENCIES}
    missing = [
        f"{name} needs {required}"
        for name in PINS
        for required in map(Requirement, metadata.requires(name) or [])
        if _applies(required, extras.get(name, set()))
        and canonicalize_name(required.name) not in PINS
        and canonicalize_name(required.name) not in RUNTIME_PROVIDED
    ]

    assert missing == []


@pytest.mark.parametrize("name", sorted(PINS))
def test_the_venv_runs_the_pinned_version(name):
    assert metadata.version(name) == PINS[name], "the venv differs from the lock file: run `make install`"


def test_every_pin_carries_the_hashes_the_build_checks():
    entries = re.split(r"\n(?=[A-Za-z0-9._-]+==)", LOCK.read_text().split("\n", 2)[2])

    assert all("--hash=sha256:" in entry for entry in entries)
    assert len(entries) == len(PINS)
