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

Rows that break these rules are never dropped: `validate_kpp` adds `status`/`error` (the
error names the row, counted from 1 in the table as given, and the field) and the estimation
uses only rows with status ``ok``. `KppSummary` counts the rejected rows by reason so that
they are reported, not lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from isf.errors import IsfError, Status

__all__ = ["KPP_SCHEMA", "KRONER_COLUMNS", "KppError", "KppSummary", "from_kroner", "summarize_kpp", "validate_kpp"]

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


@dataclass(frozen=True)
class KppSummary:
    """How many KPP rows were read, used and rejected (by status), for the user to see."""

    rows: int
    ok: int
    rejected: dict[str, int]

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.rejected.items()))
        rej = self.rows - self.ok
        return f"{self.rows} KPP rows: {self.ok} used, {rej} rejected" + (f" ({kinds})" if kinds else "")


def summarize_kpp(checked: pl.DataFrame) -> KppSummary:
    """Counts of a `validate_kpp` result: rows, rows used, and rejected rows by status."""
    counts = dict(checked.group_by("status").len().iter_rows()) if checked.height else {}
    ok = int(counts.pop(Status.OK.value, 0))
    return KppSummary(rows=checked.height, ok=ok, rejected={str(k): int(v) for k, v in counts.items()})


def from_kroner(df: pl.DataFrame) -> pl.DataFrame:
    """Convert kroner columns (`kostnad`, ...) to øre columns, rounding half away from zero.

    Why: HF extracts report kroner with two decimals; the estimation wants exact integers.
    Text that is not a number becomes null here; `validate_kpp` reports it ("not a number").
    """
    out = df
    for kr, ore in KRONER_COLUMNS.items():
        if kr in out.columns and ore not in out.columns:
            # via the shortest decimal text, so 100.005 (a float just below it) rounds up
            micro = (
                pl.col(kr).cast(pl.String).str.strip_chars().cast(pl.Decimal(38, 6), strict=False)
                * 1_000_000
            ).cast(pl.Int64, strict=False)
            ore_expr = micro.sign() * ((micro.abs() + 5000) // 10000)
            out = out.with_columns(ore_expr.cast(pl.Int64).alias(ore), pl.col(kr).is_not_null().alias(f"_given_{ore}"))
            out = out.drop(kr)
    return out


def _first(conds: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The message of the first true condition, else null."""
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for cond, msg in reversed(conds):
        expr = pl.when(cond.fill_null(False)).then(pl.lit(msg)).otherwise(expr)
    return expr


def validate_kpp(df: pl.DataFrame) -> pl.DataFrame:
    """Cast to `KPP_SCHEMA` and add `status` (``ok`` or an error kind) and `error`.

    Error kinds: ``missing_value`` (empty, or not a number), ``bad_omsorgsniva``,
    ``negative_value``, ``bad_liggetidskostnad`` (LOS cost above total cost), ``bad_utskrklar``
    (more ready-for-discharge days than LOS days). `error` reads ``row N: field: reason``
    (never the value). Raises `KppError` only for missing columns.
    """
    df = from_kroner(df)
    if "egenandel_ore" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.Int64).alias("egenandel_ore"))
    missing = [c for c in KPP_SCHEMA if c not in df.columns]
    if missing:
        kroner = {ore: kr for kr, ore in KRONER_COLUMNS.items()}
        named = [f"{c} (or {kroner[c]} in kroner)" if c in kroner else c for c in missing]
        raise KppError(f"KPP table lacks column(s): {', '.join(named)}")
    given = {c: (pl.col(f"_given_{c}") if f"_given_{c}" in df.columns else pl.col(c).is_not_null()) for c in KPP_SCHEMA}
    df = df.with_columns([given[c].alias(f"_given_{c}") for c in KPP_SCHEMA])
    # a float that is not whole (2.5 days, NaN) would be truncated by the cast: make it null, then report it
    df = df.with_columns([
        pl.when(pl.col(c).is_finite() & (pl.col(c) == pl.col(c).floor())).then(pl.col(c)).otherwise(None).alias(c)
        for c, t in KPP_SCHEMA.items() if t.is_integer() and df.schema[c].is_float()
    ])
    df = df.with_columns([pl.col(c).cast(t, strict=False) for c, t in KPP_SCHEMA.items()])
    required = [c for c in KPP_SCHEMA if c != "egenandel_ore"]
    field_problems: list[tuple[pl.Expr, str]] = []
    for c, t in KPP_SCHEMA.items():
        bad = pl.col(f"_given_{c}") & pl.col(c).is_null()
        field_problems.append((bad, f"{c}: not a whole number" if t.is_integer() else f"{c}: not text"))
        if c in required:
            field_problems.append((~pl.col(f"_given_{c}"), f"{c}: missing"))
    negative = [(pl.col(c) < 0, f"{c}: negative") for c in ("liggetid", "utskrklar_dager", "kostnad_ore",
                                                             "liggetidskostnad_ore")]
    checks: list[tuple[pl.Expr, str, pl.Expr]] = [
        (pl.any_horizontal([c for c, _ in field_problems]), Status.MISSING_VALUE.value, _first(field_problems)),
        (~pl.col("omsorgsniva").is_in([1, 2, 3, 8]), Status.BAD_OMSORGSNIVA.value,
         pl.lit("omsorgsniva: must be 1, 2, 3 or 8")),
        (pl.any_horizontal([c for c, _ in negative]), Status.NEGATIVE_VALUE.value, _first(negative)),
        (pl.col("liggetidskostnad_ore") > pl.col("kostnad_ore"), Status.BAD_LIGGETIDSKOSTNAD.value,
         pl.lit("liggetidskostnad_ore: exceeds kostnad_ore")),
        (pl.col("utskrklar_dager") > pl.col("liggetid"), Status.BAD_UTSKRKLAR.value,
         pl.lit("utskrklar_dager: exceeds liggetid")),
    ]
    status: pl.Expr = pl.lit(Status.OK.value)
    error: pl.Expr = pl.lit(None, dtype=pl.String)
    for cond, kind, msg in reversed(checks):
        status = pl.when(cond.fill_null(False)).then(pl.lit(kind)).otherwise(status)
        error = pl.when(cond.fill_null(False)).then(pl.format("row {}: {}", pl.col("_row"), msg)).otherwise(error)
    return (
        df.with_row_index("_row", offset=1)
        .with_columns(status.alias("status"), error.alias("error"))
        .drop(["_row", *(f"_given_{c}" for c in KPP_SCHEMA)])
    )
