"""The kernel (definitions model, grouping, batch kernel) imports no I/O, CLI, web or clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "isf"
KERNEL = [
    SRC / "definitions" / "model.py",
    *sorted((SRC / "grouping").glob("*.py")),
    SRC / "batch" / "kernel.py",
]
FORBIDDEN = {"os", "io", "logging", "time", "datetime", "typer", "rich", "fastapi", "starlette", "uvicorn",
             "polars", "duckdb", "subprocess", "socket", "pathlib", "random", "sys", "builtins"}
FORBIDDEN_CALLS = {"open", "print", "input"}


@pytest.mark.parametrize("path", KERNEL, ids=lambda p: p.name)
def test_kernel_module_is_pure(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [(node.module or "").split(".")[0]]
        else:
            names = []
        assert not set(names) & FORBIDDEN, f"{path.name} imports {set(names) & FORBIDDEN}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name} calls {node.func.id}()"
