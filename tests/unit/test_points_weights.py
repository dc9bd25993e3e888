"""Weight lists: CSV/XLSX import with column mapping, clear errors, coverage, demo lists."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from isf.definitions import load_logic
from isf.weights.weightlist import (
    WeightCoverageError,
    WeightListError,
    check_coverage,
    combine_weight_lists,
    load_weight_lists,
    load_weights,
    parse_weights_csv,
    read_weights_xlsx,
    validate_against_logic,
)


def test_directorate_style_csv_with_semicolons_and_commas() -> None:
    text = "DRG;DRG-navn;Kostnadsvekt;Trimpkt;Vekt per dag over trimpunkt;Dagkirurgi;ISF\n" \
           "14A;Hjerneslag;2,100;30;0,116;N;J\n39;Linse;0,420;;;J;J\n470;Ugrupperbar;;;;N;N\n"
    wl = parse_weights_csv(text, file="v.csv", year=2024)
    assert wl.get("14A").vekt == Decimal("2.100") and wl.get("14A").trimpunkt == 30
    assert wl.get("14A").vekt_per_dag == Decimal("0.116")
    assert wl.get("39").dagkirurgi and wl.get("39").trimpunkt is None
    assert wl.get("470").isf is False and wl.get("470").vekt is None


def test_explicit_column_mapping() -> None:
    text = "Gruppe X,Poeng 2024,Grense\nA1,1.5,7\n"
    wl = parse_weights_csv(text, file="x.csv", year=2024, mapping={"drg": "Gruppe X", "vekt": "Poeng 2024", "trimpunkt": "Grense"})
    assert wl.get("A1").vekt == Decimal("1.5") and wl.get("A1").trimpunkt == 7


@pytest.mark.parametrize(
    ("body", "row", "column", "words"),
    [
        ("A1,abc\n", 2, "vekt", "not a number"),
        ("A1,1\nB2,\n", 3, "vekt", "isf = N"),
        ("A1,1\nA1,2\n", 3, "drg", "duplicate"),
        ("A1,1,XYZ\n", 2, "type", "type must be"),
        ("A1,-1\n", 2, "vekt", ">= 0"),
        (",1\n", 2, "drg", "empty"),
    ],
)
def test_errors_name_file_row_column(body: str, row: int, column: str, words: str) -> None:
    with pytest.raises(WeightListError) as info:
        parse_weights_csv(("drg,vekt,type\n" if "XYZ" in body else "drg,vekt\n") + body, file="w.csv", year=2024)
    e = info.value
    assert (e.file, e.row, e.column) == ("w.csv", row, column)
    assert words in str(e)


def test_missing_required_column() -> None:
    with pytest.raises(WeightListError, match="required column"):
        parse_weights_csv("drg,navn\nA1,x\n", file="w.csv", year=2024)


def test_xlsx_import_with_header_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Vekter 2025"
    ws.append(["Vektliste 2025 (test)"])
    ws.append(["DRG", "Navn", "Vekt", "Trimpunkt", "Langliggervekt", "ISF"])
    ws.append(["14A", "Hjerneslag", 2.1, 30, 0.116, "J"])
    ws.append(["470", "Ugrupperbar", None, None, None, "N"])
    ws.append(["14B", "Hjerneslag u/k", "x", 20, 0.1, "J"])
    p = tmp_path / "v.xlsx"
    wb.save(p)
    with pytest.raises(WeightListError) as info:
        read_weights_xlsx(p, year=2025, header_row=2)
    assert info.value.row == 5 and info.value.column == "Vekt"
    ws.delete_rows(5)
    wb.save(p)
    wl = read_weights_xlsx(p, year=2025, header_row=2, sheet="Vekter 2025")
    assert wl.get("14A").vekt == Decimal("2.1") and wl.get("14A").vekt_per_dag == Decimal("0.116")
    assert not wl.get("470").isf


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_demo_weights_cover_demo_logic(year: int) -> None:
    wl = load_weights("demo", year=year)
    assert wl.demo and wl.year == year
    validate_against_logic(wl, load_logic("demo"))


def test_demo_2026_802u_not_financed() -> None:
    # SOURCE: [003] 2026: DRG 802U contacts carry no ISF points (BT01 finances them).
    assert load_weights("demo", year=2026).get("802U").isf is False
    assert load_weights("demo", year=2025).get("802U").isf is True


def test_coverage_reports_missing_drgs() -> None:
    wl = parse_weights_csv("drg,vekt\n14A,1\n", file="w.csv", year=2024)
    assert check_coverage(wl, ["14A", "14B", "470"]) == ["14B", "470"]
    with pytest.raises(WeightCoverageError) as info:
        validate_against_logic(wl, load_logic("demo"))
    assert "14B" in info.value.missing


def test_unknown_demo_year() -> None:
    with pytest.raises(WeightListError, match="demo years"):
        load_weights("demo", year=2019)


def test_header_only_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    p = tmp_path / "vekter_2026.csv"
    p.write_text("drg,navn,vekt,trimpunkt\n", encoding="utf-8")
    with pytest.raises(WeightListError) as info:
        load_weights(p, year=2026)
    assert info.value.file == str(p) and "no rows" in str(info.value)


def test_drg_stg_tfg_lists_from_three_files_or_one_with_type(tmp_path: Path) -> None:
    """[003] the directorate publishes a DRG-liste, an STG-liste and a TFG-liste: load them the
    same way as one file with a `type` column; entries are keyed by (type, code)."""
    (tmp_path / "drg.csv").write_text("drg,vekt\n14A,2.1\n", encoding="utf-8")
    (tmp_path / "stg.csv").write_text("kode,vekt,isf\nXS08,0.04,J\nAS04,,N\n", encoding="utf-8")
    (tmp_path / "tfg.csv").write_text("kode,vekt\nBT01,3.2\n", encoding="utf-8")
    three = load_weight_lists([tmp_path / "drg.csv", f"stg:{tmp_path / 'stg.csv'}", f"tfg:{tmp_path / 'tfg.csv'}"],
                              year=2026)
    (tmp_path / "all.csv").write_text("kode,vekt,isf,type\n14A,2.1,J,DRG\nXS08,0.04,J,STG\nAS04,,N,STG\n"
                                      "BT01,3.2,J,TFG\n", encoding="utf-8")
    one = load_weights(tmp_path / "all.csv", year=2026)
    for wl in (three, one):
        assert wl.get("XS08", "STG").vekt == Decimal("0.04") and wl.get("XS08") is None
        assert wl.get("BT01", "TFG").vekt == Decimal("3.2") and not wl.get("AS04", "STG").isf
        assert wl.kinds() == ("DRG", "STG", "TFG")
    assert [k for _, k, _ in three.sources] == [("DRG",), ("STG",), ("TFG",)]
    with pytest.raises(WeightListError, match="also in"):
        combine_weight_lists([one, load_weights(tmp_path / "drg.csv", year=2026)])


def test_demo_lists_hold_drg_stg_and_tfg() -> None:
    wl = load_weights("demo", year=2026)
    assert wl.demo and wl.kinds() == ("DRG", "STG", "TFG")
    assert wl.get("BT01", "TFG").vekt == Decimal("3.2000")
    assert {f.split("/")[-1] for f, _, _ in wl.sources} == {"demo_2026.csv", "demo_2026_stg.csv", "demo_2026_tfg.csv"}
