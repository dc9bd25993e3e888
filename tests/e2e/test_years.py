"""End-to-end: `isf run --year Y` on the bundled demo for every year 2022-2026 (issue 16).

Each year runs the whole chain (synthetic activity with the year's STG trigger codes, demo
logic, the year's STG/TFG definitions, DEMO weight lists and parameters) and must give the
year's groups and reconcile: Σ kroner of the units = Σ sorge_for.csv = the summary total.
What each year must show follows the seeds ([000]..[004] = ../shared/seeds/000_*.txt ..):
2022/2023 XS08 from indirect contacts and HT05/HT06 [004]; 2024 T30 [001]; 2026 BT01 [003],
NBP and AS04/DS04 [002]; no 209D/209E in any year [004].
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from isf.cli import app

pytestmark = pytest.mark.slow

runner = CliRunner()

#: groups each year's demo run must form (STG/TFG) and DRGs it must never show
EXPECTED = {
    2022: {"XS08", "HT05", "HT06", "KREFT", "ACT"},
    2023: {"XS08", "HT05", "HT06", "KREFT", "ACT"},
    2024: {"XS08", "HT05", "HT06", "T30", "TS03", "KREFT", "JS09", "NBP"},
    2025: {"XS08", "HT05", "HT06", "T30", "KREFT", "NBP"},
    2026: {"XS08", "HT05", "HT06", "T30", "BT01", "KREFT", "NBP", "AS04"},
}


def _dec(values: list[str]) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_isf_run_works_for_every_year(tmp_path: Path, year: int) -> None:
    out = tmp_path / f"run{year}"
    res = runner.invoke(app, ["run", "--year", str(year), "--rows", "12000", "--seed", "3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "DEMO" in res.output
    units = pl.read_parquet(out / "enheter.parquet")
    formed = set(units.filter(pl.col("type") != "DRG")["gruppe"].to_list())
    assert EXPECTED[year] <= formed, EXPECTED[year] - formed
    drgs = set(units.filter(pl.col("type") == "DRG")["gruppe"].to_list())
    assert not drgs & {"209D", "209E", "993O", "995O"}
    assert {"209U", "209V", "TD99L"} <= drgs
    # 802U: per contact until 2025, taken over by BT01 in 2026 ([003] line 169)
    u802 = units.filter((pl.col("type") == "DRG") & (pl.col("gruppe") == "802U"))
    assert u802.height and (u802["isf_tellende"].any() == (year < 2026))
    # reconciliation to the øre
    total = sum(units["isf_kroner"].to_list(), Decimal(0))
    sorge = pl.read_csv(out / "sorge_for.csv", schema_overrides={"isf_kroner": pl.String})
    assert _dec(sorge["isf_kroner"].to_list()) == total
    summary = pl.read_csv(out / "sammendrag.csv", schema_overrides={"isf_kroner": pl.String})
    assert Decimal(summary.filter(pl.col("sektor") == "totalt")["isf_kroner"][0]) == total
    context = json.loads((out / "kontekst.json").read_text(encoding="utf-8"))
    assert context["aar"] == year and context["stg_tfg"]["kilde"].startswith(f"isf demo definitions {year}")
    shares = {p["navn"]: p["verdi"] for p in context["parametre"]}
    assert shares["somatikk.isf_andel"] == {2022: "0.50", 2023: "0.40", 2024: "0.40"}.get(year, "0.30")
