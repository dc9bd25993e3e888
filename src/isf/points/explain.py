"""Explain the points of one stay/contact: each component with its rule and parameter source.

`explain_points` is a plain-Python restatement of the row rules of `compute_points` (steps
1-7 of `isf.points.compute`); it cannot see other rows, so the hospital-stay merge (step 8)
is not applied. Property tests check that both give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from isf.params.model import YearParams
from isf.points.rules import (
    EGENANDEL_OMSORGSNIVA,
    LANGLIGGER_OMSORGSNIVA,
    from_e4,
    share_e4,
    to_e4,
)
from isf.weights.weightlist import WeightList

__all__ = ["Explanation", "explain_points"]


class Explanation(NamedTuple):
    component: str
    value: Decimal
    rule: str
    source: str


_SEKTOR = {"somatikk": "somatikk", "phv": "phv_tsb", "tsb": "phv_tsb"}


def _int(v: Any, default: int | None = None) -> int | None:
    return default if v is None else int(v)


def _year_of(v: Any) -> int | None:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.year
    if isinstance(v, str) and len(v) >= 4:
        return int(v[:4])
    return None


def _not_counting(row: Mapping[str, Any], weights: WeightList, params: YearParams) -> tuple[str, str] | None:
    drg = row.get("drg")
    status = row.get("status")
    if not drg or (status is not None and status != "ok"):
        return f"ikke gruppert (status {status or 'ingen DRG'})", "grouping result"
    sec = _SEKTOR.get(str(row.get("sektor")))
    if sec is None:
        return f"ukjent sektor {row.get('sektor') or '(tom)'}", "docs/data-model.md"
    entry = weights.get(str(drg))
    if entry is None:
        return f"DRG {drg} mangler i vektlisten", weights.source
    if not entry.isf:
        return f"DRG {drg} er ikke ISF-finansiert (vektliste)", f"{weights.source} row {entry.row}"
    deb = _int(row.get("debitor"))
    if deb is None or deb not in params.get("alle", "isf_debitorer"):  # type: ignore[operator]
        return f"debitor {deb if deb is not None else '(tom)'} er ikke ISF-finansiert", params.source("alle", "isf_debitorer")
    if row.get("isf_enhet") is False:
        return "enheten er ikke ISF-tellende", "input column isf_enhet"
    oms = _int(row.get("omsorgsniva"))
    if oms not in params.get(sec, "isf_omsorgsniva"):  # type: ignore[operator]
        return f"omsorgsniva {oms if oms is not None else '(tom)'} i {row.get('sektor')} er ikke i ISF", params.source(sec, "isf_omsorgsniva")
    return None


def explain_points(
    row: Mapping[str, Any], weights: WeightList, params: YearParams
) -> list[Explanation]:
    """(component, value, rule, parameter source) for one row; the last item is isf_poeng."""
    why = _not_counting(row, weights, params)
    if why is not None:
        return [Explanation("isf_poeng", Decimal("0.0000"), f"ikke ISF: {why[0]}", why[1])]
    drg = str(row["drg"])
    sec = _SEKTOR[str(row["sektor"])]
    entry = weights.get(drg)
    assert entry is not None and entry.vekt is not None  # guaranteed by _not_counting
    wsrc = f"{weights.source} row {entry.row}" + (" (DEMO weights)" if weights.demo else "")
    oms = _int(row.get("omsorgsniva"))
    basis = to_e4(entry.vekt)
    out = [Explanation("poeng_basis", from_e4(basis), f"vekt of DRG {drg}", wsrc)]

    ligg = _int(row.get("liggetid"), 0) or 0
    uk = _int(row.get("utskrklar_dager"), 0) or 0
    lig_isf = max(ligg - uk, 0)
    lang = 0
    rule = "no long-stay supplement"
    if oms in LANGLIGGER_OMSORGSNIVA and entry.trimpunkt is not None and entry.vekt_per_dag is not None:
        over = lig_isf - entry.trimpunkt
        if over > 0:
            lang = over * to_e4(entry.vekt_per_dag)
            rule = f"({ligg} - {uk} utskrklar - trimpunkt {entry.trimpunkt}) x {entry.vekt_per_dag}"
        else:
            rule = f"liggetid_isf {lig_isf} <= trimpunkt {entry.trimpunkt}"
    out.append(Explanation("poeng_langligger", from_e4(lang), rule, wsrc))

    amb = 0
    if bool(row.get("ambulant")) and params.flag("regel_ambulant"):
        amb = to_e4(params.decimal(sec, "ambulant_vekt"))
        out.append(Explanation("poeng_ambulant", from_e4(amb), "ambulant contact", params.source(sec, "ambulant_vekt")))
    else:
        out.append(Explanation("poeng_ambulant", from_e4(0), "not ambulant", ""))

    ega = 0
    ega_rule, ega_src = "not a PHV/TSB outpatient contact", ""
    if sec == "phv_tsb" and oms in EGENANDEL_OMSORGSNIVA:
        ega_src = params.source("alle", "regel_egenandel_u26")
        if not params.flag("regel_egenandel_u26"):
            ega_rule = "copay rule not in force this year"
        else:
            maks = int(params.decimal("alle", "egenandel_maks_alder"))
            cyear = _year_of(row.get("inn_dato")) or _year_of(row.get("ut_dato")) or params.year
            byear = _year_of(row.get("fodselsdato"))
            ktype = _int(row.get("kontakt_type"))
            if ktype not in params.get("alle", "egenandel_kontakttyper"):  # type: ignore[operator]
                ega_rule = f"kontakt_type {ktype} carries no copay"
            elif drg in params.get("alle", "egenandel_unntak_drg"):  # type: ignore[operator]
                ega_rule = f"DRG {drg} excepted (LAR)"
            elif byear is None:
                ega_rule = "fodselsdato missing"
            elif cyear - byear > maks:
                ega_rule = f"{cyear} - {byear} > {maks}"
            else:
                ega = to_e4(params.decimal("phv_tsb", "egenandel_poeng"))
                ega_rule = f"{cyear} - {byear} <= {maks}: ISF points instead of copay"
                ega_src = params.source("phv_tsb", "egenandel_poeng")
    out.append(Explanation("poeng_egenandel", from_e4(ega), ega_rule, ega_src))

    trekk = 0
    trekk_rule, trekk_src = "DRG not in the 980 series", ""
    prefixes = params.get("alle", "trekk_drg_prefiks")
    if any(drg.startswith(p) for p in prefixes):  # type: ignore[union-attr]
        trekk_src = params.source("alle", "regel_trekk_980")
        if params.flag("regel_trekk_980"):
            andel = params.decimal("alle", "trekk_andel")
            trekk = -share_e4(basis, andel)
            trekk_rule = f"-{andel} x poeng_basis"
            trekk_src = params.source("alle", "trekk_andel")
        else:
            trekk_rule = "980 deduction not in force this year"
    out.append(Explanation("poeng_trekk", from_e4(trekk), trekk_rule, trekk_src))
    total = basis + lang + amb + ega + trekk
    out.append(Explanation("isf_poeng", from_e4(total), "sum of the components", ""))
    return out
