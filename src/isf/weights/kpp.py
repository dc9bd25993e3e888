"""KPP (kostnad per pasient) records: the cost base for cost-weight estimation.

One row per stay or contact as each HF reports it in its KPP model ([004] §7, [001] §7.1).
Money is integer øre so sums are exact; the estimation works on exact sums per HF×DRG.

Columns (names follow docs/data-model.md where the field exists there):

| column | type | meaning |
|---|---|---|
| `kontakt_id` | int64 | stay/contact id |
| `beh_hf` | str | treating trust (the HF whose KPP model reported the cost) |
| `drg` | str | DRG of the stay, grouped with the *new* logic |
| `omsorgsniva` | int8 | 1 døgn, 2 dag, 3 poliklinikk (8 is treated like 3) |
| `liggetid` | int32 | length of stay in days |
| `utskrklar_dager` | int32 | days after the patient was reported ready for discharge |
| `kostnad_ore` | int64 | total cost of the stay, øre |
| `liggetidskostnad_ore` | int64 | the part of `kostnad_ore` that is length-of-stay cost |
| `egenandel_ore` | int64 | copay paid by the patient (may be null) |

Rows that break these rules are never dropped: `validate_kpp` adds `status`/`error` and the
estimation uses only rows with status ``ok``.
"""

from __future__ import annotations

import polars as pl

from isf.errors import IsfError

KPP_SCHEMA: dict[str, pl.DataType] = {
    "kontakt_id": pl.Int64(),
    "beh_hf": pl.String(),
    "drg": pl.String(),
    "omsorgsniva": pl.Int8(),
    "liggetid": pl.Int32(),
    "utskrklar_dager": pl.Int32(),
    "kostnad_ore": pl.Int64(),
    "liggetidskostnad_ore": pl.Int64(),
    "egenandel_ore": pl.Int64(),
}

#: kroner columns accepted by `from_kroner` and their øre counterparts
KRONER_COLUMNS = {
    "kostnad": "kostnad_ore",
    "liggetidskostnad": "liggetidskostnad_ore",
    "egenandel": "egenandel_ore",
}


class KppError(IsfError, ValueError):
    """The KPP table lacks a required column (a structural error, not a bad row)."""


def from_kroner(df: pl.DataFrame) -> pl.DataFrame:
    """Convert kroner columns (`kostnad`, ...) to øre columns, rounding half away from zero.

    Why: HF extracts report kroner with two decimals; the estimation wants exact integers.
    """
    out = df
    for kr, ore in KRONER_COLUMNS.items():
        if kr in out.columns and ore not in out.columns:
            # via the shortest decimal text, so 100.005 (a float just below it) rounds up
            micro = (
                pl.col(kr).cast(pl.String).str.strip_chars().cast(pl.Decimal(38, 6), strict=False)
                * 1_000_000
            ).cast(pl.Int64)
            ore_expr = micro.sign() * ((micro.abs() + 5000) // 10000)
            out = out.with_columns(ore_expr.cast(pl.Int64).alias(ore)).drop(kr)
    return out


def validate_kpp(df: pl.DataFrame) -> pl.DataFrame:
    """Cast to `KPP_SCHEMA` and add `status` (``ok`` or an error kind) and `error`.

    Error kinds: ``missing_value``, ``bad_omsorgsniva``, ``negative_value``,
    ``bad_liggetidskostnad`` (LOS cost above total cost), ``bad_utskrklar`` (more
    ready-for-discharge days than LOS days). Raises `KppError` only for missing columns.
    """
    df = from_kroner(df)
    if "egenandel_ore" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.Int64).alias("egenandel_ore"))
    missing = [c for c in KPP_SCHEMA if c not in df.columns]
    if missing:
        raise KppError(f"KPP table lacks column(s): {', '.join(missing)}")
    df = df.with_columns(
        [pl.col(c).cast(t, strict=False) for c, t in KPP_SCHEMA.items()]
    )
    required = [c for c in KPP_SCHEMA if c != "egenandel_ore"]
    any_null = pl.any_horizontal([pl.col(c).is_null() for c in required])
    checks: list[tuple[pl.Expr, str, str]] = [
        (any_null, "missing_value", "a required field is empty or not a number"),
        (
            ~pl.col("omsorgsniva").is_in([1, 2, 3, 8]),
            "bad_omsorgsniva",
            "omsorgsniva must be 1, 2, 3 or 8",
        ),
        (
            pl.any_horizontal(
                [
                    pl.col(c) < 0
                    for c in (
                        "liggetid",
                        "utskrklar_dager",
                        "kostnad_ore",
                        "liggetidskostnad_ore",
                    )
                ]
            ),
            "negative_value",
            "liggetid, utskrklar_dager and costs must not be negative",
        ),
        (
            pl.col("liggetidskostnad_ore") > pl.col("kostnad_ore"),
            "bad_liggetidskostnad",
            "liggetidskostnad_ore exceeds kostnad_ore",
        ),
        (
            pl.col("utskrklar_dager") > pl.col("liggetid"),
            "bad_utskrklar",
            "utskrklar_dager exceeds liggetid",
        ),
    ]
    status: pl.Expr = pl.lit("ok")
    error: pl.Expr = pl.lit(None, dtype=pl.String)
    for cond, kind, msg in reversed(checks):
        status = pl.when(cond.fill_null(False)).then(pl.lit(kind)).otherwise(status)
        error = pl.when(cond.fill_null(False)).then(pl.lit(msg)).otherwise(error)
    return df.with_columns(status.alias("status"), error.alias("error"))
