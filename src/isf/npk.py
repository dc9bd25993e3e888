"""NPK names for a run's rows: the variables analysts know from NPR files with NPK results.

Analysts read NPR extracts with NPK result variables (`korrvekt`, `trimpkt`, `drg_type`,
`npkOpphold_ISFPoeng` ...) in SAS or R (../shared/docs/npr-npk-glossary.md). `npk_view` gives
the rows of a run (``points.parquet``, one row per input row, in input order) under those
names, computed from isf's own columns by the one mapping in `NPK_VARIABLES`, which also says
for each NPK variable where it comes from, and for those with no isf counterpart, why.
docs/npk.md prints the same table.

Pure: frames and the logic in, a frame out (rows in = rows out). `isf npk` is the I/O shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from isf.definitions import Logic

__all__ = ["NPK_VARIABLES", "NpkVariable", "drg_properties", "missing_variables", "npk_view"]


@dataclass(frozen=True, slots=True)
class NpkVariable:
    """One NPK/NPR variable: its name, the isf column(s) it comes from, how, and its meaning.

    `isf` is empty when isf has no counterpart; `how` then says why.
    """

    name: str
    isf: str
    how: str
    meaning: str


#: The mapping, in output order (NPR message fields first, then NPK results, then isf extras).
NPK_VARIABLES: tuple[NpkVariable, ...] = (
    NpkVariable("kontakt_id", "kontakt_id", "as is (isf's row key, for joining back)", "stay/contact id"),
    NpkVariable("pasient_id", "pasient_id", "as is", "patient id (pseudonymous in NPR extracts)"),
    NpkVariable("kontaktType", "kontakt_type", "as is", "1 utredning, 2 behandling, 3 kontroll, ..."),
    NpkVariable("omsorgsniva", "omsorgsniva", "as is", "1 døgn, 2 dag, 3 poliklinikk, 8 polikl. for inneliggende"),
    NpkVariable("innmateHast", "innmate_hast", "as is", "1 akutt ... 4 planlagt, 5 tilbakeføring"),
    NpkVariable("debitor", "debitor", "as is", "who pays (1 ordinær ...)"),
    NpkVariable("innDato", "inn_dato", "as is", "admission / contact date"),
    NpkVariable("utDato", "ut_dato", "as is", "discharge date"),
    NpkVariable("utskrKlarDager", "utskrklar_dager", "as is", "days after ready for discharge"),
    NpkVariable("BoRHF", "bo_rhf", "as is", "region of residence (sørge for)"),
    NpkVariable("BoHF", "bo_hf", "as is", "trust of residence (sørge for)"),
    NpkVariable("BehRHF", "beh_rhf", "as is", "treating region"),
    NpkVariable("BehHF", "beh_hf", "as is", "treating trust"),
    NpkVariable("hdiag", "hdiag", "as is", "principal diagnosis"),
    NpkVariable("drg", "drg", "as is", "DRG"),
    NpkVariable("drgreturkode", "rtc", "as is (text: 0-9, A)", "NordDRG return code"),
    NpkVariable("hdg", "mdc", "the MDC as a whole number (05 -> 5); empty when the MDC is not a number",
                "main diagnosis group (hoveddiagnosegruppe)"),
    NpkVariable("drg_type", "logic (rules)", "K when every rule of the logic leading to the DRG requires an OR "
                "procedure (`or` S or P: OR 1, or OR 1 or 2), else M; empty without the logic (grouped input)",
                "K kirurgisk, M medisinsk"),
    NpkVariable("komp_drg", "logic (rules)", "J when every rule leading to the DRG requires a complication level "
                "(`compl`), else N; empty without the logic", "complicated DRG (J/N)"),
    NpkVariable("dag_kir", "weight list", "the weight list's dagkirurgi column (J/N); empty when the DRG is not in "
                "the list", "day-surgery DRG (J/N)"),
    NpkVariable("vekt", "vekt", "as is", "DRG weight"),
    NpkVariable("trimpkt", "trimpunkt", "as is", "trimpunkt (days)"),
    NpkVariable("liggetid", "liggetid", "as is", "length of stay (days)"),
    NpkVariable("korrvekt", "poeng_basis + poeng_langligger", "sum; 0 on rows that do not count (isf computes "
                "points for counting units only) and on department stays whose hospital stay is carried by another "
                "row", "corrected weight: the stay's points"),
    NpkVariable("npkOpphold_DRGBasispoeng", "poeng_basis + poeng_langligger", "as korrvekt (isf has no other "
                "correction factor of the weight)", "weight ± correction factors"),
    NpkVariable("npkopphold_poengsum", "isf_poeng", "sum of all components (basis, long stay, ambulant, copay, "
                "deduction)", "basis points plus supplements and deductions"),
    NpkVariable("npkOpphold_ISFPoeng", "isf_poeng", "isf_poeng where the row counts, else 0 (DRG points only: STG/TFG "
                "points are per patient and period, in enheter.parquet)", "ISF points"),
    NpkVariable("npkOpphold_ErTellendeISFOpphold", "isf_tellende", "1 / 0", "1 = counts for ISF"),
    NpkVariable("niva", "opphold_id, baerende_kontakt_id", "F on the department stays of a hospital stay of several "
                "rows, else empty; isf writes no separate S row: the hospital stay's points are on its carrying "
                "department stay (baerende_kontakt_id)", "blank single stay / outpatient, F department stay, S "
                "hospital stay"),
    NpkVariable("aggrshoppID_LNr", "opphold_id", "opphold_id of rows merged into a hospital stay, else empty",
                "links department stays to their hospital stay"),
    NpkVariable("npkOpphold_antallAvdelingsopphold", "opphold_id", "rows of the row's hospital stay (1 for a "
                "single stay; empty for outpatient contacts)", "department stays in the hospital stay"),
    NpkVariable("npkSærtjeneste_STGKode", "enheter.parquet", "the STG code of the STG unit the contact belongs to "
                "(from kontakt_ider); empty when none or without enheter.parquet", "special-service group"),
    NpkVariable("aktivitetskategori3", "omsorgsniva", "1 -> 1, 2 -> 2, 3 and 8 -> 3", "1 døgn, 2 dag, 3 poliklinikk"),
    NpkVariable("DRGtypeHastegrad", "drg_type, innmate_hast, omsorgsniva", "døgn/dag only: M+akutt (innmate_hast "
                "1-3) 2, M+planlagt (4) 1, K+akutt 4, K+planlagt 3; else 9", "1 planned medical, 2 acute medical, "
                "3 planned surgical, 4 acute surgical, 9 other"),
    NpkVariable("isf_kroner", "isf_kroner", "isf's own (no NPK variable): kroner of the row's DRG unit",
                "kroner"),
    NpkVariable("isf_arsak", "isf_arsak", "isf's own (no NPK variable): why the row does not count", "reason"),
)

#: NPK variables named in the glossary that isf cannot give, and why.
NOT_IN_ISF: dict[str, str] = {
    "spes_drg": "NordDRG tables carry no 'specific DRG' flag and isf has no rule that needs one",
    "rehabType": "the rehabilitation type is not in the activity data model (docs/data-model.md)",
    "npkOpphold_antallKontakter": "isf counts rows per hospital stay (npkOpphold_antallAvdelingsopphold); outpatient "
                                  "contacts during a stay are not linked to it",
}

_ACUTE = (1, 2, 3)
_PLANNED = (4,)


def missing_variables() -> dict[str, str]:
    """NPK variables of the glossary with no isf counterpart, with the reason (docs/npk.md)."""
    return dict(NOT_IN_ISF)


def drg_properties(logic: Logic) -> pl.DataFrame:
    """Per DRG of `logic`: `drg_type` (K/M) and `komp_drg` (J/N), derived from its rules.

    NordDRG publishes no type column; a DRG is surgical (K) when every rule leading to it
    requires an OR procedure (``or`` S: OR 1, or P: OR 1 or 2; the surgical partition of the
    MDC), complicated (J) when every such rule requires a complication level (``compl``).
    """
    rules: dict[str, list[tuple[bool, bool]]] = {}
    for r in logic.rules:
        rules.setdefault(r.drg, []).append((r.or_proc in ("S", "P"), bool(r.compl) and r.compl not in ("0", "-0")))
    rows = [
        {"drg": d, "drg_type": "K" if all(s for s, _ in v) else "M", "komp_drg": "J" if all(c for _, c in v) else "N"}
        for d, v in sorted(rules.items())
    ]
    return pl.DataFrame(rows, schema={"drg": pl.String, "drg_type": pl.String, "komp_drg": pl.String})


def _stg_codes(units: pl.DataFrame | None) -> pl.DataFrame | None:
    if units is None or not {"type", "gruppe", "kontakt_ider"} <= set(units.columns):
        return None
    return (units.filter(pl.col("type") == "STG").select("gruppe", "kontakt_ider").explode("kontakt_ider")
            .drop_nulls("kontakt_ider")
            .group_by(pl.col("kontakt_ider").alias("kontakt_id")).agg(pl.col("gruppe").sort().first().alias("_stg")))


def _col(df: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(name) if name in df.columns else pl.lit(None, dtype=dtype)


def npk_view(
    rows: pl.DataFrame,
    units: pl.DataFrame | None = None,
    *,
    drg_props: pl.DataFrame | None = None,
    dagkirurgi: Mapping[str, bool] | None = None,
) -> pl.DataFrame:
    """`rows` (a run's ``points.parquet``) under NPK names, one row out per row in, in order.

    `units` (``enheter.parquet``) gives the STG code of each contact; `drg_props`
    (`drg_properties` of the run's logic) gives `drg_type`/`komp_drg`; `dagkirurgi` (DRG ->
    day-surgery flag of the weight list) gives `dag_kir`. Each one missing leaves its columns
    empty (null), never guessed.
    """
    df = rows.with_row_index("_i")
    props = drg_props if drg_props is not None else pl.DataFrame(
        schema={"drg": pl.String, "drg_type": pl.String, "komp_drg": pl.String})
    df = df.join(props.select("drg", pl.col("drg_type").alias("_type"), pl.col("komp_drg").alias("_komp")),
                 on="drg", how="left", maintain_order="left") if "drg" in df.columns else df.with_columns(
        _type=pl.lit(None, pl.String), _komp=pl.lit(None, pl.String))
    dk = pl.DataFrame({"drg": list((dagkirurgi or {}).keys()),
                       "_dk": ["J" if v else "N" for v in (dagkirurgi or {}).values()]},
                      schema={"drg": pl.String, "_dk": pl.String})
    df = df.join(dk, on="drg", how="left", maintain_order="left") if "drg" in df.columns else df.with_columns(
        _dk=pl.lit(None, pl.String))
    stg = _stg_codes(units)
    if stg is not None and "kontakt_id" in df.columns:
        df = df.join(stg, on="kontakt_id", how="left", maintain_order="left")
    else:
        df = df.with_columns(_stg=pl.lit(None, pl.String))
    carrier = _col(df, "baerende_kontakt_id", pl.Int64())
    df = df.with_columns(_n=pl.when(carrier.is_not_null()).then(pl.len().over(carrier)))
    dec = pl.Decimal(38, 4)
    basis = _col(df, "poeng_basis", dec).fill_null(0) + _col(df, "poeng_langligger", dec).fill_null(0)
    counts = _col(df, "isf_tellende", pl.Boolean()).fill_null(False)
    oms = _col(df, "omsorgsniva", pl.Int8())
    hast = _col(df, "innmate_hast", pl.Int8())
    acute, planned = hast.is_in(_ACUTE), hast.is_in(_PLANNED)
    inpatient = oms.is_in([1, 2])
    typ = pl.col("_type")
    urgency = (pl.when(inpatient & (typ == "M") & acute).then(2).when(inpatient & (typ == "M") & planned).then(1)
               .when(inpatient & (typ == "K") & acute).then(4).when(inpatient & (typ == "K") & planned).then(3)
               .otherwise(9))
    mdc = _col(df, "mdc", pl.String())
    exprs: dict[str, pl.Expr] = {
        "kontakt_id": _col(df, "kontakt_id", pl.Int64()),
        "pasient_id": _col(df, "pasient_id", pl.String()),
        "kontaktType": _col(df, "kontakt_type", pl.Int8()),
        "omsorgsniva": oms,
        "innmateHast": hast,
        "debitor": _col(df, "debitor", pl.Int16()),
        "innDato": _col(df, "inn_dato", pl.Date()),
        "utDato": _col(df, "ut_dato", pl.Date()),
        "utskrKlarDager": _col(df, "utskrklar_dager", pl.Int32()),
        "BoRHF": _col(df, "bo_rhf", pl.String()),
        "BoHF": _col(df, "bo_hf", pl.String()),
        "BehRHF": _col(df, "beh_rhf", pl.String()),
        "BehHF": _col(df, "beh_hf", pl.String()),
        "hdiag": _col(df, "hdiag", pl.String()),
        "drg": _col(df, "drg", pl.String()),
        "drgreturkode": _col(df, "rtc", pl.String()),
        "hdg": pl.when(mdc.str.contains(r"^[0-9]+$")).then(mdc.cast(pl.Int16, strict=False)),
        "drg_type": typ,
        "komp_drg": pl.col("_komp"),
        "dag_kir": pl.col("_dk"),
        "vekt": _col(df, "vekt", dec),
        "trimpkt": _col(df, "trimpunkt", pl.Int32()),
        "liggetid": _col(df, "liggetid", pl.Int32()),
        "korrvekt": basis,
        "npkOpphold_DRGBasispoeng": basis,
        "npkopphold_poengsum": _col(df, "isf_poeng", dec).fill_null(0),
        "npkOpphold_ISFPoeng": pl.when(counts).then(_col(df, "isf_poeng", dec).fill_null(0)).otherwise(
            pl.lit(0).cast(dec)),
        "npkOpphold_ErTellendeISFOpphold": counts.cast(pl.Int8),
        "niva": pl.when(pl.col("_n") > 1).then(pl.lit("F")).otherwise(pl.lit("")),
        "aggrshoppID_LNr": pl.when(carrier.is_not_null()).then(_col(df, "opphold_id", pl.Int64())),
        "npkOpphold_antallAvdelingsopphold": pl.col("_n").cast(pl.Int32),
        "npkSærtjeneste_STGKode": pl.col("_stg"),
        "aktivitetskategori3": pl.when(oms.is_in([3, 8])).then(3).when(oms.is_in([1, 2])).then(oms).cast(pl.Int8),
        "DRGtypeHastegrad": pl.when(typ.is_null()).then(None).otherwise(urgency).cast(pl.Int8),
        "isf_kroner": _col(df, "isf_kroner", pl.Decimal(38, 2)),
        "isf_arsak": _col(df, "isf_arsak", pl.String()),
    }
    assert list(exprs) == [v.name for v in NPK_VARIABLES], "NPK_VARIABLES and npk_view disagree"
    return df.sort("_i").select(*(e.alias(n) for n, e in exprs.items()))
