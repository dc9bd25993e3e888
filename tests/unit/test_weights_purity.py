"""The weight computations are pure: no I/O, clock, logging or CLI imports (only the command shell)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "isf"
PURE = [SRC / "weights" / f for f in ("kpp.py", "estimate.py", "calibrate.py", "effects.py")]
FORBIDDEN = {"os", "io", "logging", "time", "datetime", "typer", "rich", "pathlib", "random", "sys", "subprocess"}


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.name)
def test_weights_module_is_pure(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {(node.module or "").split(".")[0]}
        else:
            names = set()
        assert not names & FORBIDDEN, f"{path.name} imports {names & FORBIDDEN}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "print", "input"}, f"{path.name} calls {node.func.id}()"
