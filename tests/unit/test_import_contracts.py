"""The import-linter contracts (pyproject, run by `make lint`) cover the whole shared package:
every top-level module is ground floor, every subpackage is a floor or a platform package, and
every platform package is in the contracts that keep the pipeline and the Salesforce-side domain
free of it and the platforms apart."""

from __future__ import annotations

import pkgutil
import re
import tomllib
from pathlib import Path
from typing import Any

import connector

ROOT = Path(__file__).resolve().parents[2]
# `config` is a package on the ground floor: one module per section of the config document.
# `relay` (issue 15) is the top floor: Salesforce's own changes carried to every platform, so it uses
# the platform packages, and is not one of them.
CORE_PACKAGES = {"pipeline", "services", "crm", "salesforce", "state", "clients", "config", "relay"}


def contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["type"]: c for c in config["contracts"]}


def floors() -> list[set[str]]:
    return [set(re.split(r"\s*[|:]\s*", layer)) for layer in contracts()["layers"]["layers"]]


def top_level() -> tuple[set[str], set[str]]:
    modules, packages = set(), set()
    for info in pkgutil.iter_modules(connector.__path__):
        (packages if info.ispkg else modules).add(info.name)
    return modules, packages


def test_every_top_level_module_is_on_the_ground_floor() -> None:
    modules, _ = top_level()

    assert modules <= floors()[-1]


def test_every_subpackage_is_a_core_floor_or_a_platform_package_in_the_floors() -> None:
    _, packages = top_level()
    on_a_floor = set().union(*floors())

    assert packages <= on_a_floor


def test_every_platform_package_is_forbidden_to_the_pipeline_and_the_salesforce_domain() -> None:
    _, packages = top_level()
    platforms = {f"connector.{p}" for p in packages - CORE_PACKAGES}
    forbidden = contracts()["forbidden"]

    assert platforms <= set(forbidden["forbidden_modules"])
    assert {"connector.pipeline", "connector.crm"} <= set(forbidden["source_modules"])


def test_every_platform_package_is_independent_of_the_others() -> None:
    _, packages = top_level()
    platforms = {f"connector.{p}" for p in packages - CORE_PACKAGES}

    assert platforms <= set(contracts()["independence"]["modules"])
