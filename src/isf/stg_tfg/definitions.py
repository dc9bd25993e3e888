"""STG/TFG definitions: frozen, versioned per year, parsed from a TOML text.

A definition says which activity forms a group (trigger codes, care levels, sectors, members,
period); what a group weighs and whether it is financed is in the STG/TFG weight lists
(`isf.weights.weightlist`), as the directorate publishes them ([003] «STG-liste», «TFG-liste»).
The file format is documented in docs/stg-tfg.md. Parsing is pure (`parse_stg_tfg` takes the
text); only `load_stg_tfg` reads the bundled file `isf/data/stg_tfg/<year>.toml`.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from typing import Any

from isf.definitions.model import DefinitionError
from isf.yearfiles import bundled_years, load_year_file

__all__ = [
    "OMSORGSNIVAA",
    "PERIOD_TYPES",
    "SEKTORER",
    "StgDef",
    "StgTfgDefinitions",
    "TfgDef",
    "available_years",
    "load_stg_tfg",
    "parse_stg_tfg",
]

PERIOD_TYPES = ("maaned", "tertial", "aar")
OMSORGSNIVAA = (1, 2, 3, 8)
SEKTORER = ("somatikk", "phv", "tsb")


@dataclass(frozen=True, slots=True)
class StgDef:
    """A særtjenestegruppe: counted per patient per period from codes on contacts."""

    kode: str
    navn: str
    periode: str
    koder: tuple[str, ...]
    diagnoser: tuple[str, ...] = ()
    omsorgsniva: tuple[int, ...] = OMSORGSNIVAA
    sektor: tuple[str, ...] = ()  # empty: contacts of every sector form the group
    utskrivningsklar: bool = False
    min_kontakter: int = 1
    kontakttype: tuple[int, ...] = ()  # non-døgn contacts need one of these kontakt_type values
    unntatt_koder: tuple[str, ...] = ()  # a contact that also carries one of these forms no group
    halv_maaned: bool = False  # a contact with act_halv_maaned = false forms no group
    kilde: str = ""
    demo: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TfgDef:
    """A tjenesteforløpsgruppe: a patient's member contacts (by DRG or STG) in one period."""

    kode: str
    navn: str
    periode: str
    drg: tuple[str, ...] = ()
    stg: tuple[str, ...] = ()
    utloser_drg: tuple[str, ...] = ()
    utloser_stg: tuple[str, ...] = ()
    overtar_drg_poeng: bool = False
    familie: str | None = None
    prioritet: int = 0
    poeng_paa: str = "forste_kontakt"
    kilde: str = ""
    demo: tuple[str, ...] = ()

    @property
    def triggers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(trigger DRGs, trigger STGs); with no explicit trigger every member triggers."""
        if self.utloser_drg or self.utloser_stg:
            return self.utloser_drg, self.utloser_stg
        return self.drg, self.stg


@dataclass(frozen=True, slots=True)
class StgTfgDefinitions:
    """All STG and TFG definitions of one ISF year."""

    aar: int
    stg: tuple[StgDef, ...]
    tfg: tuple[TfgDef, ...]
    kilde: str
    checksum: str

    def stg_by_code(self) -> dict[str, StgDef]:
        return {s.kode: s for s in self.stg}

    def tfg_by_code(self) -> dict[str, TfgDef]:
        return {t.kode: t for t in self.tfg}


_STG_KEYS = {
    "kode", "navn", "periode", "koder", "diagnoser", "omsorgsniva", "sektor",
    "utskrivningsklar", "min_kontakter", "kontakttype", "unntatt_koder", "halv_maaned", "kilde", "demo",
}
#: NPR kontaktType values (docs/npr-npk-glossary.md)
KONTAKTTYPER = (1, 2, 3, 5, 6, 7, 12, 13, 14, 99)
_TFG_KEYS = {
    "kode", "navn", "periode", "drg", "stg", "utloser_drg", "utloser_stg",
    "overtar_drg_poeng", "familie", "prioritet", "poeng_paa", "kilde", "demo",
}
# Keys of the old format: weights and financing moved to the weight lists.
_MOVED = {"vekt", "finansiert"}


def _fail(file: str, table: str, row: int | None, reason: str) -> DefinitionError:
    return DefinitionError(file, table, row, reason)


def _str_tuple(value: Any, file: str, table: str, row: int, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(file, table, row, f"'{key}' must be a list of non-empty strings")
    if len(set(value)) != len(value):
        raise _fail(file, table, row, f"'{key}' lists a code twice")
    return tuple(value)


def _common(entry: dict[str, Any], keys: set[str], file: str, table: str, row: int) -> None:
    moved = set(entry) & _MOVED
    if moved:
        raise _fail(file, table, row, f"{', '.join(sorted(moved))}: weights and financing belong in the "
                                      "STG/TFG weight list (docs/weights.md), not in the definitions")
    unknown = set(entry) - keys
    if unknown:
        raise _fail(file, table, row, f"unknown key(s): {', '.join(sorted(unknown))}")
    for key in ("kode", "navn"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise _fail(file, table, row, f"'{key}' is required")
    if entry.get("periode") not in PERIOD_TYPES:
        raise _fail(file, table, row, f"'periode' must be one of {', '.join(PERIOD_TYPES)}")


def _parse_stg(entry: dict[str, Any], file: str, row: int) -> StgDef:
    _common(entry, _STG_KEYS, file, "stg", row)
    koder = _str_tuple(entry.get("koder"), file, "stg", row, "koder")
    if not koder:
        raise _fail(file, "stg", row, "'koder' (trigger codes) must not be empty")
    levels = entry.get("omsorgsniva", list(OMSORGSNIVAA))
    if not isinstance(levels, list) or not levels or any(v not in OMSORGSNIVAA for v in levels):
        raise _fail(file, "stg", row, f"'omsorgsniva' must be a non-empty list of {OMSORGSNIVAA}")
    minimum = entry.get("min_kontakter", 1)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        raise _fail(file, "stg", row, "'min_kontakter' must be an integer >= 1")
    klar = entry.get("utskrivningsklar", False)
    if not isinstance(klar, bool):
        raise _fail(file, "stg", row, "'utskrivningsklar' must be true or false")
    sektor = _str_tuple(entry.get("sektor"), file, "stg", row, "sektor")
    if any(x not in SEKTORER for x in sektor):
        raise _fail(file, "stg", row, f"'sektor' must list values of {SEKTORER}")
    kontakttype = entry.get("kontakttype", [])
    if not isinstance(kontakttype, list) or any(v not in KONTAKTTYPER or isinstance(v, bool) for v in kontakttype):
        raise _fail(file, "stg", row, f"'kontakttype' must be a list of {KONTAKTTYPER}")
    halv = entry.get("halv_maaned", False)
    if not isinstance(halv, bool):
        raise _fail(file, "stg", row, "'halv_maaned' must be true or false")
    if halv and entry.get("periode") != "maaned":
        raise _fail(file, "stg", row, "'halv_maaned' needs periode = \"maaned\"")
    unntatt = _str_tuple(entry.get("unntatt_koder"), file, "stg", row, "unntatt_koder")
    if set(unntatt) & set(koder):
        raise _fail(file, "stg", row, "a code cannot both trigger ('koder') and exclude ('unntatt_koder')")
    return StgDef(
        kode=entry["kode"],
        navn=entry["navn"],
        periode=entry["periode"],
        koder=koder,
        diagnoser=_str_tuple(entry.get("diagnoser"), file, "stg", row, "diagnoser"),
        omsorgsniva=tuple(sorted(set(levels))),
        sektor=sektor,
        utskrivningsklar=klar,
        min_kontakter=minimum,
        kontakttype=tuple(sorted(set(kontakttype))),
        unntatt_koder=unntatt,
        halv_maaned=halv,
        kilde=str(entry.get("kilde", "")),
        demo=_str_tuple(entry.get("demo"), file, "stg", row, "demo"),
    )


def _parse_tfg(entry: dict[str, Any], file: str, row: int) -> TfgDef:
    _common(entry, _TFG_KEYS, file, "tfg", row)
    drg = _str_tuple(entry.get("drg"), file, "tfg", row, "drg")
    stg = _str_tuple(entry.get("stg"), file, "tfg", row, "stg")
    if not drg and not stg:
        raise _fail(file, "tfg", row, "a TFG needs member 'drg' and/or 'stg'")
    utl_drg = _str_tuple(entry.get("utloser_drg"), file, "tfg", row, "utloser_drg")
    utl_stg = _str_tuple(entry.get("utloser_stg"), file, "tfg", row, "utloser_stg")
    if not set(utl_drg) <= set(drg) or not set(utl_stg) <= set(stg):
        raise _fail(file, "tfg", row, "trigger codes must also be members ('drg'/'stg')")
    overtar = entry.get("overtar_drg_poeng", False)
    if not isinstance(overtar, bool):
        raise _fail(file, "tfg", row, "'overtar_drg_poeng' must be true or false")
    if overtar and stg:
        # The seeds describe no rule for the points of STG members of a financed TFG.
        raise _fail(file, "tfg", row, "a TFG that takes over DRG points may not have STG members")
    if entry.get("poeng_paa", "forste_kontakt") != "forste_kontakt":
        raise _fail(file, "tfg", row, "'poeng_paa' supports only \"forste_kontakt\"")
    familie = entry.get("familie")
    prioritet = entry.get("prioritet", 0)
    if familie is not None and (not isinstance(familie, str) or not familie):
        raise _fail(file, "tfg", row, "'familie' must be a non-empty string")
    if not isinstance(prioritet, int) or isinstance(prioritet, bool):
        raise _fail(file, "tfg", row, "'prioritet' must be an integer")
    return TfgDef(
        kode=entry["kode"],
        navn=entry["navn"],
        periode=entry["periode"],
        drg=drg,
        stg=stg,
        utloser_drg=utl_drg,
        utloser_stg=utl_stg,
        overtar_drg_poeng=overtar,
        familie=familie,
        prioritet=prioritet,
        kilde=str(entry.get("kilde", "")),
        demo=_str_tuple(entry.get("demo"), file, "tfg", row, "demo"),
    )


def parse_stg_tfg(text: str, *, source: str = "<text>") -> StgTfgDefinitions:
    """Parse and validate one year's TOML definitions; raises `DefinitionError`."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, "toml", None, str(exc)) from None
    unknown = set(doc) - {"aar", "kilde", "merknad", "stg", "tfg"}
    if unknown:
        raise _fail(source, "top", None, f"unknown key(s): {', '.join(sorted(unknown))}")
    aar = doc.get("aar")
    if not isinstance(aar, int) or isinstance(aar, bool) or not 1990 <= aar <= 2100:
        raise _fail(source, "top", None, "'aar' must be a year")
    stgs = tuple(_parse_stg(e, source, i + 1) for i, e in enumerate(doc.get("stg", [])))
    tfgs = tuple(_parse_tfg(e, source, i + 1) for i, e in enumerate(doc.get("tfg", [])))
    codes = [s.kode for s in stgs] + [t.kode for t in tfgs]
    if len(set(codes)) != len(codes):
        raise _fail(source, "top", None, "a group code is defined twice")
    stg_codes = {s.kode for s in stgs}
    families: dict[str, tuple[str, set[int]]] = {}
    for i, t in enumerate(tfgs):
        missing = set(t.stg) - stg_codes
        if missing:
            raise _fail(source, "tfg", i + 1, f"unknown member STG(s): {', '.join(sorted(missing))}")
        if t.familie is not None:
            periode, seen = families.setdefault(t.familie, (t.periode, set()))
            if t.periode != periode:
                raise _fail(source, "tfg", i + 1, f"all of familie {t.familie} need one 'periode'")
            if t.prioritet in seen:
                raise _fail(source, "tfg", i + 1, f"'prioritet' repeats within familie {t.familie}")
            seen.add(t.prioritet)
    return StgTfgDefinitions(
        aar=aar,
        stg=stgs,
        tfg=tfgs,
        kilde=str(doc.get("kilde", source)),
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def available_years() -> tuple[int, ...]:
    """Years with a bundled definition file."""
    return bundled_years("stg_tfg")


def load_stg_tfg(year: int) -> StgTfgDefinitions:
    """The bundled definitions of `year` (file `isf/data/stg_tfg/<year>.toml`)."""
    return load_year_file("stg_tfg", year, parse_stg_tfg, "definitions")
