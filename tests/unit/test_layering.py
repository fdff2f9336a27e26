"""The core stays framework-free: the domain and the ports import the standard library and ARCO's own packages
only. Which of ARCO's packages may import which is checked by the import-linter contracts in pyproject.toml."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
CORE_PACKAGES = ("arco_domain", "arco_ports")
OWN_PACKAGES = {*CORE_PACKAGES, "arco_adapters", "arco_entrypoints"}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def core_modules() -> list[Path]:
    return sorted(p for package in CORE_PACKAGES for p in (SRC / package).rglob("*.py"))


class TestCoreLayering:
    def test_the_core_has_modules_to_check(self) -> None:
        assert len(core_modules()) > 10

    @pytest.mark.parametrize("module", core_modules(), ids=lambda p: str(p.relative_to(SRC)))
    def test_a_core_module_imports_no_third_party_package(self, module: Path) -> None:
        allowed = set(sys.stdlib_module_names) | OWN_PACKAGES | {"__future__"}
        assert imported_top_levels(module) - allowed == set()

    def test_the_check_catches_a_framework_import(self, tmp_path: Path) -> None:
        leaky = tmp_path / "leaky.py"
        leaky.write_text("import sqlalchemy\nfrom litestar import Litestar\n")
        assert imported_top_levels(leaky) == {"sqlalchemy", "litestar"}
