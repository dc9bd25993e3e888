"""The activity as settlement reads it: the column contract, its check, and the typed frame.

`check_columns` lists every problem of an activity schema at once (missing columns, columns
of the wrong kind), so a run stops before grouping with the full list. `prepare` adds the
internal columns the rules read (`isf.settlement.rules.FRAME_COLUMNS`), keeping every input
row and column in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from isf.errors import InputError
from isf.settlement.rules import PARAM_SECTOR

__all__ = [
    "OPTIONAL",
    "OUTPUT_ROW_COLUMNS",
    "PLACE_COLUMNS",
    "REQUIRED",
    "ROW_INDEX",
    "ActivityColumnsError",
    "check_columns",
    "prepare",
]

#: columns settlement needs (name -> kind), besides the grouping result (`drg`, `status`)
REQUIRED: dict[str, str] = {
    "kontakt_id": "integer",
    "pasient_id": "text",
    "inn_dato": "date",
    "sektor": "text",
    "debitor": "integer",
    "omsorgsniva": "integer",
    "bo_rhf": "text",
    "bo_hf": "text",
    "beh_hf": "text",
    "prosedyrer": "list",
    "hdiag": "text",
    "bdiag": "list",
}
#: optional columns and what their absence means
OPTIONAL: dict[str, str] = {
    "ut_dato": "date (absent: inn_dato)",
    "beh_rhf": "text (absent: empty)",
    "liggetid": "integer (absent: 0)",
    "utskrklar_dager": "integer (absent: 0)",
    "ambulant": "bool (absent: false)",
    "kontakt_type": "integer (absent: unknown)",
    "fodselsdato": "date (absent: unknown, no copay points)",
    "opphold_id": "integer (absent: every row its own stay)",
    "isf_enhet": "bool (absent: true)",
    "ungdomsteam": "bool (absent: false): contact in a psychiatric youth team (PUT), no copay points to age 30",
    "egenandel_rapportert": "bool (absent: unknown): copay reported (NPR 201b); before 2022 a somatic phone "
                            "consultation without it is not ISF",
    "act_halv_maaned": "bool (absent: true): an IEAD00 contact whose patient the ACT team followed at least half "
                       "the calendar month (STG ACT)",
    "hdiag2": "text",
    "mdc": "text (grouping result)",
}

#: optional activity column: each row's position in the whole input (0-based), for parts of a
#: year settled apart (`isf.settlement.stream`); absent, a row's position in the frame is used
ROW_INDEX = "_isf_rad"

#: where a unit belongs (copied to every unit; absent columns are empty)
PLACE_COLUMNS = ("bo_rhf", "bo_hf", "beh_rhf", "beh_hf", "mdc")

#: columns settlement writes on each input row (an input column of the same name is replaced)
OUTPUT_ROW_COLUMNS = (
    "vekt", "trimpunkt", "liggetid_isf", "poeng_basis", "poeng_langligger", "poeng_ambulant",
    "poeng_egenandel", "poeng_trekk", "isf_poeng", "isf_tellende", "isf_arsak", "poeng_regel",
    "baerende_kontakt_id", "aar", "tertial", "maaned", "isf_kroner",
)


class ActivityColumnsError(InputError):
    """The activity lacks columns settlement needs, or has them in a wrong kind: every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("activity cannot be settled:\n" + "\n".join(f"  - {p}" for p in problems)
                         + "\n(see docs/data-model.md)")


def check_columns(schema: Mapping[str, pl.DataType], *, grouped: bool) -> list[str]:
    """Every problem of `schema` for settlement (empty when it can be settled): the one schema
    check of `isf.activity.schema_problems` with settlement's required columns.

    `grouped` means the activity carries the grouping result (`drg`) and is not regrouped.
    """
    from isf.activity import schema_problems

    arrow = pl.DataFrame(schema=dict(schema)).to_arrow().schema
    return schema_problems(arrow, required_columns(grouped=grouped))


def required_columns(*, grouped: bool) -> list[str]:
    """The columns settlement needs (plus `drg` when the activity comes grouped)."""
    return [*REQUIRED, *(["drg"] if grouped else [])]


_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False, "j": True, "n": False, "ja": True, "nei": False}


def _col(names: list[str], name: str, default: object, dtype: Any, schema: Mapping[str, Any] | None = None) -> pl.Expr:
    if name not in names:
        return pl.lit(default, dtype=dtype)
    if dtype == pl.Boolean and schema is not None and schema.get(name) == pl.String:
        return pl.col(name).str.to_lowercase().replace_strict(_BOOL_TEXT, default=None, return_dtype=pl.Boolean)
    return pl.col(name).cast(dtype, strict=False)


def _date(names: list[str], name: str) -> pl.Expr | None:
    return pl.col(name).cast(pl.Date, strict=False) if name in names else None


def prepare(activity: pl.DataFrame, year: int) -> pl.DataFrame:
    """Every input row (same order) with the internal columns of `FRAME_COLUMNS` added.

    Earlier settlement output columns on the input (a points table settled again) are dropped.
    """
    df = activity.drop([c for c in OUTPUT_ROW_COLUMNS if c in activity.columns])
    names = df.columns
    out_date = _date(names, "ut_dato")
    in_date = _date(names, "inn_dato")
    dates = [d for d in (out_date, in_date) if d is not None]
    dato = pl.coalesce(dates) if dates else pl.lit(None, dtype=pl.Date)
    inn = pl.coalesce(list(reversed(dates))) if dates else pl.lit(None, dtype=pl.Date)
    drg = _col(names, "drg", None, pl.String)
    status = _col(names, "status", None, pl.String)
    sektor = _col(names, "sektor", None, pl.String)
    birth = _date(names, "fodselsdato")
    indexed = (df.with_columns(pl.col(ROW_INDEX).cast(pl.get_index_type()).alias("_i")) if ROW_INDEX in names
               else df.with_row_index("_i"))
    return indexed.with_columns(
        _type=pl.lit("DRG"),
        _gruppe=drg,
        _status=status,
        _ok=(status.is_null() | (status == "ok")) & drg.is_not_null() & (drg != ""),
        _sektor=sektor,
        _psek=sektor.replace_strict(PARAM_SECTOR, default=None, return_dtype=pl.String),
        _kid=_col(names, "kontakt_id", None, pl.Int64),
        _pid=_col(names, "pasient_id", None, pl.String),
        _oms=_col(names, "omsorgsniva", None, pl.Int64),
        _deb=_col(names, "debitor", None, pl.Int64),
        _ktype=_col(names, "kontakt_type", None, pl.Int64),
        _ligg=_col(names, "liggetid", 0, pl.Int64).fill_null(0),
        _uk=_col(names, "utskrklar_dager", 0, pl.Int64).fill_null(0),
        _amb=_col(names, "ambulant", False, pl.Boolean, df.schema).fill_null(False),
        _enhet=_col(names, "isf_enhet", True, pl.Boolean, df.schema).fill_null(True),
        _put=_col(names, "ungdomsteam", False, pl.Boolean, df.schema).fill_null(False),
        _egrapp=_col(names, "egenandel_rapportert", None, pl.Boolean, df.schema),
        _opph=_col(names, "opphold_id", None, pl.Int64),
        _dato=dato,
        _inn=inn,
        _aar=dato.dt.year().cast(pl.Int64).fill_null(year),
        _cyear=inn.dt.year().cast(pl.Int64).fill_null(year),
        _byear=birth.dt.year().cast(pl.Int64) if birth is not None else pl.lit(None, dtype=pl.Int64),
        _overtatt=pl.lit(None, dtype=pl.String),
        **{f"_{c}": _col(names, c, None, pl.String) for c in PLACE_COLUMNS},
    )
