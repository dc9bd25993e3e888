"""`isf npk`: a run's rows under NPR/NPK names (isf.npk), hand-checked on small frames.

SOURCE of the names and meanings: ../shared/docs/npr-npk-glossary.md ("NPK result variables
(per stay/contact)": `korrvekt` = the stay's points, `niva` F = department stay, ...). The
expected values below are the input columns combined by hand as docs/npk.md says.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from isf.cli import app
from isf.definitions import DgRow, Rule, build_logic
from isf.npk import NOT_IN_ISF, NPK_VARIABLES, drg_properties, npk_view

ROOT = Path(__file__).resolve().parents[2]
D4 = pl.Decimal(38, 4)
runner = CliRunner()


def _rows() -> pl.DataFrame:
    """Four rows: a hospital stay of two department stays (carrier 11), an outpatient contact
    and a row that does not count."""
    return pl.DataFrame({
        "kontakt_id": [10, 11, 12, 13],
        "pasient_id": ["a", "a", "b", "c"],
        "kontakt_type": [None, None, 1, 2],
        "omsorgsniva": [1, 1, 3, 8],
        "innmate_hast": [1, 1, 4, 4],
        "opphold_id": [7, 7, None, None],
        "baerende_kontakt_id": [11, 11, None, None],
        "drg": ["S1", "M1", "M1", "X"],
        "rtc": ["0", "0", "0", "0"],
        "mdc": ["05", "05", "05", "PRE"],
        "vekt": [Decimal("2.0"), Decimal("1.0"), Decimal("1.0"), None],
        "trimpunkt": [5, 5, None, None],
        "liggetid": [3, 9, 0, 0],
        "poeng_basis": [Decimal(0), Decimal("1.0"), Decimal("1.0"), Decimal(0)],
        "poeng_langligger": [Decimal(0), Decimal("0.4"), Decimal(0), Decimal(0)],
        "poeng_ambulant": [Decimal(0), Decimal(0), Decimal("0.019"), Decimal(0)],
        "isf_poeng": [Decimal(0), Decimal("1.4"), Decimal("1.019"), Decimal(0)],
        "isf_tellende": [False, True, True, False],
        "isf_arsak": ["avdelingsopphold i sykehusopphold 7", None, None, "X mangler i vektlisten"],
        "isf_kroner": [Decimal(0), Decimal("100.00"), Decimal("72.79"), Decimal(0)],
    }, schema_overrides={"vekt": D4, "poeng_basis": D4, "poeng_langligger": D4, "poeng_ambulant": D4, "isf_poeng": D4,
                         "isf_kroner": pl.Decimal(38, 2), "omsorgsniva": pl.Int8, "innmate_hast": pl.Int8,
                         "kontakt_type": pl.Int8})


def _logic():
    rules = [Rule("1", "S1", "0", icd="+", or_proc="S"), Rule("2", "S1", "0", icd="+", or_proc="P", compl="1"),
             Rule("3", "M1", "0", icd="+", or_proc="N", compl="1"), Rule("4", "M2", "0", icd="+"),
             Rule("5", "M2", "0", icd="+", or_proc="S"), Rule("9", "470", "8")]
    return build_logic(id="T", source="test", rules=rules, proc=[], dg=[DgRow("I219", "", "DGCAT", "05M01")],
                       complcat=[], complexcl=[])


def test_drg_type_and_komp_drg_from_the_rules():
    props = {r["drg"]: (r["drg_type"], r["komp_drg"]) for r in drg_properties(_logic()).iter_rows(named=True)}
    assert props["S1"] == ("K", "N")  # every rule needs an OR procedure (S, P); one rule has no compl
    assert props["M1"] == ("M", "J")  # no OR procedure; every rule needs a complication level
    assert props["M2"] == ("M", "N")  # one rule without an OR procedure: not surgical


def test_npk_view_by_hand():
    units = pl.DataFrame({"type": ["DRG", "STG"], "gruppe": ["M1", "XS08"], "kontakt_ider": [None, [12, 99]]},
                         schema={"type": pl.String, "gruppe": pl.String, "kontakt_ider": pl.List(pl.Int64)})
    v = npk_view(_rows(), units, drg_props=drg_properties(_logic()), dagkirurgi={"M1": True, "S1": False})
    assert v.height == 4 and v["kontakt_id"].to_list() == [10, 11, 12, 13]  # rows in = rows out, in order
    assert v.columns == [x.name for x in NPK_VARIABLES]
    r = v.rows_by_key("kontakt_id", named=True, unique=True)
    assert r[11]["korrvekt"] == Decimal("1.4") == r[11]["npkOpphold_DRGBasispoeng"]  # basis + long stay
    assert r[12]["korrvekt"] == Decimal("1.0") and r[12]["npkopphold_poengsum"] == Decimal("1.019")  # + ambulant
    assert r[12]["npkOpphold_ISFPoeng"] == Decimal("1.019") and r[13]["npkOpphold_ISFPoeng"] == 0
    assert [r[k]["npkOpphold_ErTellendeISFOpphold"] for k in (10, 11, 12, 13)] == [0, 1, 1, 0]
    assert [r[k]["niva"] for k in (10, 11, 12, 13)] == ["F", "F", "", ""]  # two department stays of stay 7
    assert [r[k]["aggrshoppID_LNr"] for k in (10, 11, 12)] == [7, 7, None]
    assert [r[k]["npkOpphold_antallAvdelingsopphold"] for k in (10, 11, 12)] == [2, 2, None]
    assert [r[k]["hdg"] for k in (10, 13)] == [5, None]  # MDC 05 -> 5; PRE is not a number
    assert [r[k]["drg_type"] for k in (10, 11, 13)] == ["K", "M", None]  # X is not in the logic
    assert r[11]["komp_drg"] == "J" and r[11]["dag_kir"] == "J" and r[10]["dag_kir"] == "N" and r[13]["dag_kir"] is None
    assert [r[k]["aktivitetskategori3"] for k in (10, 12, 13)] == [1, 3, 3]  # 8 is outpatient (3)
    # glossary: 1 planned medical, 2 acute medical, 3 planned surgical, 4 acute surgical, 9 other
    assert [r[k]["DRGtypeHastegrad"] for k in (10, 11, 12, 13)] == [4, 2, 9, None]
    assert r[12]["npkSærtjeneste_STGKode"] == "XS08" and r[11]["npkSærtjeneste_STGKode"] is None
    assert r[11]["trimpkt"] == 5 and r[11]["drgreturkode"] == "0" and r[12]["innmateHast"] == 4


def test_without_logic_and_weights_the_derived_columns_stay_empty():
    v = npk_view(_rows())
    assert v["drg_type"].null_count() == v.height and v["dag_kir"].null_count() == v.height
    assert v["DRGtypeHastegrad"].null_count() == v.height and v["npkSærtjeneste_STGKode"].null_count() == v.height


def test_docs_print_the_mapping():
    doc = (ROOT / "docs" / "npk.md").read_text(encoding="utf-8")
    for v in NPK_VARIABLES:
        assert f"| `{v.name}` |" in doc and v.how in doc, v.name
    for name in NOT_IN_ISF:
        assert f"| `{name}` |" in doc, name


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("npk") / "run"
    res = runner.invoke(app, ["run", "--rows", "3000", "--seed", "3", "-q", "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_isf_npk_command(run_dir: Path, tmp_path: Path, suffix: str):
    out = tmp_path / f"npk{suffix}"
    res = runner.invoke(app, ["npk", str(run_dir), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "3 000 rows with" in res.output and "not in isf (see docs/npk.md): spes_drg" in res.output
    view = pl.read_csv(out, infer_schema_length=0) if suffix == ".csv" else pl.read_parquet(out)
    points = pl.read_parquet(run_dir / "points.parquet")
    assert view.height == points.height
    assert view["kontakt_id"].cast(pl.Int64).to_list() == points["kontakt_id"].to_list()
    assert view["drg_type"].null_count() == 0 and view["dag_kir"].null_count() == 0  # logic and weights of the run
    isf = view["npkOpphold_ISFPoeng"].cast(pl.Decimal(38, 4)).sum()
    assert isf == points["isf_poeng"].sum()  # the run's DRG points, not recomputed
    if suffix == ".csv":
        assert re.search(r"^kontakt_id,pasient_id,kontaktType,", out.read_text(encoding="utf-8"))


def test_isf_npk_messages(run_dir: Path, tmp_path: Path):
    res = runner.invoke(app, ["npk", str(tmp_path), "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "no points.parquet; run `isf run` or `isf points` first" in res.output
    res = runner.invoke(app, ["npk", str(run_dir), "-o", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and "must end in .parquet or .csv" in res.output
    grouped = tmp_path / "grouped"
    grouped.mkdir()
    (grouped / "points.parquet").write_bytes((run_dir / "points.parquet").read_bytes())
    ctx = json.loads((run_dir / "kontekst.json").read_text(encoding="utf-8"))
    ctx["logikk"] = {"id": None, "checksum": None, "merknad": "aktiviteten var gruppert"}
    (grouped / "kontekst.json").write_text(json.dumps(ctx), encoding="utf-8")
    res = runner.invoke(app, ["npk", str(grouped), "-o", str(tmp_path / "g.parquet")])
    assert res.exit_code == 0 and "drg_type and komp_drg left empty" in res.output
    assert pl.read_parquet(tmp_path / "g.parquet")["drg_type"].null_count() > 0
    res = runner.invoke(app, ["npk", str(grouped), "-o", str(tmp_path / "g.parquet"), "--logic", "demo"])
    assert res.exit_code == 0 and pl.read_parquet(tmp_path / "g.parquet")["drg_type"].null_count() == 0
