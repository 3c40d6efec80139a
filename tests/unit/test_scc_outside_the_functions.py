"""The operator CLI stays out of Lambda: no function's code imports it (import-linter keeps the
shared package from it: `make lint`), and `sam build` has nothing of it to ship."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_function_imports_the_cli() -> None:
    # Given every function's code
    sources = sorted((ROOT / "functions").rglob("*.py"))

    # When their imports are read
    # Then none is the CLI's
    assert sources
    for source in sources:
        assert "scc" not in imported_roots(source), source


def test_the_shared_package_is_forbidden_to_import_the_cli() -> None:
    # Given the import-linter contracts `make lint` checks
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]

    # Then one forbids the shared package (the layer every function imports) to import the CLI
    assert "scc" in config["root_packages"]
    assert any(
        c["type"] == "forbidden" and c["source_modules"] == ["connector"] and c["forbidden_modules"] == ["scc"]
        for c in config["contracts"]
    )
