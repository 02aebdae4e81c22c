"""The core stays pure: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import kiotsync.core

CORE = Path(kiotsync.core.__file__).parent


def test_core_imports_only_stdlib_and_itself() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if (
                    top not in sys.stdlib_module_names
                    and not name.startswith("kiotsync.core")
                    and top != "__future__"
                ):
                    offenders.append(f"{path.relative_to(CORE)}: {name}")
    assert not offenders


def test_core_never_reads_the_clock() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in CORE.rglob("*.py"))
    for forbidden in ("datetime.now", "time.time(", "date.today", "utcnow"):
        assert forbidden not in source
