"""The house rules of the architecture, checked on the source (AST, no imports executed).

- Emulators import nothing from kiotsync outside ``kiotsync.emulators`` (they cannot agree
  with our clients by construction).
- The pure core imports only the standard library and itself.
- Platform clients (adapters) know nothing of Django.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "kiotsync"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def _files(sub: str) -> list[Path]:
    return sorted((SRC / sub).rglob("*.py"))


@pytest.mark.parametrize("path", _files("emulators"), ids=lambda p: str(p.relative_to(SRC)))
def test_emulators_import_nothing_from_the_app(path: Path) -> None:
    bad = {m for m in _imports(path) if m.startswith("kiotsync") and not m.startswith("kiotsync.emulators")}
    assert not bad, f"{path} imports {bad}"


def test_core_is_pure() -> None:
    files = _files("core")
    if not files:
        pytest.skip("no core package yet")
    stdlib = set(sys.stdlib_module_names)
    for path in files:
        for module in _imports(path):
            top = module.split(".")[0]
            assert top in stdlib or module.startswith("kiotsync.core"), f"{path} imports {module}"


@pytest.mark.parametrize("package", ["kiotviet", "haravan", "httpkit"])
def test_clients_do_not_know_django(package: str) -> None:
    for path in _files(package):
        bad = {m for m in _imports(path) if m.split(".")[0] == "django" or m.startswith("kiotsync.tenants")}
        assert not bad, f"{path} imports {bad}"
