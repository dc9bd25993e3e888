"""RBF definitions: indicators, regions and the allocation model of one year, parsed from TOML.

The format is documented in docs/rbf.md. Parsing is pure (`parse_rbf` takes the text); only
`load_rbf` reads the bundled file `isf/data/rbf/<year>.toml`. Every value carries its seed
citation in the file; `demo` names the values the seeds do not give and `valg` the parts isf
chose or inferred (both surface in every output).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from isf.definitions.model import DefinitionError
from isf.yearfiles import bundled_years, load_year_file

__all__ = [
    "COUNTS",
    "METHODS",
    "SECTORS",
    "SOURCES",
    "Indicator",
    "Model",
    "RbfDefinitions",
    "Region",
    "Selection",
    "available_years",
    "load_rbf",
    "parse_rbf",
]

#: Where an indicator's values come from: NPR is computed from activity, the rest from the
#: registers table ([002] l.1453-1455 names NPR and NKI).
SOURCES = ("NPR", "NKI", "annet")
SECTORS = ("somatikk", "phv", "tsb")
METHODS = ("rang", "maloppnaelse")
#: What a denominator counts: contacts (rows) or distinct patients per region of residence.
COUNTS = ("kontakter", "pasienter")
OMSORGSNIVAA = (1, 2, 3, 8)

_TOP_KEYS = {"aar", "kilde", "poeng_total", "dataaar", "demo", "valg", "fordeling", "rhf", "indikator"}
_MODEL_KEYS = {
    "pott_kroner", "metode", "plassering_andel", "kompletthet_andel", "rangpoeng", "maltall_topp",
    "standard_kompletthet", "kilde", "demo",
}
_REGION_KEYS = {"navn", "basis", "demo"}
_INDICATOR_KEYS = {"id", "navn", "kilde", "maltall", "vekt", "poeng", "sitat", "valg", "demo", "teller", "nevner"}
_SELECTION_KEYS = {"telling", "sektor", "omsorgsniva", "kontakt_type", "prosedyrer"}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which activity rows a numerator or denominator takes; an empty field does not restrict."""

    sektor: tuple[str, ...] = ()
    omsorgsniva: tuple[int, ...] = ()
    kontakt_type: tuple[int, ...] = ()
    prosedyrer: tuple[str, ...] = ()  # any of these codes in `prosedyrer` (exact match)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One RBF indicator: a share (teller / nevner) per region with a target and a weight."""

    id: str
    navn: str
    kilde: str
    maltall: Decimal
    vekt: Decimal
    poeng: int
    sitat: str
    telling: str | None = None  # kontakter / pasienter (NPR indicators only)
    teller: Selection | None = None
    nevner: Selection | None = None
    valg: tuple[str, ...] = ()
    demo: tuple[str, ...] = ()

    @property
    def from_activity(self) -> bool:
        """NPR indicators are computed from activity; the others come from the registers table."""
        return self.kilde == "NPR"


@dataclass(frozen=True, slots=True)
class Region:
    """A regional health authority (RHF) and its basis amount (a relative weight)."""

    navn: str
    basis: Decimal
    demo: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Model:
    """The knobs of the allocation model (docs/rbf.md); the formula itself is not published."""

    pott_kroner: Decimal
    metode: str
    plassering_andel: Decimal
    kompletthet_andel: Decimal
    rangpoeng: tuple[Decimal, ...]
    maltall_topp: bool
    standard_kompletthet: Decimal
    kilde: str = ""
    demo: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RbfDefinitions:
    """Everything RBF needs for one budget year."""

    aar: int
    dataaar: int
    poeng_total: int
    kilde: str
    regions: tuple[Region, ...]
    indicators: tuple[Indicator, ...]
    model: Model
    source: str
    checksum: str
    valg: tuple[str, ...] = ()
    demo: tuple[str, ...] = ()

    @property
    def region_names(self) -> tuple[str, ...]:
        return tuple(r.navn for r in self.regions)

    def indicator(self, ind_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == ind_id:
                return ind
        raise KeyError(ind_id)

    def demo_labels(self) -> tuple[str, ...]:
        """Every DEMO value as 'where.field' (e.g. 'fordeling.rangpoeng'), in file order."""
        out = [f"aar.{f}" for f in self.demo]
        out += [f"fordeling.{f}" for f in self.model.demo]
        out += [f"rhf {r.navn}.{f}" for r in self.regions for f in r.demo]
        out += [f"indikator {i.id}.{f}" for i in self.indicators for f in i.demo]
        return tuple(out)


# ---- field readers ---------------------------------------------------------------------------


def _decimal(value: Any, file: str, table: str, row: int | None, key: str, *, places: int | None = None) -> Decimal:
    if not isinstance(value, str):
        raise DefinitionError(file, table, row, f"'{key}' must be a decimal string such as \"0.15\"")
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise DefinitionError(file, table, row, f"'{key}' is not a decimal: {value!r}") from None
    if not d.is_finite():
        raise DefinitionError(file, table, row, f"'{key}' must be finite")
    if places is not None and d.as_tuple().exponent < -places:  # type: ignore[operator]
        raise DefinitionError(file, table, row, f"'{key}' has more than {places} decimals")
    return d


def _share(value: Any, file: str, table: str, row: int | None, key: str, *, zero_ok: bool) -> Decimal:
    d = _decimal(value, file, table, row, key)
    if not (Decimal(0) <= d <= 1) or (d == 0 and not zero_ok):
        raise DefinitionError(file, table, row, f"'{key}' must be a share {'0' if zero_ok else '>0'}..1, got {value}")
    return d


def _int(value: Any, file: str, table: str, row: int | None, key: str, *, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise DefinitionError(file, table, row, f"'{key}' must be an integer {lo}..{hi}")
    return value


def _names(value: Any, file: str, table: str, row: int | None, key: str, allowed: set[str] | None = None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DefinitionError(file, table, row, f"'{key}' must be a list of non-empty strings")
    if len(set(value)) != len(value):
        raise DefinitionError(file, table, row, f"'{key}' lists a value twice")
    if allowed is not None and not set(value) <= allowed:
        bad = ", ".join(sorted(set(value) - allowed))
        raise DefinitionError(file, table, row, f"'{key}' names unknown field(s) or value(s): {bad}")
    return tuple(value)


def _ints(value: Any, file: str, table: str, row: int, key: str, allowed: tuple[int, ...] | None) -> tuple[int, ...]:
    if value is None:
        return ()
    ok = isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if not ok or (allowed is not None and not set(value) <= set(allowed)) or any(v < 0 for v in value):
        what = f" of {allowed}" if allowed else " of integers"
        raise DefinitionError(file, table, row, f"'{key}' must be a non-empty list{what}")
    return tuple(sorted(set(value)))


def _check_keys(entry: Any, keys: set[str], file: str, table: str, row: int | None) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise DefinitionError(file, table, row, "must be a table")
    unknown = set(entry) - keys
    if unknown:
        raise DefinitionError(file, table, row, f"unknown key(s): {', '.join(sorted(unknown))}")
    return entry


# ---- tables ----------------------------------------------------------------------------------


def _selection(value: Any, file: str, row: int, part: str) -> tuple[Selection, str | None]:
    entry = _check_keys(value, _SELECTION_KEYS, file, "indikator", row)
    telling = entry.get("telling")
    if part == "nevner" and telling not in COUNTS:
        raise DefinitionError(file, "indikator", row, f"'nevner.telling' must be one of {', '.join(COUNTS)}")
    if part == "teller" and telling is not None:
        raise DefinitionError(file, "indikator", row, "'teller' takes no 'telling' (the denominator's unit is used)")
    sel = Selection(
        sektor=_names(entry.get("sektor"), file, "indikator", row, f"{part}.sektor", set(SECTORS)),
        omsorgsniva=_ints(entry.get("omsorgsniva"), file, "indikator", row, f"{part}.omsorgsniva", OMSORGSNIVAA),
        kontakt_type=_ints(entry.get("kontakt_type"), file, "indikator", row, f"{part}.kontakt_type", None),
        prosedyrer=_names(entry.get("prosedyrer"), file, "indikator", row, f"{part}.prosedyrer"),
    )
    if part == "teller" and sel == Selection():
        raise DefinitionError(file, "indikator", row, "'teller' must restrict something (else it equals 'nevner')")
    return sel, telling


def _indicator(entry: Any, file: str, row: int) -> Indicator:
    entry = _check_keys(entry, _INDICATOR_KEYS, file, "indikator", row)
    ind_id = entry.get("id")
    if not isinstance(ind_id, str) or not _ID.match(ind_id):
        raise DefinitionError(file, "indikator", row, "'id' must be lower-case letters, digits and _")
    for key in ("navn", "sitat"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise DefinitionError(file, "indikator", row, f"'{key}' is required (name and seed citation)")
    kilde = entry.get("kilde")
    if kilde not in SOURCES:
        raise DefinitionError(file, "indikator", row, f"'kilde' must be one of {', '.join(SOURCES)}")
    has_parts = "teller" in entry or "nevner" in entry
    teller = nevner = None
    telling = None
    if kilde == "NPR":
        if "teller" not in entry or "nevner" not in entry:
            raise DefinitionError(file, "indikator", row, "an NPR indicator needs 'teller' and 'nevner'")
        teller, _ = _selection(entry["teller"], file, row, "teller")
        nevner, telling = _selection(entry["nevner"], file, row, "nevner")
    elif has_parts:
        raise DefinitionError(file, "indikator", row, f"a {kilde} indicator comes from the registers table: no 'teller'/'nevner'")
    fields = set(_INDICATOR_KEYS) - {"id", "valg", "demo", "sitat"}
    return Indicator(
        id=ind_id,
        navn=entry["navn"],
        kilde=kilde,
        maltall=_share(entry.get("maltall"), file, "indikator", row, "maltall", zero_ok=False),
        vekt=_share(entry.get("vekt"), file, "indikator", row, "vekt", zero_ok=False),
        poeng=_int(entry.get("poeng"), file, "indikator", row, "poeng", lo=0, hi=10**9),
        sitat=entry["sitat"],
        telling=telling,
        teller=teller,
        nevner=nevner,
        valg=_names(entry.get("valg"), file, "indikator", row, "valg", fields),
        demo=_names(entry.get("demo"), file, "indikator", row, "demo", fields),
    )


def _region(entry: Any, file: str, row: int) -> Region:
    entry = _check_keys(entry, _REGION_KEYS, file, "rhf", row)
    navn = entry.get("navn")
    if not isinstance(navn, str) or not navn.strip():
        raise DefinitionError(file, "rhf", row, "'navn' is required")
    basis = _decimal(entry.get("basis"), file, "rhf", row, "basis")
    if basis <= 0:
        raise DefinitionError(file, "rhf", row, "'basis' must be > 0")
    return Region(navn=navn, basis=basis, demo=_names(entry.get("demo"), file, "rhf", row, "demo", {"basis"}))


def _model(entry: Any, file: str, n_regions: int) -> Model:
    entry = _check_keys(entry, _MODEL_KEYS, file, "fordeling", None)
    pott = _decimal(entry.get("pott_kroner"), file, "fordeling", None, "pott_kroner", places=2)
    if pott < 0:
        raise DefinitionError(file, "fordeling", None, "'pott_kroner' must be >= 0")
    metode = entry.get("metode")
    if metode not in METHODS:
        raise DefinitionError(file, "fordeling", None, f"'metode' must be one of {', '.join(METHODS)}")
    a = _share(entry.get("plassering_andel"), file, "fordeling", None, "plassering_andel", zero_ok=True)
    c = _share(entry.get("kompletthet_andel"), file, "fordeling", None, "kompletthet_andel", zero_ok=True)
    if a + c != 1:
        raise DefinitionError(file, "fordeling", None, f"'plassering_andel' + 'kompletthet_andel' must be 1, is {a + c}")
    raw = entry.get("rangpoeng")
    if not isinstance(raw, list) or len(raw) != n_regions:
        raise DefinitionError(file, "fordeling", None, f"'rangpoeng' must list points for each of the {n_regions} places")
    rang = tuple(_decimal(v, file, "fordeling", None, "rangpoeng") for v in raw)
    if rang[0] <= 0 or any(v < 0 for v in rang) or any(x < y for x, y in itertools.pairwise(rang)):
        raise DefinitionError(file, "fordeling", None, "'rangpoeng' must be >= 0, non-increasing, the first > 0")
    topp = entry.get("maltall_topp")
    if not isinstance(topp, bool):
        raise DefinitionError(file, "fordeling", None, "'maltall_topp' must be true or false")
    return Model(
        pott_kroner=pott,
        metode=metode,
        plassering_andel=a,
        kompletthet_andel=c,
        rangpoeng=rang,
        maltall_topp=topp,
        standard_kompletthet=_share(entry.get("standard_kompletthet"), file, "fordeling", None, "standard_kompletthet",
                                    zero_ok=True),
        kilde=str(entry.get("kilde", "")),
        demo=_names(entry.get("demo"), file, "fordeling", None, "demo", _MODEL_KEYS - {"kilde", "demo"}),
    )


def parse_rbf(text: str, *, source: str = "<text>") -> RbfDefinitions:
    """Parse and validate one year's RBF definitions; raises `DefinitionError` naming table and row."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(source, "toml", None, str(exc)) from None
    _check_keys(doc, _TOP_KEYS, source, "top", None)
    aar = _int(doc.get("aar"), source, "top", None, "aar", lo=1990, hi=2100)
    dataaar = _int(doc.get("dataaar"), source, "top", None, "dataaar", lo=aar - 3, hi=aar)
    total = _int(doc.get("poeng_total"), source, "top", None, "poeng_total", lo=1, hi=10**9)
    raw_regions = doc.get("rhf")
    if not isinstance(raw_regions, list) or len(raw_regions) < 2:
        raise DefinitionError(source, "rhf", None, "at least two [[rhf]] tables are needed")
    regions = tuple(_region(e, source, i + 1) for i, e in enumerate(raw_regions))
    if len({r.navn for r in regions}) != len(regions):
        raise DefinitionError(source, "rhf", None, "a region is listed twice")
    if "fordeling" not in doc:
        raise DefinitionError(source, "fordeling", None, "the [fordeling] table is missing")
    model = _model(doc["fordeling"], source, len(regions))
    raw_ind = doc.get("indikator")
    if not isinstance(raw_ind, list) or not raw_ind:
        raise DefinitionError(source, "indikator", None, "no [[indikator]] tables")
    indicators = tuple(_indicator(e, source, i + 1) for i, e in enumerate(raw_ind))
    seen: set[str] = set()
    for i, ind in enumerate(indicators):
        if ind.id in seen:
            raise DefinitionError(source, "indikator", i + 1, f"id {ind.id!r} is defined twice")
        seen.add(ind.id)
        if ind.vekt * total != ind.poeng:
            raise DefinitionError(source, "indikator", i + 1,
                                  f"'poeng' {ind.poeng} is not vekt {ind.vekt} x poeng_total {total}")
    weight_sum = sum((ind.vekt for ind in indicators), Decimal(0))
    if weight_sum != 1:
        # e.g. [002]'s text weights (7 % instead of the table's 7,5 %) sum to 99 %.
        raise DefinitionError(source, "indikator", None, f"the weights sum to {weight_sum:%}, not 100 %")
    return RbfDefinitions(
        aar=aar,
        dataaar=dataaar,
        poeng_total=total,
        kilde=str(doc.get("kilde", source)),
        regions=regions,
        indicators=indicators,
        model=model,
        source=source,
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        valg=_names(doc.get("valg"), source, "top", None, "valg", {"dataaar", "poeng_total"}),
        demo=_names(doc.get("demo"), source, "top", None, "demo", {"dataaar", "poeng_total"}),
    )


def available_years() -> tuple[int, ...]:
    """Years with a bundled definition file."""
    return bundled_years("rbf")


def load_rbf(year: int) -> RbfDefinitions:
    """The bundled definitions of `year` (file `isf/data/rbf/<year>.toml`)."""
    return load_year_file("rbf", year, parse_rbf, "RBF definitions")
