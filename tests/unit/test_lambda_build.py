"""How `sam build` builds what Lambda runs: every function and the layer through the Makefile, which
compiles them to bytecode, so a cold start on read-only /var/task and /opt compiles nothing."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from devstack.cfn import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
BUILT = {
    logical_id: resource
    for logical_id, resource in TEMPLATE["Resources"].items()
    if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
}
# A .pyc's flags word (PEP 552): bit 0 hash-based, bit 1 checked against the source.
UNCHECKED_HASH = 0b01


@pytest.mark.parametrize("logical_id", sorted(BUILT))
def test_every_function_and_the_layer_are_built_by_the_makefile(logical_id):
    metadata = BUILT[logical_id].get("Metadata", {})

    assert (metadata.get("BuildMethod"), metadata.get("ContextPath")) == ("makefile", ".")


@pytest.mark.parametrize("logical_id", sorted(BUILT))
def test_the_makefile_has_a_build_target_for_every_function_and_the_layer(logical_id):
    # `make -n` prints the recipe without running it, and fails on a target that does not exist.
    recipe = subprocess.run(
        ["make", "-n", "-s", f"build-{logical_id}", "ARTIFACTS_DIR=/nowhere"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert "-m compileall" in recipe and "--invalidation-mode unchecked-hash" in recipe


def test_a_built_function_holds_an_unchecked_bytecode_of_its_handler(tmp_path):
    # given the function's code directory, copied as sam build copies it to a scratch directory
    source = tmp_path / "source"
    shutil.copytree(ROOT / "functions" / "registration", source, ignore=shutil.ignore_patterns("__pycache__"))
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()

    # when the Makefile builds it
    subprocess.run(
        ["make", "--makefile", str(ROOT / "Makefile"), "build-RegistrationFunction", f"ARTIFACTS_DIR={artifacts}"],
        cwd=source,
        capture_output=True,
        check=True,
    )

    # then the handler has its .pyc, valid whatever the mtimes a zip round trip leaves to app.py
    pyc = Path(importlib.util.cache_from_source(str(artifacts / "app.py")))
    assert (artifacts / "app.py").exists() and pyc.exists()
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == UNCHECKED_HASH
