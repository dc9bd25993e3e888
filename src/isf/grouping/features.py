"""Code -> properties, and the case features the rules test (the grouper's first phase).

Reading guide (How to read NordDRG definition tables, 2021-12-20) references in brackets.
Everything here is pure: a compiled `CodeIndex` plus a `Case` in, `CaseFeatures` out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeVar

from isf.definitions.model import Logic
from isf.grouping.case import Case

__all__ = ["CodeIndex", "CodeInfo", "CaseFeatures", "code_index", "case_features"]

Props = tuple[tuple[str, str], ...]  # ((vartype, varval), ...)
K = TypeVar("K", str, tuple[str, str])

# Principal-only property types [drg_logic: 'mdc', 'dgcat', 'pdgprop'].
_PRINCIPAL_ONLY = ("MDC", "DGCAT", "PDGPRO")


@dataclass(frozen=True, slots=True)
class CodeIndex:
    """The definition tables turned into look-ups (built once per logic, cached by checksum)."""

    dx: dict[str, Props]
    dx_pair: dict[tuple[str, str], Props]  # (dagger, asterisk) -> pair properties
    proc: dict[str, Props]
    inclprop: dict[str, str]  # inactive COMPL -> activating DGPROP
    complexcl: frozenset[tuple[str, str, str]]  # (compl, code, d_code)
    excl_by_code: frozenset[tuple[str, str]]  # (compl, code) for single-code exclusions


def _with_upper_aliases(d: dict[K, Props]) -> dict[K, Props]:
    """Add upper-case keys so 't4n' or 'i219' finds 'T4n' / 'I219' (exact keys win)."""
    out = dict(d)
    for k, v in d.items():
        uk = tuple(x.upper() for x in k) if isinstance(k, tuple) else k.upper()
        out.setdefault(uk, v)  # type: ignore[arg-type]
    return out


@lru_cache(maxsize=16)
def _build_index(logic: Logic) -> CodeIndex:
    dx: dict[str, list[tuple[str, str]]] = defaultdict(list)
    pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for r in logic.dg:
        if r.d_code:
            pair[(r.d_code, r.code)].append((r.vartype, r.varval))
        else:
            dx[r.code].append((r.vartype, r.varval))
    proc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in logic.proc:
        proc[p.code].append((p.vartype, p.varval))
    return CodeIndex(
        dx=_with_upper_aliases({k: tuple(v) for k, v in dx.items()}),
        dx_pair=_with_upper_aliases({k: tuple(v) for k, v in pair.items()}),
        proc=_with_upper_aliases({k: tuple(v) for k, v in proc.items()}),
        inclprop={c.compl: c.inclprop for c in logic.complcat if c.inclprop},
        complexcl=frozenset((e.compl, e.code, e.d_code) for e in logic.complexcl),
        excl_by_code=frozenset((e.compl, e.code) for e in logic.complexcl if not e.d_code),
    )


def code_index(logic: Logic) -> CodeIndex:
    """The compiled look-ups of `logic` (memoised; `Logic` is hashable by value)."""
    return _build_index(logic)


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One code of the case with the properties it brings (for the explain trace)."""

    code: str
    role: str  # principal | secondary | procedure
    slot: int
    known: bool
    properties: Props
    pair_with: str = ""


@dataclass(frozen=True, slots=True)
class CaseFeatures:
    """What the rules look at, derived from the codes [drg_logic columns icd..disch]."""

    has_principal: bool  # the principal slot holds a code
    principal_known: bool  # ... that the tables know
    principal_valid: bool  # ... and that gives a DGCAT (what icd '+' requires)
    mdc: str
    dgcat: str
    pdgprops: frozenset[str]
    dgprops: frozenset[str]  # DGPROP/SDGPRO from any diagnosis or procedure
    procprops: frozenset[str]
    proc_props_each: tuple[frozenset[str], ...]  # PROCPR per procedure, in order
    or_values: tuple[int, ...]  # OR value per procedure (0 when none)
    cc_level: int  # 0, 1 (CC) or 2 (MCC)
    cc_sources: tuple[str, ...]  # codes that gave CC, for explain
    sex: str
    age_days: int
    los: int
    discharge: str
    codes: tuple[CodeInfo, ...]


def _recode98(varval: str, sex: str) -> str:
    """MDC 98 (shared genital diagnoses) becomes 12 for men, 13 for women [ch. 6]."""
    if varval.startswith("98"):
        if sex == "M":
            return "12" + varval[2:]
        if sex == "F":
            return "13" + varval[2:]
    return varval


def _slot_props(idx: CodeIndex, slot: tuple[str, ...]) -> tuple[Props, bool]:
    """Properties of a diagnosis slot: the pair's own rows plus each code's single-code rows."""
    if not slot:
        return (), False
    if len(slot) == 2:
        dagger, asterisk = slot
        props = idx.dx_pair.get((dagger, asterisk), ()) + idx.dx.get(dagger, ()) + idx.dx.get(asterisk, ())
        known = (dagger, asterisk) in idx.dx_pair or dagger in idx.dx or asterisk in idx.dx
        return props, known
    code = slot[0]
    return idx.dx.get(code, ()), code in idx.dx


def _canon(code: str, table: dict[str, Props]) -> str:
    return code if code in table or code.upper() not in table else code.upper()


def _canonical(idx: CodeIndex, case: Case) -> Case:
    """Codes as the tables spell them (look-ups fold case only when the exact code is unknown)."""
    dx = tuple(tuple(_canon(c, idx.dx) for c in slot) for slot in case.diagnoses)
    procs = tuple(_canon(c, idx.proc) for c in case.procedures)
    if dx == case.diagnoses and procs == case.procedures:
        return case
    return replace(case, diagnoses=dx, procedures=procs)


def _first(props: Props, vartype: str) -> str:
    for vt, vv in props:
        if vt == vartype:
            return vv
    return ""


def _dgcat(idx: CodeIndex, slot: tuple[str, ...]) -> str:
    """One DGCAT for the principal slot: the pair's own row, else the asterisk's, else the
    dagger's [reading guide: dg_feat; reference cases 775, 1097, 1098]."""
    if len(slot) == 2:
        for props in (idx.dx_pair.get((slot[0], slot[1]), ()), idx.dx.get(slot[1], ()), idx.dx.get(slot[0], ())):
            v = _first(props, "DGCAT")
            if v:
                return v
        return ""
    return _first(idx.dx.get(slot[0], ()), "DGCAT") if slot else ""


def _wildcard(compl: str) -> str:
    return compl[:2] + "*" + compl[3:]


def case_features(logic: Logic, case: Case) -> CaseFeatures:
    """Derive the grouping features of `case` under `logic` (pure).

    * DGCAT and PDGPRO come from the principal slot only; MDC is the DGCAT's first two digits.
    * DGPROP (and SDGPRO), PROCPR and OR come from every diagnosis slot and every procedure.
    * COMPL comes from secondary slots only (see `_cc_level`).
    * MDC 98 recode: the principal's properties starting with 98 become 12 (male) or 13
      (female); sex missing leaves 98. Properties from secondary diagnoses are *not* recoded:
      the 2015 reference case 1322 (Z090 + A630 with DGPROP 98X99, female) requires it.
    """
    idx = code_index(logic)
    case = _canonical(idx, case)
    sex = case.sex
    codes: list[CodeInfo] = []
    dgprops: set[str] = set()
    pdgprops: set[str] = set()
    procprops: set[str] = set()
    or_values: list[int] = []
    dx_or: list[int] = []
    mdc = dgcat = ""
    principal_known = False
    principal_compl: set[str] = set()
    secondary_compl: list[tuple[str, tuple[str, ...]]] = []
    dgprop_from_principal: set[str] = set()

    for i, slot in enumerate(case.diagnoses):
        if not slot:  # an empty principal slot
            continue
        props, known = _slot_props(idx, slot)
        if i == 0:
            principal_known = known
            dgcat = _recode98(_dgcat(idx, slot), sex)
            mdc = dgcat[:2]
            props = tuple((vt, _recode98(vv, sex)) for vt, vv in props)
        for vt, vv in props:
            if vt in ("DGPROP", "SDGPRO"):
                dgprops.add(vv)
                if i == 0:
                    dgprop_from_principal.add(vv)
            elif vt == "PDGPRO":
                if i == 0:
                    pdgprops.add(vv)
            elif vt == "COMPL":
                if i == 0:
                    principal_compl.add(_wildcard(vv))
                else:
                    secondary_compl.append((vv, slot))
            elif vt == "PROCPR":
                procprops.add(vv)
            elif vt == "OR" and vv.isdigit():
                dx_or.append(int(vv))
        codes.append(
            CodeInfo(slot[0], "principal" if i == 0 else "secondary", i, known, props,
                     slot[1] if len(slot) == 2 else "")
        )

    each: list[frozenset[str]] = []
    proc_cc: list[str] = []
    for j, code in enumerate(case.procedures):
        props = idx.proc.get(code, ())
        mine: set[str] = set()
        orv = 0
        for vt, vv in props:
            if vt == "PROCPR":
                mine.add(vv)
            elif vt == "DGPROP":
                dgprops.add(vv)
            elif vt == "OR":
                orv = max(orv, int(vv) if vv.isdigit() else 0)
            elif vt == "CC" and vv.isdigit() and int(vv) > 0:
                proc_cc.append(code)
        procprops |= mine
        each.append(frozenset(mine))
        or_values.append(orv)
        codes.append(CodeInfo(code, "procedure", j, code in idx.proc, props))

    secondary_compl = [(c, s) for c, s in secondary_compl if _wildcard(c) not in principal_compl]
    cc_level, cc_sources = _cc_level(idx, case, secondary_compl, dgprops - dgprop_from_principal, proc_cc)
    return CaseFeatures(
        has_principal=bool(case.diagnoses and case.diagnoses[0]),
        principal_known=principal_known,
        principal_valid=bool(dgcat),
        mdc=mdc,
        dgcat=dgcat,
        pdgprops=frozenset(pdgprops),
        dgprops=frozenset(dgprops),
        procprops=frozenset(procprops),
        proc_props_each=tuple(each),
        or_values=tuple(or_values) + tuple(dx_or),
        cc_level=cc_level,
        cc_sources=tuple(cc_sources),
        sex=sex,
        age_days=case.age_days,
        los=case.los,
        discharge=case.discharge,
        codes=tuple(codes),
    )


def _cc_level(
    idx: CodeIndex,
    case: Case,
    secondary_compl: list[tuple[str, tuple[str, ...]]],
    activators: set[str],
    proc_cc: list[str],
) -> tuple[int, list[str]]:
    """CC level from secondary diagnoses' COMPL categories and procedures' CC [ch. 5].

    A secondary's category counts unless the principal has the same category (letter
    masked), or the principal is on the category's exclusion list (`compl_excl`). An
    inactive category (I, or J for level 2) counts once its `inclprop` DGPROP comes from a
    code other than the principal; the exclusion list is then checked for the active form.
    """
    level = 0
    sources: list[str] = []
    if proc_cc:
        level = 1
        sources.extend(proc_cc)
    pslot = case.diagnoses[0] if case.diagnoses else ()
    for compl, slot in secondary_compl:
        kind = compl[2:3]
        this = {"G": 2, "C": 1}.get(kind, 0)
        if kind in ("I", "J"):
            act = idx.inclprop.get(compl, "")
            if not act or act not in activators:
                continue
            this = 1 if kind == "I" else 2
        if not this or _excluded(idx, compl, pslot):
            continue
        if kind in ("I", "J") and _excluded(idx, compl[:2] + ("C" if kind == "I" else "G") + compl[3:], pslot):
            continue
        sources.append(slot[0])
        level = max(level, this)
    return level, sources


def _excluded(idx: CodeIndex, compl: str, pslot: tuple[str, ...]) -> bool:
    """Is the principal on `compl`'s exclusion list? A pair principal is excluded by its exact
    pair row or by either code's own row."""
    if not pslot:
        return False
    if len(pslot) == 2:
        dagger, asterisk = pslot
        return (
            (compl, asterisk, dagger) in idx.complexcl
            or (compl, dagger) in idx.excl_by_code
            or (compl, asterisk) in idx.excl_by_code
        )
    return (compl, pslot[0]) in idx.excl_by_code
