"""docs/rbf.md shows what the code computes: the reconciliation, the sensitivity and the 2025
settlement tables are the output of `isf.rbf.reconcile`, and every indicator id and registers
column is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from isf.rbf import load_rbf
from isf.rbf.indicators import REGISTER_COLUMNS
from isf.rbf.reconcile import (
    reconcile_2026,
    reconciliation_markdown,
    sensitivity_markdown,
    settlement_2025_markdown,
)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "rbf.md").read_text(encoding="utf-8")


def _block(name: str) -> str:
    m = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", DOC, re.DOTALL)
    assert m, f"docs/rbf.md has no {name} block"
    return m.group(1)


@pytest.mark.parametrize(("name", "make"), [
    ("reconciliation", lambda: reconciliation_markdown(reconcile_2026(load_rbf(2026)))),
    ("sensitivity", lambda: sensitivity_markdown(load_rbf(2026))),
    ("settlement2025", settlement_2025_markdown),
])
def test_doc_tables_are_the_codes_output(name, make):
    assert _block(name) == make()


def test_reconciliation_reports_a_residual_per_region():
    rows = reconcile_2026(load_rbf(2026))
    assert [r.rhf for r in rows] == ["Helse Midt-Norge", "Helse Nord", "Helse Sør-Øst", "Helse Vest"]
    assert sum(r.model_kroner for r in rows) == load_rbf(2026).model.pott_kroner
    assert all(r.low_kroner <= r.model_kroner <= r.high_kroner for r in rows)
    assert sum(r.residual_kroner for r in rows) == 0  # both distributions share out 693,1 MNOK


def test_every_indicator_and_register_column_is_documented():
    for year in (2024, 2025, 2026):
        for ind in load_rbf(year).indicators:
            assert f"`{ind.id}`" in DOC
    for col in REGISTER_COLUMNS:
        assert f"`{col}`" in DOC
