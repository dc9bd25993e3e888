"""Vectorised ISF points per stay/contact (`compute_points`), including the hospital-stay merge.

Per row, in this order (each step documented in docs/points.md):
1. Eligibility: grouped (status ok, drg set), known sektor, DRG in the weight list and ISF-
   financed there, ISF debitor (`alle.isf_debitorer`), ISF unit (optional input column
   `isf_enhet`, absent/null = yes), care level in the sector's `isf_omsorgsniva` (inpatient
   PHV/TSB is not in ISF). The first failing test is written to `isf_arsak`; points are 0.
2. poeng_basis = vekt.
3. poeng_langligger = (liggetid_isf − trimpunkt) × vekt_per_dag when liggetid_isf > trimpunkt,
   inpatient only; liggetid_isf = liggetid − utskrklar_dager (never below 0).
4. poeng_ambulant = `ambulant_vekt` of the sector when `ambulant` is true and the rule is on.
5. poeng_egenandel = `phv_tsb.egenandel_poeng` for PHV/TSB outpatient contacts of patients up
   to and including the calendar year they turn `egenandel_maks_alder` (rule from 2025),
   contact types `egenandel_kontakttyper`, DRGs not in `egenandel_unntak_drg` (LAR).
6. poeng_trekk = −round(`trekk_andel` × poeng_basis) for DRGs starting with a
   `trekk_drg_prefiks` while `regel_trekk_980` is on (removed 2026).
7. isf_poeng = sum of the components.
8. Hospital-stay merge: rows sharing `opphold_id` with care level døgn/dag are department
   stays of one hospital stay. The carrying stay (bærende opphold) is the one with the most
   points (ties: the first in input order); it keeps its points. The other department stays
   get 0 points, `isf_tellende` false and a reason naming the carrying `kontakt_id`.
   Outpatient contacts (omsorgsniva 3, 8) always count on their own.

Parameters are fetched only when some row needs them, so a missing value raises
`MissingParameterError(year, sector, name)` exactly when it would change a number.
"""

from __future__ import annotations

import polars as pl

from isf.errors import IsfError
from isf.params.model import YearParams
from isf.points.rules import (
    COMPONENTS,
    EGENANDEL_OMSORGSNIVA,
    LANGLIGGER_OMSORGSNIVA,
    MERGE_OMSORGSNIVA,
    OUTPUT_COLUMNS,
    SCALE,
    to_e4,
)
from isf.weights.weightlist import WeightList

__all__ = ["compute_points", "PointsInputError", "weights_frame"]

_E4 = pl.Int64


class PointsInputError(IsfError, ValueError):
    """The activity frame cannot be scored at all (missing column, year mismatch)."""


def weights_frame(weights: WeightList) -> pl.DataFrame:
    """The weight list as a join table in fixed-point ten-thousandths."""
    rows = [
        {
            "drg": e.drg,
            "_w_vekt": None if e.vekt is None else to_e4(e.vekt),
            "_w_trim": e.trimpunkt,
            "_w_dag": None if e.vekt_per_dag is None else to_e4(e.vekt_per_dag),
            "_w_isf": e.isf,
        }
        for e in weights.entries
    ]
    schema = {"drg": pl.String, "_w_vekt": _E4, "_w_trim": _E4, "_w_dag": _E4, "_w_isf": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def _col(df: pl.DataFrame, name: str, default: object, dtype: pl.DataType) -> pl.Expr:
    if name in df.columns:
        return pl.col(name).cast(dtype, strict=False)
    return pl.lit(default, dtype=dtype)


def _txt(e4: pl.Expr) -> pl.Expr:
    return (e4.cast(pl.Float64) / SCALE).round(4).cast(pl.String)


def _prepare(activity: pl.DataFrame, weights: WeightList, year: int) -> pl.DataFrame:
    for c in ("drg", "sektor"):
        if c not in activity.columns:
            raise PointsInputError(f"activity has no '{c}' column (group it first; see docs/data-model.md)")
    df = activity.drop([c for c in OUTPUT_COLUMNS if c in activity.columns])
    date = None
    for c in ("ut_dato", "inn_dato"):
        if c in df.columns:
            d = pl.col(c).cast(pl.Date, strict=False)
            date = d if date is None else pl.coalesce(date, d)
    contact = None
    for c in ("inn_dato", "ut_dato"):
        if c in df.columns:
            d = pl.col(c).cast(pl.Date, strict=False)
            contact = d if contact is None else pl.coalesce(contact, d)
    status_ok = pl.col("status").is_null() | (pl.col("status") == "ok") if "status" in df.columns else pl.lit(True)
    df = df.with_row_index("_i").with_columns(
        _drg=pl.col("drg").cast(pl.String),
        _ok=status_ok & pl.col("drg").is_not_null() & (pl.col("drg").cast(pl.String) != ""),
        _psek=pl.col("sektor").cast(pl.String).replace_strict(
            {"somatikk": "somatikk", "phv": "phv_tsb", "tsb": "phv_tsb"}, default=None, return_dtype=pl.String
        ),
        _oms=_col(df, "omsorgsniva", None, pl.Int64),
        _deb=_col(df, "debitor", None, pl.Int64),
        _ktype=_col(df, "kontakt_type", None, pl.Int64),
        _ligg=_col(df, "liggetid", 0, pl.Int64).fill_null(0),
        _uk=_col(df, "utskrklar_dager", 0, pl.Int64).fill_null(0),
        _amb=_col(df, "ambulant", False, pl.Boolean).fill_null(False),
        _enhet=_col(df, "isf_enhet", True, pl.Boolean).fill_null(True),
        _opph=_col(df, "opphold_id", None, pl.Int64),
        _kid=_col(df, "kontakt_id", None, pl.Int64),
        _dato=date if date is not None else pl.lit(None, dtype=pl.Date),
        _cyear=(contact.dt.year().cast(pl.Int64) if contact is not None else pl.lit(None, dtype=pl.Int64)).fill_null(year),
        _byear=(pl.col("fodselsdato").cast(pl.Date, strict=False).dt.year().cast(pl.Int64)
                if "fodselsdato" in df.columns else pl.lit(None, dtype=pl.Int64)),
    )
    w = weights_frame(weights)
    df = df.join(w.rename({"drg": "_drg"}), on="_drg", how="left", maintain_order="left")
    return df.with_columns(_wfound=pl.col("_w_isf").is_not_null()).sort("_i")


def _reason(df: pl.DataFrame, params: YearParams) -> pl.DataFrame:
    """First failing eligibility test per row (null = counts)."""
    if df.height == 0:
        return df.with_columns(_arsak=pl.lit(None, dtype=pl.String))
    debs = list(params.get("alle", "isf_debitorer"))  # type: ignore[arg-type]
    oms_ok = pl.lit(False)
    for sec in df.filter(pl.col("_ok") & pl.col("_psek").is_not_null())["_psek"].unique().to_list():
        levels = list(params.get(sec, "isf_omsorgsniva"))  # type: ignore[arg-type]
        oms_ok = oms_ok | ((pl.col("_psek") == sec) & pl.col("_oms").is_in(levels))
    status = pl.col("status").cast(pl.String) if "status" in df.columns else pl.lit(None, dtype=pl.String)
    reason = (
        pl.when(~pl.col("_ok"))
        .then(pl.format("ikke gruppert (status {})", status.fill_null("ingen DRG")))
        .when(pl.col("_psek").is_null())
        .then(pl.format("ukjent sektor {}", pl.col("sektor").cast(pl.String).fill_null("(tom)")))
        .when(~pl.col("_wfound"))
        .then(pl.format("DRG {} mangler i vektlisten", pl.col("_drg")))
        .when(~pl.col("_w_isf"))
        .then(pl.format("DRG {} er ikke ISF-finansiert (vektliste)", pl.col("_drg")))
        .when(pl.col("_deb").is_null() | ~pl.col("_deb").is_in(debs))
        .then(pl.format("debitor {} er ikke ISF-finansiert", pl.col("_deb").cast(pl.String).fill_null("(tom)")))
        .when(~pl.col("_enhet"))
        .then(pl.lit("enheten er ikke ISF-tellende"))
        .when(~oms_ok.fill_null(False))
        .then(pl.format("omsorgsniva {} i {} er ikke i ISF", pl.col("_oms").cast(pl.String).fill_null("(tom)"), pl.col("sektor")))
        .otherwise(None)
    )
    return df.with_columns(_arsak=reason)


def _components(df: pl.DataFrame, params: YearParams) -> pl.DataFrame:
    count = pl.col("_arsak").is_null()
    df = df.with_columns(
        _basis=pl.when(count).then(pl.col("_w_vekt")).otherwise(0),
        _lig_isf=(pl.col("_ligg") - pl.col("_uk")).clip(lower_bound=0),
    )
    over = pl.col("_lig_isf") - pl.col("_w_trim")
    long_ok = count & pl.col("_oms").is_in(LANGLIGGER_OMSORGSNIVA) & pl.col("_w_dag").is_not_null() & (over > 0)
    df = df.with_columns(_lang=pl.when(long_ok).then(over * pl.col("_w_dag")).otherwise(0))

    # ambulant supplement
    amb = pl.lit(0, dtype=_E4)
    amb_rows = df.filter(count & pl.col("_amb"))
    if amb_rows.height and params.flag("regel_ambulant"):
        for sec in amb_rows["_psek"].unique().to_list():
            a = to_e4(params.decimal(sec, "ambulant_vekt"))
            amb = pl.when(count & pl.col("_amb") & (pl.col("_psek") == sec)).then(pl.lit(a, dtype=_E4)).otherwise(amb)
    df = df.with_columns(_ambp=amb)

    # PHV/TSB copay replacement (from 2025)
    ega = pl.lit(0, dtype=_E4)
    cand = count & (pl.col("_psek") == "phv_tsb") & pl.col("_oms").is_in(EGENANDEL_OMSORGSNIVA)
    if df.filter(cand).height and params.flag("regel_egenandel_u26"):
        maks = int(params.decimal("alle", "egenandel_maks_alder"))
        types = list(params.get("alle", "egenandel_kontakttyper"))  # type: ignore[arg-type]
        unntak = list(params.get("alle", "egenandel_unntak_drg"))  # type: ignore[arg-type]
        elig = (
            cand & pl.col("_ktype").is_in(types) & ~pl.col("_drg").is_in(unntak)
            & pl.col("_byear").is_not_null() & ((pl.col("_cyear") - pl.col("_byear")) <= maks)
        )
        if df.filter(elig).height:
            p = to_e4(params.decimal("phv_tsb", "egenandel_poeng"))
            ega = pl.when(elig).then(pl.lit(p, dtype=_E4)).otherwise(0)
    df = df.with_columns(_ega=ega)

    # 980-DRG deduction (a share of the base points)
    trekk = pl.lit(0, dtype=_E4)
    if df.filter(count).height:
        prefixes = list(params.get("alle", "trekk_drg_prefiks"))  # type: ignore[arg-type]
        match = pl.lit(False)
        for pre in prefixes:
            match = match | pl.col("_drg").str.starts_with(pre)
        match = count & match
        if df.filter(match).height and params.flag("regel_trekk_980"):
            num, den = params.decimal("alle", "trekk_andel").as_integer_ratio()
            trekk = pl.when(match).then(-((2 * pl.col("_basis") * num + den) // (2 * den))).otherwise(0)
    df = df.with_columns(_trekk=trekk.cast(_E4))
    return df.with_columns(_total=pl.col("_basis") + pl.col("_lang") + pl.col("_ambp") + pl.col("_ega") + pl.col("_trekk"))


def _merge(df: pl.DataFrame) -> pl.DataFrame:
    """Keep only the carrying stay's points within each hospital stay (`opphold_id`)."""
    m = (pl.col("_opph").is_not_null() & pl.col("_oms").is_in(MERGE_OMSORGSNIVA)).fill_null(False)
    df = df.with_columns(_m=m)
    key = ["_opph", "_m"]
    order = dict(descending=[True, False])
    df = df.with_columns(
        _car_i=pl.col("_i").sort_by(["_total", "_i"], **order).first().over(key),
        _car_k=pl.coalesce(pl.col("_kid"), pl.col("_i").cast(pl.Int64)).sort_by(["_total", "_i"], **order).first().over(key),
        _n=pl.len().over(key),
    )
    carrier = pl.col("_m") & (pl.col("_i") == pl.col("_car_i"))
    drop = pl.col("_m") & ~carrier & pl.col("_arsak").is_null()
    zero = {c: pl.when(drop).then(0).otherwise(pl.col(c)) for c in ("_basis", "_lang", "_ambp", "_ega", "_trekk", "_total")}
    return df.with_columns(
        **zero,
        _arsak=pl.when(drop)
        .then(pl.format("avdelingsopphold i sykehusopphold {}: poengene ligger på bærende opphold kontakt_id {}", pl.col("_opph"), pl.col("_car_k")))
        .otherwise(pl.col("_arsak")),
        _baerende=pl.when(pl.col("_m")).then(pl.col("_car_k")).otherwise(None),
        _is_carrier=carrier & (pl.col("_n") > 1) & pl.col("_arsak").is_null(),
    )


def _rule_text(df: pl.DataFrame) -> pl.DataFrame:
    count = pl.col("_arsak").is_null()
    parts = [
        pl.when(count).then(pl.format("basis: vekt {} (DRG {})", _txt(pl.col("_basis")), pl.col("_drg"))),
        pl.when(pl.col("_lang") != 0).then(
            pl.format("langligger: ({} liggedager - {} utskrklar - trimpunkt {}) x {}",
                      pl.col("_ligg"), pl.col("_uk"), pl.col("_w_trim"), _txt(pl.col("_w_dag")))
        ),
        pl.when(pl.col("_ambp") != 0).then(pl.format("ambulant tillegg {}", _txt(pl.col("_ambp")))),
        pl.when(pl.col("_ega") != 0).then(pl.format("egenandel erstattet med {} poeng (PHV/TSB, t.o.m. året pasienten fyller 26)", _txt(pl.col("_ega")))),
        pl.when(pl.col("_trekk") != 0).then(pl.format("980-trekk {}", _txt(pl.col("_trekk")))),
        pl.when(pl.col("_is_carrier")).then(pl.format("bærende opphold i sykehusopphold {}", pl.col("_opph"))),
        pl.when(~count).then(pl.format("ikke ISF: {}", pl.col("_arsak"))),
    ]
    return df.with_columns(_regel=pl.concat_str(parts, separator="; ", ignore_nulls=True))


def compute_points(
    activity: pl.DataFrame, *, weights: WeightList, params: YearParams, year: int
) -> pl.DataFrame:
    """ISF points per row of grouped `activity` (same rows, same order, input columns kept).

    Adds: vekt, trimpunkt, liggetid_isf, poeng_basis, poeng_langligger, poeng_ambulant,
    poeng_egenandel, poeng_trekk, isf_poeng (= sum), isf_tellende, isf_arsak (why not
    counting), poeng_regel (rules applied), baerende_kontakt_id, aar, tertial, maaned.
    Points are float64 with exactly 4 decimals (see `isf.points.rules`).
    """
    if weights.year != year or params.year != year:
        raise PointsInputError(f"year {year} but weights are for {weights.year} and parameters for {params.year}")
    df = _prepare(activity, weights, year)
    df = _components(_reason(df, params), params)
    df = _rule_text(_merge(df))
    pts = {c: (pl.col(src).cast(pl.Float64) / SCALE).round(4)
           for c, src in zip((*COMPONENTS, "isf_poeng"), ("_basis", "_lang", "_ambp", "_ega", "_trekk", "_total"))}
    out = df.with_columns(
        vekt=(pl.col("_w_vekt").cast(pl.Float64) / SCALE).round(4),
        trimpunkt=pl.col("_w_trim").cast(pl.Int32),
        liggetid_isf=pl.col("_lig_isf").cast(pl.Int32),
        **pts,
        isf_tellende=pl.col("_arsak").is_null(),
        isf_arsak=pl.col("_arsak"),
        poeng_regel=pl.col("_regel"),
        baerende_kontakt_id=pl.col("_baerende").cast(pl.Int64),
        aar=pl.col("_dato").dt.year().cast(pl.Int32).fill_null(year),
        tertial=((pl.col("_dato").dt.month().cast(pl.Int8) - 1) // 4 + 1).cast(pl.Int8),
        maaned=pl.col("_dato").dt.month().cast(pl.Int8),
    )
    return out.select([c for c in out.columns if not c.startswith("_")])
