"""Immutable, versioned NordDRG logic: the tables as published, normalised once.

A `Logic` holds the six NordDRG tables in snake_case form. It does no I/O and is picklable,
so a batch worker can receive it as a value. Readers (JSON zip, CSV folder) build it and
validate it through `build_logic`, which raises `DefinitionError` naming file, table and row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from isf.errors import IsfError

__all__ = [
    "DefinitionError",
    "Rule",
    "DgRow",
    "ProcRow",
    "ComplCat",
    "ComplExcl",
    "DrgName",
    "Logic",
    "build_logic",
    "DG_VARTYPES",
    "PROC_VARTYPES",
]


class DefinitionError(IsfError, ValueError):
    """A definition table is missing, malformed or inconsistent."""

    def __init__(self, file: str, table: str | None, row: int | None, reason: str) -> None:
        self.file = file
        self.table = table
        self.row = row
        self.reason = reason
        where = file
        if table is not None:
            where += f": table '{table}'"
        if row is not None:
            where += f" row {row}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One `drg_logic` row: conditions (all must hold) and the result they lead to."""

    ord: str
    drg: str
    rtc: str
    icd: str = ""
    mdc: str = ""
    dgcat: str = ""
    pdgprop: str = ""
    compl: str = ""
    or_proc: str = ""
    procpro: str = ""
    secpro: str = ""
    dgprop: tuple[str, ...] = ()
    agelim: str = ""
    sex: str = ""
    dur: str = ""
    disch: str = ""
    id: str = ""
    drg_text: str = ""
    row: int = field(default=0, compare=False)  # source row, for messages only


@dataclass(frozen=True, slots=True)
class DgRow:
    """One `dg_feat` row. For a dagger/asterisk pair `code` is the asterisk, `d_code` the dagger."""

    code: str
    d_code: str
    vartype: str
    varval: str


@dataclass(frozen=True, slots=True)
class ProcRow:
    """One `proc_feat` row (NCSP/NCMP/NCRP/ATC/saerkode codes all live here)."""

    code: str
    vartype: str
    varval: str


@dataclass(frozen=True, slots=True)
class ComplCat:
    """A complication category; `inclprop` is the DGPROP that activates an inactive (I) one."""

    compl: str
    inclprop: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class ComplExcl:
    """A principal diagnosis (or dagger/asterisk pair) that a COMPL category cannot complicate."""

    compl: str
    code: str
    d_code: str = ""


@dataclass(frozen=True, slots=True)
class DrgName:
    drg: str
    name: str = ""
    mdc: str = ""


DG_VARTYPES = frozenset({"MDC", "DGCAT", "PDGPRO", "COMPL", "DGPROP", "SDGPRO", "OR", "PROCPR", "CC"})
PROC_VARTYPES = frozenset({"CC", "DGPROP", "OR", "PROCPR"})

_LIMIT = re.compile(r"^(<|>|<=|>=|=)\d+$")


@dataclass(frozen=True, eq=False)
class Logic:
    """A loaded, validated NordDRG logic version (e.g. ``NOR2015``).

    Equality and hash use the id and the checksum of the tables, so caches keyed on a logic
    are cheap and two loads of the same release compare equal.
    """

    id: str
    source: str
    checksum: str
    rules: tuple[Rule, ...]
    dg: tuple[DgRow, ...]
    proc: tuple[ProcRow, ...]
    complcat: tuple[ComplCat, ...]
    complexcl: tuple[ComplExcl, ...]
    drgnames: tuple[DrgName, ...] = ()
    rtc_names: tuple[tuple[str, str], ...] = ()
    description: str = field(default="", compare=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Logic) and (self.id, self.checksum) == (other.id, other.checksum)

    def __hash__(self) -> int:
        return hash((self.id, self.checksum))

    def __repr__(self) -> str:
        return (
            f"Logic(id={self.id!r}, rules={len(self.rules)}, dg={len(self.dg)}, "
            f"proc={len(self.proc)}, checksum={self.checksum[:12]})"
        )

    def drg_name(self, drg: str) -> str:
        for d in self.drgnames:
            if d.drg == drg:
                return d.name
        for r in self.rules:
            if r.drg == drg and r.drg_text:
                return r.drg_text
        return ""


def _checksum(*tables: tuple[object, ...]) -> str:
    """Content hash of the tables (source row numbers excluded: same content, same sum)."""
    h = hashlib.sha256()
    for t in tables:
        for row in t:
            h.update(repr(replace(row, row=0) if isinstance(row, Rule) else row).encode())
        h.update(b"\x00")
    return h.hexdigest()


def _validate_rules(file: str, table: str, rules: list[Rule]) -> None:
    seen: dict[str, int] = {}
    for r in rules:
        def fail(reason: str, r: Rule = r) -> DefinitionError:
            return DefinitionError(file, table, r.row, f"(ord {r.ord!r}) {reason}")

        if not r.ord:
            raise fail("empty 'ord'")
        if r.ord in seen:
            raise fail(f"duplicate ord, first seen at row {seen[r.ord]}")
        seen[r.ord] = r.row
        if not r.drg:
            raise fail("empty DRG")
        if not r.rtc:
            raise fail("empty rtc")
        for name, value in (("agelim", r.agelim), ("dur", r.dur)):
            if value and not _LIMIT.match(value):
                raise fail(f"malformed {name} {value!r} (expected like '<29' or '>6574')")
        if r.icd not in ("", "+", "-"):
            raise fail(f"malformed icd {r.icd!r} (expected '+', '-' or empty)")
        if r.or_proc not in ("", "S", "P", "N", "Z"):
            raise fail(f"malformed or {r.or_proc!r} (expected S, P, N, Z or empty)")
        if r.sex not in ("", "M", "F", "-"):
            raise fail(f"malformed sex {r.sex!r} (expected M, F, '-' or empty)")
        if r.disch not in ("", "N", "E", "R"):
            raise fail(f"malformed disch {r.disch!r} (expected N, E, R or empty)")
        if r.compl not in ("", "1", "2"):
            raise fail(f"malformed compl {r.compl!r} (expected 1, 2 or empty)")


def build_logic(
    *,
    id: str,
    source: str,
    rules: list[Rule],
    dg: list[DgRow],
    proc: list[ProcRow],
    complcat: list[ComplCat],
    complexcl: list[ComplExcl],
    drgnames: list[DrgName] | None = None,
    rtc_names: list[tuple[str, str]] | None = None,
    table_names: dict[str, str] | None = None,
    row_offsets: dict[str, int] | None = None,
    description: str = "",
) -> Logic:
    """Validate normalised tables and freeze them into a `Logic` sorted by `ord`."""
    names = {"rules": "drglogic", "dg": "dg", "proc": "proc"} | (table_names or {})
    offsets = row_offsets or {}
    _validate_rules(source, names["rules"], rules)
    for i, d in enumerate(dg):
        if not d.code:
            raise DefinitionError(source, names["dg"], i + offsets.get("dg", 1), "empty code")
        if d.vartype not in DG_VARTYPES:
            raise DefinitionError(
                source, names["dg"], i + offsets.get("dg", 1), f"unknown vartype {d.vartype!r}"
            )
        if not d.varval:
            raise DefinitionError(source, names["dg"], i + offsets.get("dg", 1), "empty varval")
    for i, p in enumerate(proc):
        if not p.code:
            raise DefinitionError(source, names["proc"], i + offsets.get("proc", 1), "empty code")
        if p.vartype not in PROC_VARTYPES:
            raise DefinitionError(
                source, names["proc"], i + offsets.get("proc", 1), f"unknown vartype {p.vartype!r}"
            )
        if p.varval == "":
            raise DefinitionError(source, names["proc"], i + offsets.get("proc", 1), "empty varval")
    # NordDRG orders rules by the *string* value of ord ("000D00004" after "000D000012").
    ordered = tuple(sorted(rules, key=lambda r: r.ord))
    t_dg, t_proc = tuple(dg), tuple(proc)
    t_cc, t_ce = tuple(complcat), tuple(complexcl)
    t_names = tuple(drgnames or ())
    t_rtc = tuple(rtc_names or ())
    return Logic(
        id=id,
        source=source,
        checksum=_checksum(ordered, t_dg, t_proc, t_cc, t_ce),
        rules=ordered,
        dg=t_dg,
        proc=t_proc,
        complcat=t_cc,
        complexcl=t_ce,
        drgnames=t_names,
        rtc_names=t_rtc,
        description=description,
    )
