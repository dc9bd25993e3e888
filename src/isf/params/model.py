"""Year parameters of the ISF scheme: every value carries the source it came from.

A `YearParams` is an immutable lookup ``(sector, name) -> ParamValue``. Sectors are
``alle`` (rules common to all sectors), ``somatikk`` and ``phv_tsb`` (psykisk helsevern and
rusbehandling share one price, share and supplement). A value isf does not know is *absent*;
asking for it raises `MissingParameterError` naming year, sector and parameter, so no number
is ever invented silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from isf.errors import IsfError

__all__ = [
    "MAX_DEFAULT",
    "MAX_VALUE",
    "PARAM_SPECS",
    "SECTORS",
    "MissingParameterError",
    "MissingParametersError",
    "ParamValue",
    "ParameterError",
    "YearParams",
    "sector_key",
]

Value = Decimal | bool | tuple[int, ...] | tuple[str, ...]
Kind = Literal["decimal", "bool", "ints", "strs"]

SECTORS = ("alle", "somatikk", "phv_tsb")

# name -> (kind, sectors where it may appear, meaning)
PARAM_SPECS: dict[str, tuple[Kind, tuple[str, ...], str]] = {
    "enhetspris": ("decimal", ("somatikk", "phv_tsb"), "kroner per ISF point"),
    "isf_andel": ("decimal", ("somatikk", "phv_tsb"), "ISF share of the unit price (0-1)"),
    "ambulant_vekt": ("decimal", ("somatikk", "phv_tsb"), "points added per ambulant contact"),
    "egenandel_kr": ("decimal", ("somatikk", "phv_tsb"), "outpatient copay amount, kroner"),
    "egenandel_poeng": ("decimal", ("phv_tsb",), "points replacing the copay (PHV/TSB, young)"),
    "isf_omsorgsniva": ("ints", ("somatikk", "phv_tsb"), "omsorgsniva codes that enter ISF"),
    "isf_debitorer": ("ints", ("alle",), "debitor codes financed through ISF"),
    "egenandel_maks_alder": ("decimal", ("alle",), "last age (calendar-year rule) of the exemption"),
    "egenandel_kontakttyper": ("ints", ("alle",), "kontakt_type codes that would carry a copay"),
    "egenandel_unntak_drg": ("strs", ("alle",), "DRGs excluded from copay points (LAR etc.)"),
    "egenandel_put_maks_alder": ("decimal", ("alle",), "last age (calendar-year rule) of the PUT exception"),
    "trekk_drg": ("strs", ("alle",), "DRGs the 980 deduction applies to (it applied «kun … i noen tilfeller»)"),
    "trekk_andel": ("decimal", ("alle",), "deducted share of the base points (0-1)"),
    "kjeveortopedi_koder": ("strs", ("alle",), "procedure codes of orthodontic treatment of cleft/craniofacial patients"),
}


#: The largest value a number parameter may take (name -> limit; others: `MAX_DEFAULT`). Far
#: above any real value, far below what the fixed-point money columns hold: 1e999999 is a typo.
MAX_VALUE: dict[str, Decimal] = {
    "enhetspris": Decimal(10_000_000),  # kroner per point (2026: about 57 000)
    "isf_andel": Decimal(1),
    "trekk_andel": Decimal(1),
    "egenandel_maks_alder": Decimal(150),
}
MAX_DEFAULT = Decimal(100_000)  # points (ambulant_vekt, egenandel_poeng) and kroner (egenandel_kr)


class ParameterError(IsfError, ValueError):
    """A parameter file or override is malformed (unknown name, wrong type, bad range)."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        self.file, self.key, self.reason = file, key, reason
        super().__init__(f"{file}: {key}: {reason}")


class MissingParameterError(IsfError, LookupError):
    """A year parameter is needed but isf does not know it: supply it (file or CLI option)."""

    def __init__(self, year: int, sector: str, name: str) -> None:
        self.year, self.sector, self.name = year, sector, name
        super().__init__(
            f"missing ISF parameter {sector}.{name} for {year}: isf ships no value for it; "
            f"supply it in a parameter file or as an override '{sector}.{name}=VALUE'"
        )


class MissingParametersError(MissingParameterError):
    """Several year parameters are needed and unknown: all of them, named at once."""

    def __init__(self, year: int, missing: list[tuple[str, str]]) -> None:
        self.missing = list(missing)
        IsfError.__init__(self)
        self.year, (self.sector, self.name) = year, self.missing[0]
        names = ", ".join(f"{s}.{n}" for s, n in self.missing)
        first = f"{self.missing[0][0]}.{self.missing[0][1]}"
        self.args = (
            (f"missing ISF parameter(s) for {year}: {names}. isf ships no value for them: supply them in a "
            f"parameter file (--params FILE) or as overrides (--set {first}=VALUE), or use --demo-params "
            f"for invented DEMO values"),
        )

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One parameter value and where it came from (seed citation, file, or 'DEMO ...')."""

    value: Value
    source: str
    file: str = ""

    @property
    def demo(self) -> bool:
        return self.source.upper().startswith("DEMO")


def sector_key(sektor: str) -> str:
    """Map an activity `sektor` (somatikk, phv, tsb) to its parameter sector."""
    if sektor == "somatikk":
        return "somatikk"
    if sektor in ("phv", "tsb", "phv_tsb"):
        return "phv_tsb"
    raise KeyError(f"unknown sektor {sektor!r} (expected somatikk, phv or tsb)")


@dataclass(frozen=True)
class YearParams:
    """The parameters of one ISF year, layered from shipped, demo and user files."""

    year: int
    values: dict[tuple[str, str], ParamValue] = field(default_factory=dict)

    def has(self, sector: str, name: str) -> bool:
        return (sector, name) in self.values

    def param(self, sector: str, name: str) -> ParamValue:
        try:
            return self.values[(sector, name)]
        except KeyError:
            raise MissingParameterError(self.year, sector, name) from None

    def get(self, sector: str, name: str) -> Value:
        return self.param(sector, name).value

    def decimal(self, sector: str, name: str) -> Decimal:
        v = self.get(sector, name)
        if not isinstance(v, Decimal):
            raise ParameterError(self.param(sector, name).file, f"{sector}.{name}", "not a number")
        return v

    def source(self, sector: str, name: str) -> str:
        return self.param(sector, name).source

    def demo_names(self) -> list[str]:
        """``sector.name`` of every DEMO value (invented, not official)."""
        return [f"{sec}.{name}" for (sec, name), pv in sorted(self.values.items()) if pv.demo]

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(sector, name, value, source) for documentation and `isf params` listings."""
        out = []
        for (sec, name), pv in sorted(self.values.items()):
            v = pv.value
            text = ",".join(str(x) for x in v) if isinstance(v, tuple) else str(v)
            out.append((sec, name, text, pv.source))
        return out
