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


def _module_graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    mod = ".".join([*base, node.module] if node.module else base)
                else:
                    mod = node.module or ""
                targets = [mod, *(f"{mod}.{alias.name}" for alias in node.names)]
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_modules() -> None:
    """Not one cycle in src/, emulators included (a cycle made threads importing at the same
    time see half-initialised modules, and hides which way a dependency goes)."""
    assert _cycles(_module_graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


MAX_LINES = 600
# Data, not logic: the emulators' preset shops.
LONG_ALLOWED = {"emulators/kiotviet/presets.py", "emulators/haravan/presets.py"}


def test_no_module_over_600_lines() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and str(path.relative_to(SRC)) not in LONG_ALLOWED
    }
    assert long == {}
