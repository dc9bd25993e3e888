"""The settlement rules, each one named entry in `RULES`: name, years, source, computation.

Adding a rule is adding one `Rule` here (and a golden case citing the same seed line): the
batch computation (`isf.settlement.settle`), the per-unit explanation (`isf explain --year`,
the web points view) and the rule table of docs/points.md all read this one list.

Kinds of rule:

* ``vilkaar`` (eligibility): ``compute(frame, params)`` gives ``(fails, reason)`` expressions.
  Rules are tested in registry order; the first failing one names the unit's ``isf_arsak``.
  ``aktivitet=True`` marks rules about the contact itself (sector, year, debitor, unit, care
  level): only contacts passing them form STG/TFG units.
* ``poeng`` (a point component): ``compute(frame, params)`` gives ``(value, text)``: the
  component in integer ten-thousandths (0 where it does not apply) and the rule text (null
  where it does not apply). Only counting units get points.
* ``samling`` and ``kroner``: steps whose code is in `isf.settlement.units` / `money`; listed
  here so every number can cite its rule.

A rule applies to the unit kinds in ``kinds`` (DRG, STG, TFG) in the years ``years`` (first,
last; None = open). Parameters are read through `Params`, which records every missing one so a
run reports them all at once. Column names of the frame the rules see: `FRAME_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import polars as pl

from isf.params.model import MissingParameterError, MissingParametersError, YearParams
from isf.settlement.fixed import E4, to_e4, txt_e4

__all__ = [
    "FRAME_COLUMNS",
    "KINDS",
    "PARAM_SECTOR",
    "RULES",
    "SEEDS",
    "Params",
    "Rule",
    "Source",
    "rule",
    "rules_for",
]

KINDS = ("DRG", "STG", "TFG")
Kind = Literal["vilkaar", "poeng", "samling", "kroner"]

#: seed number -> file under ../shared/seeds
SEEDS = {
    "000": "000_c7cc28bded1cb935.txt",
    "001": "001_da74256db84cd38b.txt",
    "002": "002_0e0619ee0f506de5.txt",
    "003": "003_d87f395d066b866b.txt",
    "004": "004_bcd00c97214dae43.txt",
}

#: activity `sektor` -> parameter sector (PHV and TSB share price, share and supplements)
PARAM_SECTOR = {"somatikk": "somatikk", "phv": "phv_tsb", "tsb": "phv_tsb"}

#: what the rule expressions may read (built by `isf.settlement.units`)
FRAME_COLUMNS = {
    "_type": "DRG, STG or TFG",
    "_gruppe": "group code (DRG, STG or TFG code)",
    "_ok": "DRG: the row is grouped (status ok, drg set); STG/TFG: always true",
    "_status": "grouping status of the row",
    "_sektor": "activity sector (somatikk, phv, tsb)",
    "_psek": "parameter sector (somatikk, phv_tsb) or null",
    "_oms": "omsorgsniva", "_deb": "debitor", "_ktype": "kontakt_type", "_enhet": "isf_enhet (null = true)",
    "_ligg": "liggetid", "_uk": "utskrklar_dager", "_amb": "ambulant",
    "_put": "ungdomsteam (contact in a psychiatric youth team, PUT; DRG frame only)",
    "_egrapp": "egenandel_rapportert (copay reported, NPR 201b; null = unknown; DRG frame only)",
    "_aar": "year of the unit", "_cyear": "year of the contact", "_byear": "birth year",
    "_overtatt": "TFG that took over the contact's DRG points, or null",
    "_count": "the unit passed every eligibility rule (set before the point rules run)",
    "_w_found": "group has a weight-list entry", "_w_isf": "entry is ISF-financed",
    "_w_vekt": "weight, e4", "_w_trim": "trimpunkt, days", "_w_dag": "weight per day beyond trimpunkt, e4",
}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a rule comes from: a seed line quoted word for word, or a stated convention."""

    seed: str | None  # "002" (see SEEDS), or None for a convention/assumption
    line: int | None
    quote: str
    note: str = ""

    def cite(self) -> str:
        if self.seed is None:
            return self.note or self.quote
        where = f"seeds/{SEEDS[self.seed]}:{self.line}"
        return f"{where} «{self.quote}»" + (f" ({self.note})" if self.note else "")


class Params:
    """Year parameters as the rules read them: a missing value is recorded, not raised.

    The computation goes on with a neutral value; `check()` then raises one
    `MissingParametersError` naming every missing parameter of the run.
    """

    def __init__(self, params: YearParams) -> None:
        self.params = params
        self.year = params.year
        self.missing: list[tuple[str, str]] = []
        self.used: set[tuple[str, str]] = set()

    def _get(self, sector: str, name: str, default: Any) -> Any:
        self.used.add((sector, name))
        try:
            return self.params.get(sector, name)
        except MissingParameterError:
            if (sector, name) not in self.missing:
                self.missing.append((sector, name))
            return default

    def decimal(self, sector: str, name: str) -> Decimal:
        v = self._get(sector, name, Decimal(0))
        return v if isinstance(v, Decimal) else Decimal(0)

    def ints(self, sector: str, name: str) -> list[int]:
        return [int(x) for x in self._get(sector, name, ())]

    def strs(self, sector: str, name: str) -> list[str]:
        return [str(x) for x in self._get(sector, name, ())]

    def source(self, sector: str, name: str) -> str:
        return self.params.source(sector, name) if self.params.has(sector, name) else "mangler"

    def check(self) -> None:
        """Raise `MissingParametersError` listing every parameter some unit needed."""
        if self.missing:
            raise MissingParametersError(self.year, list(self.missing))


Compute = Callable[[pl.DataFrame, Params], tuple[pl.Expr, pl.Expr]]


@dataclass(frozen=True)
class Rule:
    """One rule: a name, the unit kinds and years it applies to, its source and computation."""

    name: str
    kind: Kind
    text: str  # what the rule does, in words (docs, explanations)
    source: Source
    kinds: tuple[str, ...] = KINDS
    years: tuple[int | None, int | None] = (None, None)
    compute: Compute | None = None
    component: str | None = None  # output column of a `poeng` rule
    params: tuple[str, ...] = ()  # "alle.isf_debitorer", "{sektor}.ambulant_vekt"
    aktivitet: bool = False  # `vilkaar` about the contact itself (forms STG/TFG only if passed)
    uses_weight: bool = False  # the weight-list row is part of the source

    def in_force(self, year: int) -> bool:
        first, last = self.years
        return (first is None or year >= first) and (last is None or year <= last)

    def years_text(self) -> str:
        first, last = self.years
        if first is None and last is None:
            return "alle år"
        if first is None:
            return f"til og med {last}"
        if last is None:
            return f"fra {first}"
        return f"{first}–{last}"


# --- helpers shared by the rule computations ------------------------------------------------

def _present(df: pl.DataFrame, cond: pl.Expr) -> bool:
    return df.height > 0 and bool(df.select(cond.fill_null(False).any()).item())


def _per_sector(df: pl.DataFrame, p: Params, name: str, where: pl.Expr, *, kind: str = "decimal") -> pl.Expr:
    """The sector's value of parameter `name` for rows in `where` (fetched only for sectors present)."""
    sectors = df.select(pl.col("_psek").filter(where.fill_null(False)).drop_nulls().unique().sort()).to_series().to_list()
    out: pl.Expr = pl.lit(None, dtype=E4 if kind == "decimal" else pl.List(pl.Int64))
    for sec in sectors:
        if kind == "decimal":
            value: pl.Expr = pl.lit(to_e4(p.decimal(sec, name)), dtype=E4)
        else:
            value = pl.lit(p.ints(sec, name), dtype=pl.List(pl.Int64))
        out = pl.when(pl.col("_psek") == sec).then(value).otherwise(out)
    return out


def _is(kinds: tuple[str, ...]) -> pl.Expr:
    return pl.col("_type").is_in(list(kinds))


def _opt(df: pl.DataFrame, name: str, default: object, dtype: pl.DataType) -> pl.Expr:
    """A column only some frames carry (the DRG frame has the contact's inputs, STG/TFG units not)."""
    return pl.col(name) if name in df.columns else pl.lit(default, dtype=dtype)


# --- eligibility (vilkaar) ----------------------------------------------------------------

def _gruppert(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return ~pl.col("_ok"), pl.format("ikke gruppert (status {})", pl.col("_status").fill_null("ingen DRG"))


def _sektor(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return pl.col("_psek").is_null(), pl.format("ukjent sektor {}", pl.col("_sektor").fill_null("(tom)"))


def _aar(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return (pl.col("_aar") != p.year), pl.format("år {} er utenfor oppgjørsåret {}", pl.col("_aar"), pl.lit(p.year))


def _debitor(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    debs = p.ints("alle", "isf_debitorer")
    fails = pl.col("_deb").is_null() | ~pl.col("_deb").is_in(debs)
    return fails, pl.format("debitor {} er ikke ISF-finansiert", pl.col("_deb").cast(pl.String).fill_null("(tom)"))


def _isf_enhet(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return ~pl.col("_enhet"), pl.lit("enheten er ikke ISF-tellende (isf_enhet)")


def _omsorgsniva(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    levels = _per_sector(df, p, "isf_omsorgsniva", pl.col("_psek").is_not_null(), kind="ints")
    fails = ~pl.col("_oms").is_in(levels).fill_null(False)
    reason = pl.format("omsorgsnivå {} i {} er ikke i ISF", pl.col("_oms").cast(pl.String).fill_null("(tom)"),
                       pl.col("_sektor"))
    return fails, reason


#: NPR kontaktType 7 telefonkonsultasjon (docs/npr-npk-glossary.md)
TELEFON_KONTAKTTYPE = 7


def _telefon_egenandel(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    reported = _opt(df, "_egrapp", None, pl.Boolean())
    fails = (pl.col("_psek") == "somatikk") & (pl.col("_ktype") == TELEFON_KONTAKTTYPE) & reported.not_()
    return fails.fill_null(False), pl.lit("somatisk telefonkonsultasjon uten rapportert egenandel (før 2022: DRG 470)")


#: «pasienter med leppe, kjeve og ganespalte og kraniofaciale tilstander» ([002] 825-826): ICD-10
#: Q35-Q37 (clefts), Q67 and Q75 (face and skull); the procedure codes of the treatment are the parameter
KJEVE_DIAGNOSER = ("Q35", "Q36", "Q37", "Q67", "Q75")


#: input columns (not internal ones) a rule reads: `Settler` keeps them on the DRG frame
INPUT_READS = ("prosedyrer", "hdiag", "bdiag")


def _kjeveortopedi(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    none = pl.lit(False), pl.lit(None, dtype=pl.String)
    if not set(INPUT_READS) <= set(df.columns):
        return none
    diag = pl.concat_list(pl.col("hdiag").cast(pl.String), pl.col("bdiag").cast(pl.List(pl.String)).fill_null([]))
    patient = diag.list.eval(pl.element().str.contains("^(" + "|".join(KJEVE_DIAGNOSER) + ")")).list.any()
    patient = patient.fill_null(False)
    if not _present(df, patient):
        return none  # no cleft or craniofacial patient: the code list is not needed
    codes = p.strs("alle", "kjeveortopedi_koder")
    hit = patient & pl.col("prosedyrer").list.eval(pl.element().is_in(codes)).list.any().fill_null(False)
    return hit, pl.lit("kjeveortopedisk behandling ved leppe-kjeve-ganespalte: finansiert av folketrygden fra 2026")


def _tfg_overtatt(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return pl.col("_overtatt").is_not_null(), pl.format("finansiert gjennom TFG {}", pl.col("_overtatt"))


def _vekt_finnes(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return ~pl.col("_w_found"), pl.format("{} {} mangler i vektlisten", pl.col("_type"), pl.col("_gruppe"))


def _vekt_isf(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return ~pl.col("_w_isf"), pl.format("{} {} er ikke ISF-finansiert (vektliste)", pl.col("_type"), pl.col("_gruppe"))


# --- point components (poeng) -------------------------------------------------------------

def _basis(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return pl.col("_w_vekt"), pl.format("vekt {} ({} {})", txt_e4(pl.col("_w_vekt")), pl.col("_type"), pl.col("_gruppe"))


LANGLIGGER_OMSORGSNIVA = (1,)


def _langligger(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    over = (pl.col("_ligg") - pl.col("_uk")).clip(lower_bound=0) - pl.col("_w_trim")
    applies = pl.col("_oms").is_in(LANGLIGGER_OMSORGSNIVA) & pl.col("_w_dag").is_not_null() & (over > 0)
    value = pl.when(applies).then(over * pl.col("_w_dag")).otherwise(0)
    text = pl.when(applies).then(pl.format(
        "({} liggedager - {} utskrivningsklar - trimpunkt {}) x {}",
        pl.col("_ligg"), pl.col("_uk"), pl.col("_w_trim"), txt_e4(pl.col("_w_dag"))))
    return value, text


#: an ambulant *consultation* is an outpatient contact ([004] 250-252 «ambulante konsultasjoner»)
AMBULANT_OMSORGSNIVA = (3,)
#: [004] 291-293: from 2022 also palliative ambulant day treatment in DRG 959W
AMBULANT_DAG_DRG = ("959W",)


def _ambulant_weight(df: pl.DataFrame, p: Params, applies: pl.Expr, label: str) -> tuple[pl.Expr, pl.Expr]:
    cand = (applies & pl.col("_count")).fill_null(False)
    if not _present(df, cand):
        return pl.lit(0, dtype=E4), pl.lit(None, dtype=pl.String)
    value = pl.when(cand).then(_per_sector(df, p, "ambulant_vekt", cand)).otherwise(0)
    return value, pl.when(cand).then(pl.format(label + " {}", txt_e4(value)))


def _ambulant(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    return _ambulant_weight(df, p, pl.col("_amb") & pl.col("_oms").is_in(AMBULANT_OMSORGSNIVA), "ambulant tillegg")


def _ambulant_palliativ(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    day = pl.col("_amb") & pl.col("_gruppe").is_in(AMBULANT_DAG_DRG) & ~pl.col("_oms").is_in(AMBULANT_OMSORGSNIVA)
    return _ambulant_weight(df, p, day, "ambulant tillegg (palliativ dagbehandling, DRG 959W)")


EGENANDEL_OMSORGSNIVA = (3,)


def _egenandel(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    cand = pl.col("_count") & (pl.col("_psek") == "phv_tsb") & pl.col("_oms").is_in(EGENANDEL_OMSORGSNIVA)
    none = pl.lit(0, dtype=E4), pl.lit(None, dtype=pl.String)
    if not _present(df, cand):
        return none
    maks = int(p.decimal("alle", "egenandel_maks_alder"))
    types = p.ints("alle", "egenandel_kontakttyper")
    unntak = p.strs("alle", "egenandel_unntak_drg")
    age = pl.col("_cyear") - pl.col("_byear")
    # «pasienter i LAR» ([002] 1134): a patient with a LAR contact (egenandel_unntak_drg) in the year
    # (the patients looked up once, not a window per row; rows without pasient_id are one patient)
    lar: pl.Expr = pl.col("_gruppe").is_in(unntak)
    if "_pid" in df.columns:
        lar_pids = df.filter(lar).get_column("_pid")
        if not lar_pids.len():
            lar = pl.lit(False)
        else:
            lar = pl.col("_pid").is_in(lar_pids.drop_nulls().unique().implode())
            if lar_pids.null_count():
                lar = lar | pl.col("_pid").is_null()
    elig = (
        cand & pl.col("_ktype").is_in(types) & ~lar.fill_null(False)
        & pl.col("_byear").is_not_null() & (age <= maks)
    ).fill_null(False)
    put = (_opt(df, "_put", False, pl.Boolean()) & elig).fill_null(False)
    if _present(df, put):  # «PUT opp til 30 år» ([002] 1134-1135): the refund is in the unit price
        elig = elig & ~(put & (age <= int(p.decimal("alle", "egenandel_put_maks_alder"))))
    if not _present(df, elig):
        return none
    pts = to_e4(p.decimal("phv_tsb", "egenandel_poeng"))
    value = pl.when(elig).then(pl.lit(pts, dtype=E4)).otherwise(0)
    text = pl.when(elig).then(pl.format(
        "ISF-poeng i stedet for egenandel: {} (PHV/TSB, {} - {} <= {} år)",
        txt_e4(pl.lit(pts, dtype=E4)), pl.col("_cyear"), pl.col("_byear"), pl.lit(maks)))
    return value, text


#: the 980 series of emergency DRGs: 980- (stays under 5 hours) and 981X ([000] 634, 643; [002] 838)
SERIE_980 = ("980", "981")


def _trekk_980(df: pl.DataFrame, p: Params) -> tuple[pl.Expr, pl.Expr]:
    none = pl.lit(0, dtype=E4), pl.lit(None, dtype=pl.String)
    serie = pl.lit(False)
    for pre in SERIE_980:
        serie = serie | pl.col("_gruppe").str.starts_with(pre)
    if not _present(df, (pl.col("_type") == "DRG") & pl.col("_count") & serie):
        return none
    # «kun … i noen tilfeller» ([002] 858): which 980-series DRGs is the user's parameter
    match = pl.col("_gruppe").is_in(p.strs("alle", "trekk_drg"))
    if not _present(df, (pl.col("_type") == "DRG") & pl.col("_count") & match):
        return none
    num, den = p.decimal("alle", "trekk_andel").as_integer_ratio()
    # round_half_up(share x basis) in ten-thousandths (basis >= 0): integer arithmetic
    value = pl.when(match).then(-((2 * pl.col("_w_vekt") * num + den) // (2 * den))).otherwise(0)
    return value, pl.when(match).then(pl.format("980-trekk {}", txt_e4(value)))


# --- the registry ---------------------------------------------------------------------------

_CONVENTION = "isf convention (docs/points.md)"

RULES: tuple[Rule, ...] = (
    Rule("gruppert", "vilkaar", "Bare grupperte opphold (status ok, DRG satt) gir DRG-poeng.",
         Source(None, None, "grouping result", _CONVENTION), kinds=("DRG",), compute=_gruppert),
    Rule("sektor", "vilkaar", "Sektor må være somatikk, phv eller tsb.",
         Source("002", 52, "Omsorgsnivå Somatikk Psykisk helsevern og TSB"),
         compute=_sektor, aktivitet=True),
    Rule("aar", "vilkaar", "Enheten hører til oppgjørsåret (utskrivningsdato, ellers innskrivningsdato).",
         Source(None, None, "settlement year", _CONVENTION), compute=_aar, aktivitet=True),
    Rule("debitor", "vilkaar", "Debitor er ISF-finansiert (alle.isf_debitorer).",
         Source("002", 813, "men med egen debitorskode slik at det ikke inngår",
                "debitor decides ISF; the list of ISF debitors is a parameter"),
         compute=_debitor, params=("alle.isf_debitorer",), aktivitet=True),
    Rule("isf_enhet", "vilkaar", "Enheten er ISF-tellende (inndata isf_enhet, tom = ja).",
         Source(None, None, "input column isf_enhet", "docs/data-model.md"), compute=_isf_enhet, aktivitet=True),
    Rule("omsorgsniva", "vilkaar", "Omsorgsnivået er i ISF for sektoren (<sektor>.isf_omsorgsniva).",
         Source("002", 55, "Innlagte 30 % ISF 100 % ramme", "inpatient PHV/TSB is frame-financed"),
         compute=_omsorgsniva, params=("{sektor}.isf_omsorgsniva",), aktivitet=True),
    Rule("telefon_egenandel", "vilkaar",
         "Før 2022: en somatisk telefonkonsultasjon (kontakttype 7) uten rapportert egenandel er ikke ISF-aktivitet.",
         Source("004", 201, "For telefonkonsultasjoner innen somatikk fjernes kravet om rapportert egenandel (201b)",
                "from 2022; before, such a contact grouped to DRG 470 (line 223); input egenandel_rapportert"),
         kinds=("DRG",), years=(None, 2021), compute=_telefon_egenandel, aktivitet=True),
    Rule("kjeveortopedi", "vilkaar",
         "Fra 2026: kjeveortopedisk behandling (alle.kjeveortopedi_koder) av pasienter med leppe-kjeve-ganespalte "
         "og kraniofaciale tilstander (ICD-10 Q35-Q37, Q67, Q75) er ikke i ISF.",
         Source("002", 836, "tilbake til folketrygden for 2026, og inngår med det ikke lenger i ISF-",
                "in ISF 2025 only; the procedure codes are a parameter"),
         kinds=("DRG",), years=(2026, None), compute=_kjeveortopedi, params=("alle.kjeveortopedi_koder",),
         aktivitet=True),
    Rule("tfg_overtatt", "vilkaar",
         "Kontakter i en TFG som overtar DRG-poengene (overtar_drg_poeng) gir ingen egne DRG-poeng.",
         Source("003", 169, "Det beregnes imidlertid ikke ISF-poeng for oppholdene/kontaktene"),
         kinds=("DRG",), compute=_tfg_overtatt),
    Rule("vekt_finnes", "vilkaar", "Gruppen står i vektlisten for sin type (DRG-, STG- eller TFG-listen).",
         Source("003", 55, "#### DRG-liste (XLS)", "with «STG-liste (XLS)» line 59 and «TFG-liste (XLS)» line 63"),
         compute=_vekt_finnes, uses_weight=True),
    Rule("vekt_isf", "vilkaar", "Gruppen er ISF-finansiert i vektlisten (isf = J).",
         Source("003", 59, "#### STG-liste (XLS)", "STG/TFG without financing are listed with isf = N"),
         compute=_vekt_isf, uses_weight=True),
    Rule("basis", "poeng", "poeng_basis = gruppens vekt fra vektlisten.",
         Source("003", 55, "#### DRG-liste (XLS)"), compute=_basis, component="poeng_basis", uses_weight=True),
    Rule("langligger", "poeng",
         "poeng_langligger = (liggetid - utskrivningsklare dager - trimpunkt) x vekt per dag, for døgnopphold over trimpunkt.",
         Source("004", 1079, "til liggetid over trimpunkt og liggetid ut over tidspunkt der pasientene er meldt utskrivningsklar.",
                "the days the cost weight leaves out; paid by the day weight of the weight list"),
         kinds=("DRG",), compute=_langligger, component="poeng_langligger", uses_weight=True),
    Rule("ambulant", "poeng",
         "poeng_ambulant = <sektor>.ambulant_vekt for ambulante konsultasjoner (poliklinisk, omsorgsnivå 3, ambulant).",
         Source("004", 252, "Reglene ble harmonisert til også å omfatte somatiske ambulante konsultasjoner fra 2018.",
                "weights: line 299 «Ny vekt somatikk blir 0,019 (fra 0,014)»"),
         kinds=("DRG",), years=(2018, None), compute=_ambulant, component="poeng_ambulant",
         params=("{sektor}.ambulant_vekt",)),
    Rule("ambulant_palliativ", "poeng",
         "poeng_ambulant = <sektor>.ambulant_vekt også for palliativ ambulant dagbehandling i DRG 959W (fra 2022).",
         Source("004", 291, "Det vil for 2022 åpnes for ambulant tillegg også for palliativ ambulant dagbehandling i DRG"),
         kinds=("DRG",), years=(2022, None), compute=_ambulant_palliativ, component="poeng_ambulant",
         params=("{sektor}.ambulant_vekt",)),
    Rule("egenandel", "poeng",
         "poeng_egenandel = phv_tsb.egenandel_poeng for polikliniske PHV/TSB-kontakter til og med året pasienten fyller 26; "
         "ikke for pasienter i LAR (en kontakt i egenandel_unntak_drg i året) og ikke i PUT (ungdomsteam) til og med 30 år.",
         Source("000", 34, "* Det gis ISF-poeng istedenfor egenandel for denne pasientbehandlingen",
                "exceptions [002] 1134 «Unntak er pasienter i LAR samt PUT opp til 30»"),
         kinds=("DRG",), years=(2025, None), compute=_egenandel, component="poeng_egenandel",
         params=("phv_tsb.egenandel_poeng", "alle.egenandel_maks_alder", "alle.egenandel_kontakttyper",
                 "alle.egenandel_unntak_drg", "alle.egenandel_put_maks_alder")),
    Rule("trekk_980", "poeng",
         "poeng_trekk = -trekk_andel x poeng_basis for de 980-DRG-ene fradraget gjelder (alle.trekk_drg); fjernet fra 2026.",
         Source("002", 858, "det kun gjelder noen tilfeller",
                "removed: line 968 «Fase 1 (2026): Fjerner poengfradraget.»; which DRGs and the size are parameters"),
         kinds=("DRG",), years=(None, 2025), compute=_trekk_980, component="poeng_trekk",
         params=("alle.trekk_andel", "alle.trekk_drg")),
    Rule("sykehusopphold", "samling",
         "Avdelingsopphold (døgn/dag) med samme opphold_id er ett sykehusopphold: poengene ligger på det "
         "bærende oppholdet (flest poeng, ved likhet det første); de andre får 0.",
         Source(None, None, "hospital-stay merge", "analyst convention of docs/npr-npk-glossary.md; the seeds give no rule"),
         kinds=("DRG",)),
    Rule("stg_tfg_enhet", "samling",
         "En STG/TFG er én enhet per pasient og periode; poengene ligger på første kontakt i perioden.",
         Source("003", 171, "ISF-poengene for TFG vil i hovedsak bli beregnet ved første opphold/kontakt per pasient i DRG 802U",
                "and [000] line 613 «én samlet refusjon per maned» for STG XS08"),
         kinds=("STG", "TFG")),
    Rule("stg_tfg_grunnlag", "samling",
         "Bare kontakter som består aktivitetsvilkårene (sektor, år, debitor, enhet, omsorgsnivå) danner STG/TFG.",
         Source(None, None, "ISF basis", "assumption: activity outside ISF forms no ISF group; docs/points.md"),
         kinds=("STG", "TFG")),
    Rule("kroner", "kroner",
         "isf_kroner = isf_poeng x <sektor>.enhetspris x <sektor>.isf_andel, avrundet til øre (ROUND_HALF_UP) per enhet.",
         Source("002", 59, "Poliklinikk 30 % ISF 25 % ISF", "price and share per sector are parameters"),
         params=("{sektor}.enhetspris", "{sektor}.isf_andel")),
)


def rules_for(kind: Kind, year: int, unit_kind: str | None = None) -> list[Rule]:
    """The rules of `kind` in force in `year` (for one unit kind, or any), in registry order."""
    return [r for r in RULES if r.kind == kind and r.in_force(year) and (unit_kind is None or unit_kind in r.kinds)]


def rule(name: str) -> Rule:
    """The rule called `name`."""
    for r in RULES:
        if r.name == name:
            return r
    raise KeyError(name)
