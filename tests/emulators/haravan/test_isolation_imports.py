"""The emulator must not import the product it emulates for (kiotsync outside kiotsync.emulators)."""

from __future__ import annotations

import ast
from pathlib import Path

import kiotsync.emulators.haravan as package


def test_emulator_imports_nothing_from_the_product() -> None:
    root = Path(package.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0 and node.module:
                    names = [node.module]
                elif node.level > 2:  # ``from ...x`` climbs out of kiotsync.emulators
                    names = ["kiotsync." + "?" * node.level]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith("kiotsync") and not n.startswith("kiotsync.emulators")
            ]
    assert offenders == []
    assert len(list(root.glob("*.py"))) > 10
