"""Docstring examples in the grouping kernel and the batch path run as tests (one per module).

The same as ``pytest --doctest-modules src/isf/grouping``, kept in the default tier: the
examples use the small demo logic.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
MODULES = sorted(
    ".".join(p.relative_to(SRC).with_suffix("").parts)
    for folder in ("isf/grouping", "isf/batch")
    for p in (SRC / folder).glob("*.py")
    if p.name != "__init__.py"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} fail (run pytest --doctest-modules on it)"


def test_the_new_grouping_modules_have_examples() -> None:
    for name in ("isf.grouping.case", "isf.grouping.codes", "isf.grouping.features", "isf.grouping.criteria",
                 "isf.grouping.compiled", "isf.grouping.explain", "isf.grouping.grouper", "isf.grouping.render",
                 "isf.batch.case_strings", "isf.batch.fast", "isf.batch.kernel"):
        assert doctest.testmod(importlib.import_module(name), report=False).attempted > 0, name
