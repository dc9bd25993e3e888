"""Immutable, versioned NordDRG logic: the tables as published, normalised once.

A `Logic` holds the six NordDRG tables in snake_case form. It does no I/O and is picklable,
so a batch worker can receive it as a value. Readers (JSON zip, CSV folder) build it and
validate it through `build_logic`, which raises `DefinitionError` naming file, table and row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from isf.errors import IsfError

__all__ = [
    "DG_VARTYPES",
    "PROC_VARTYPES",
    "CodeEntry",
    "ComplCat",
    "ComplExcl",
    "DefinitionError",
    "DgRow",
    "DrgName",
    "Logic",
    "ProcRow",
    "PropertyText",
    "Rule",
    "build_logic",
    "is_catch_all",
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


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """A code of the release's own code list (NCC dBase: ``ICD.DBF``, ``csp.DBF``).

    ``who`` is the international equivalent the list gives (ICD.DBF ``CODE_W``, csp.DBF
    ``NCSP``), ``mark`` the ICD asterisk/dagger mark (``*`` asterisk, ``+`` dagger).
    """

    code: str
    text: str = ""
    who: str = ""
    mark: str = ""


@dataclass(frozen=True, slots=True)
class PropertyText:
    """The text of a property value: ``kind`` is MDC, DGCAT, PDGPRO, DGPROP or PROCPR."""

    kind: str
    value: str
    text: str


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
    dx_codes: tuple[CodeEntry, ...] = ()  # empty: the release publishes no diagnosis code list
    proc_codes: tuple[CodeEntry, ...] = ()  # empty: no procedure code list
    texts: tuple[PropertyText, ...] = ()

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
        """The release's name of `drg` ("" when it publishes none: callers show a dash)."""
        return self._names.get(drg, "")

    def property_text(self, kind: str, value: str) -> str:
        """The release's text of a property value (DGCAT 05M01, COMPL 06C10, ...), or ""."""
        v = value.lstrip("-")
        if kind == "COMPL":
            return next((c.text for c in self.complcat if c.compl == v and c.text), "")
        if kind == "SDGPRO":
            kind = "DGPROP"
        return self._texts.get((kind, v), "")

    def code_text(self, code: str, *, kind: str = "dx") -> str:
        """The text of a diagnosis (``dx``) or procedure (``proc``) code from the code list, or ""."""
        return self._code_texts.get((kind, code), "")

    @cached_property
    def error_drgs(self) -> frozenset[str]:
        """The logic's error group(s): the DRG(s) its "no valid principal" rules (icd '-') lead to.

        NordDRG sends every case it cannot group (return codes 1-6, 8, 9) to this group (470 in
        the Nordic releases). A case that reaches another DRG with a return code other than 0
        (7 "rare or false combination" on 468/477, A on 120) is grouped and financed; its
        return code is a warning.
        """
        return frozenset(r.drg for r in self.rules if r.icd == "-")

    @cached_property
    def _names(self) -> dict[str, str]:
        out = {r.drg: r.drg_text for r in reversed(self.rules) if r.drg_text}
        out.update({d.drg: d.name for d in reversed(self.drgnames) if d.name})
        return out

    @cached_property
    def _texts(self) -> dict[tuple[str, str], str]:
        return {(t.kind, t.value): t.text for t in reversed(self.texts) if t.text}

    @cached_property
    def _code_texts(self) -> dict[tuple[str, str], str]:
        out = {("dx", c.code): c.text for c in self.dx_codes if c.text}
        out.update({("proc", c.code): c.text for c in self.proc_codes if c.text})
        return out


def _checksum(*tables: tuple[object, ...]) -> str:
    """Content hash of the tables (source row numbers excluded: same content, same sum).
    Empty trailing tables (code lists a release does not publish) leave the sum unchanged."""
    h = hashlib.sha256()
    while tables and not tables[-1]:
        tables = tables[:-1]
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


def is_catch_all(r: Rule) -> bool:
    """A rule without any condition: it matches every case."""
    return not any((r.icd, r.mdc, r.dgcat, r.pdgprop, r.compl, r.or_proc, r.procpro, r.secpro, r.dgprop,
                    r.agelim, r.sex, r.dur, r.disch))


def _validate_catch_all(file: str, table: str, ordered: tuple[Rule, ...]) -> None:
    """Every case must reach a rule: the last rule in `ord` order is the catch-all (every
    published release ends with one, 999D002), and no rule may follow it unreachable."""
    if not ordered:
        raise DefinitionError(file, table, None, "table has no rules")
    first = next((r for r in ordered if is_catch_all(r)), None)
    if first is None:
        raise DefinitionError(
            file, table, ordered[-1].row, "no catch-all rule (a row without conditions) ends the table: some cases would match nothing"
        )
    if first is not ordered[-1]:
        after = ordered[ordered.index(first) + 1]
        raise DefinitionError(
            file, table, after.row, f"(ord {after.ord!r}) follows the catch-all rule {first.ord!r} and can never match"
        )


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
    dx_codes: list[CodeEntry] | None = None,
    proc_codes: list[CodeEntry] | None = None,
    texts: list[PropertyText] | None = None,
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
    _validate_catch_all(source, names["rules"], ordered)
    t_names = tuple(drgnames or ())
    t_rtc = tuple(rtc_names or ())
    t_dx, t_px = tuple(dx_codes or ()), tuple(proc_codes or ())
    return Logic(
        id=id,
        source=source,
        checksum=_checksum(ordered, t_dg, t_proc, t_cc, t_ce, t_dx, t_px),
        rules=ordered,
        dg=t_dg,
        proc=t_proc,
        complcat=t_cc,
        complexcl=t_ce,
        drgnames=t_names,
        rtc_names=t_rtc,
        description=description,
        dx_codes=t_dx,
        proc_codes=t_px,
        texts=tuple(texts or ()),
    )
