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

__all__ = ["CaseFeatures", "CodeIndex", "CodeInfo", "case_features", "code_index", "slot_valid", "valid_diagnosis_codes"]

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
    inclprop: dict[str, frozenset[str]]  # inactive COMPL -> every DGPROP that activates it
    complexcl: frozenset[tuple[str, str, str]]  # (compl with letter masked, code, d_code)
    excl_by_code: frozenset[tuple[str, str]]  # (compl with letter masked, code): single-code exclusions
    valid_dx: frozenset[str] | None = None  # the release's valid diagnosis codes (None: no list)
    valid_px: frozenset[str] | None = None  # ... and procedure codes


def _inclprops(logic: Logic) -> dict[str, frozenset[str]]:
    """Inactive category -> all DGPROPs that activate it (one `complcat` row per pair)."""
    out: dict[str, set[str]] = defaultdict(set)
    for c in logic.complcat:
        if c.inclprop:
            out[c.compl].add(c.inclprop)
    return {k: frozenset(v) for k, v in out.items()}


def _with_upper_aliases(d: dict[K, Props]) -> dict[K, Props]:
    """Add upper-case keys so 't4n' or 'i219' finds 'T4n' / 'I219' (exact keys win)."""
    out = dict(d)
    for k, v in d.items():
        uk = tuple(x.upper() for x in k) if isinstance(k, tuple) else k.upper()
        out.setdefault(uk, v)  # type: ignore[arg-type]
    return out


def valid_diagnosis_codes(logic: Logic) -> frozenset[str] | None:
    """The diagnosis codes a release accepts, or None when it publishes no code list
    (the 2015-2017 JSON: every code the tables know is used, unknown codes carry nothing).

    With a list (NCC dBase ``ICD.DBF``), a code is valid when the list has it and it is not
    longer than the list's WHO codes (``CODE_W``, at most four characters in 2012): a
    five-character national subdivision (``S92.00``, ``F00.00``, ``Z51.13``) is listed, with
    properties in ``dg_1``, yet NCC's 2012 test database treats it as no valid code -- all
    709 test cases with one as principal expect an ``icd '-'`` rule, none expects it valid,
    and as secondary it brings nothing (tests 20779/20780/20792: S9200 gives neither its
    CC 21C16 nor DGPROP 08X15, S921 in test 4014 gives both). Invalid codes are treated as
    unknown ones; a dagger/asterisk slot is valid only when both codes are.
    """
    if not logic.dx_codes:
        return None
    longest = max((len(c.who) for c in logic.dx_codes if c.who), default=0)
    return frozenset(c.code for c in logic.dx_codes if not longest or len(c.code) <= longest)


def _valid_procedures(logic: Logic) -> frozenset[str] | None:
    """Procedure codes of the release's list (csp.DBF), or None without a list."""
    return frozenset(c.code for c in logic.proc_codes) if logic.proc_codes else None


@lru_cache(maxsize=16)
def _build_index(logic: Logic) -> CodeIndex:
    valid = valid_diagnosis_codes(logic)
    valid_px = _valid_procedures(logic)
    dx: dict[str, list[tuple[str, str]]] = defaultdict(list)
    pair: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for r in logic.dg:
        if valid is not None and (r.code not in valid or (r.d_code and r.d_code not in valid)):
            continue
        if r.d_code:
            pair[(r.d_code, r.code)].append((r.vartype, r.varval))
        else:
            dx[r.code].append((r.vartype, r.varval))
    proc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p in logic.proc:
        if valid_px is None or p.code in valid_px:
            proc[p.code].append((p.vartype, p.varval))
    return CodeIndex(
        dx=_with_upper_aliases({k: tuple(v) for k, v in dx.items()}),
        dx_pair=_with_upper_aliases({k: tuple(v) for k, v in pair.items()}),
        proc=_with_upper_aliases({k: tuple(v) for k, v in proc.items()}),
        inclprop=_inclprops(logic),
        complexcl=frozenset((_wildcard(e.compl), e.code, e.d_code) for e in logic.complexcl),
        excl_by_code=frozenset((_wildcard(e.compl), e.code) for e in logic.complexcl if not e.d_code),
        valid_dx=None if valid is None else valid | {c.upper() for c in valid},
        valid_px=valid_px,
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
    valid: bool = True  # False: not a valid code of this release (its list says so)


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
    proc_or: tuple[frozenset[int], ...]  # OR values per procedure, in order (all of them)
    or_values: frozenset[int]  # every OR value of the case (procedures and diagnoses)
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


def slot_valid(idx: CodeIndex, slot: tuple[str, ...]) -> bool:
    """Every code of the slot is on the release's list (always true without a list)."""
    return idx.valid_dx is None or all(c in idx.valid_dx for c in slot)


def _slot_props(idx: CodeIndex, slot: tuple[str, ...]) -> tuple[Props, bool]:
    """Properties of a diagnosis slot: the pair's own rows plus each code's single-code rows."""
    if not slot or not slot_valid(idx, slot):
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
    if not slot_valid(idx, slot):
        return ""
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
    dg_by_slot: dict[int, set[str]] = {}
    pdgprops: set[str] = set()
    procprops: set[str] = set()
    or_values: set[int] = set()
    mdc = dgcat = ""
    principal_known = False
    principal_compl: set[str] = set()
    secondary_compl: list[tuple[str, int]] = []

    for i, slot in enumerate(case.diagnoses):
        if not slot:  # an empty principal slot
            continue
        props, known = _slot_props(idx, slot)
        if i == 0:
            principal_known = known
            dgcat = _recode98(_dgcat(idx, slot), sex)
            mdc = dgcat[:2]
            props = tuple((vt, _recode98(vv, sex)) for vt, vv in props)
        mine: set[str] = dg_by_slot.setdefault(i, set())
        for vt, vv in props:
            if vt in ("DGPROP", "SDGPRO"):
                mine.add(vv)
            elif vt == "PDGPRO":
                if i == 0:
                    pdgprops.add(vv)
            elif vt == "COMPL":
                if i == 0:
                    principal_compl.add(_wildcard(vv))
                else:
                    secondary_compl.append((vv, i))
            elif vt == "PROCPR":
                procprops.add(vv)
            elif vt == "OR" and vv.isdigit():
                or_values.add(int(vv))
        codes.append(
            CodeInfo(slot[0], "principal" if i == 0 else "secondary", i, known, props,
                     slot[1] if len(slot) == 2 else "", slot_valid(idx, slot))
        )

    each: list[frozenset[str]] = []
    proc_or: list[frozenset[int]] = []
    proc_cc: list[str] = []
    proc_dg: set[str] = set()
    for j, code in enumerate(case.procedures):
        props = idx.proc.get(code, ())
        mine_pr: set[str] = set()
        ors: set[int] = set()
        for vt, vv in props:
            if vt == "PROCPR":
                mine_pr.add(vv)
            elif vt == "DGPROP":
                proc_dg.add(vv)
            elif vt == "OR" and vv.isdigit() and int(vv) > 0:
                ors.add(int(vv))  # every value: NOR2017's LFB30 has OR 1 and OR 2
            elif vt == "CC" and vv.isdigit() and int(vv) > 0:
                proc_cc.append(code)
        procprops |= mine_pr
        each.append(frozenset(mine_pr))
        proc_or.append(frozenset(ors))
        or_values |= ors
        codes.append(CodeInfo(code, "procedure", j, code in idx.proc, props, "",
                              idx.valid_px is None or code in idx.valid_px or code.upper() in idx.valid_px))

    dgprops = proc_dg.union(*dg_by_slot.values())
    kept = [(c, i) for c, i in secondary_compl if _wildcard(c) not in principal_compl]
    # An inactive category is activated by "another diagnosis or procedure code" [ch. 5.3]:
    # any code but the secondary that carries it, the principal included (2012 test case
    # 16729: K315 with 06X02 activates 06I10 of K277).
    others = {i: proc_dg.union(*(v for k, v in dg_by_slot.items() if k != i)) for _, i in kept}
    cc_level, cc_sources = _cc_level(idx, case, [(c, case.diagnoses[i], others[i]) for c, i in kept], proc_cc)
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
        proc_or=tuple(proc_or),
        or_values=frozenset(or_values),
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
    secondary_compl: list[tuple[str, tuple[str, ...], set[str]]],
    proc_cc: list[str],
) -> tuple[int, list[str]]:
    """CC level from secondary diagnoses' COMPL categories and procedures' CC [ch. 5].

    A secondary's category counts unless the principal has the same category (letter
    masked), or the principal is on the category's exclusion list (`compl_excl`, see
    `_excluded`). An inactive category (I, or J for level 2) counts once one of its
    `inclprop` DGPROPs (a category may have several: 06I10 has 06X02 and 06X03 in every
    release) comes from another code of the case (`activators`, see `case_features`).
    """
    level = 0
    sources: list[str] = []
    if proc_cc:
        level = 1
        sources.extend(proc_cc)
    pslot = case.diagnoses[0] if case.diagnoses else ()
    for compl, slot, activators in secondary_compl:
        this = _compl_level(idx, compl, activators)
        if not this or _excluded(idx, compl, pslot):
            continue
        sources.append(slot[0])
        level = max(level, this)
    return level, sources


def _compl_level(idx: CodeIndex, compl: str, activators: set[str] | frozenset[str]) -> int:
    """The CC level a complication category gives: G 2, C 1; an inactive I (J) gives 1 (2)
    once one of its activating DGPROPs is among `activators`, else 0."""
    kind = compl[2:3]
    if kind in ("I", "J"):
        return (1 if kind == "I" else 2) if idx.inclprop.get(compl, frozenset()) & activators else 0
    return {"G": 2, "C": 1}.get(kind, 0)


def _excluded(idx: CodeIndex, compl: str, pslot: tuple[str, ...]) -> bool:
    """Is the principal on `compl`'s exclusion list? A pair principal is excluded by its exact
    pair row or by either code's own row.

    The list is found by the category's MDC and number with the letter masked (`06G03`,
    `06C03` and `06I03` share one list): the 2012 release publishes lists only under the C
    form (13,761 rows, no G or I list although 178 G categories exist; its test database
    needs S141 with 01G02 to be excluded for principal S128 by the 01C02 list), and the
    2015-2017 releases publish identical C and G lists for every number, so the masked
    reading gives the same result there.
    """
    if not pslot:
        return False
    key = _wildcard(compl)
    if len(pslot) == 2:
        dagger, asterisk = pslot
        return (
            (key, asterisk, dagger) in idx.complexcl
            or (key, dagger) in idx.excl_by_code
            or (key, asterisk) in idx.excl_by_code
        )
    return (key, pslot[0]) in idx.excl_by_code
