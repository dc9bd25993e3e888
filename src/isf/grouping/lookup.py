"""Reading the logic backwards: which DRGs a code can lead to, and what a DRG contains.

These are the two manual look-ups of the reading guide ("How to read NordDRG definition
tables", 2021-12-20) done as pure functions over a `Logic`:

* ch. 8 -- `drgs_for_code`: the rules a code can reach *as principal diagnosis* (or, for a
  procedure code, as the procedure the rule asks for), by comparing the code's properties
  with the columns ``mdc`` .. ``dgprop4`` of ``drg_logic`` (``compl`` left out).
* ch. 7 -- `drg_contents`: the rules leading to a DRG, and for each property a rule asks
  for, the diagnosis and procedure codes that carry it.

Both are indicative, as the guide says: a code found this way may also end elsewhere with
other codes, and a rule may need properties from other codes of the case (listed as
``needs``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

from isf.definitions.model import Logic, Rule

__all__ = [
    "CodeProperties",
    "DrgContents",
    "DrgRoute",
    "PropertyCodes",
    "RuleContents",
    "code_properties",
    "drg_contents",
    "drgs_for_code",
]

Props = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CodeProperties:
    """A code as the tables know it: ``kind`` is ``dx`` or ``proc``; empty props = unknown."""

    code: str
    kind: str
    properties: Props

    @property
    def known(self) -> bool:
        return bool(self.properties)

    def values(self, vartype: str) -> tuple[str, ...]:
        return tuple(vv for vt, vv in self.properties if vt == vartype)


@dataclass(frozen=True, slots=True)
class DrgRoute:
    """One `drg_logic` rule the code can reach.

    ``via`` says which of the rule's columns the code itself satisfies (``"dgcat 05M01"``);
    ``needs`` lists what the rest of the case must bring (other codes, age, CC level ...);
    ``sex`` is ``M``/``F`` when only that sex gets there (MDC 98 recode, ch. 6), else ``""``.
    """

    drg: str
    name: str
    ord: str
    rtc: str
    via: tuple[str, ...]
    needs: tuple[str, ...]
    sex: str = ""


@dataclass(frozen=True, slots=True)
class PropertyCodes:
    """Codes carrying the property one rule column asks for (empty for a '-' requirement)."""

    column: str
    required: str
    dx: tuple[str, ...]
    proc: tuple[str, ...]
    text: str = ""  # the release's text of the property value ("" when it publishes none)


@dataclass(frozen=True, slots=True)
class RuleContents:
    rule: Rule
    properties: tuple[PropertyCodes, ...]


@dataclass(frozen=True, slots=True)
class DrgContents:
    """Every rule leading to ``drg`` (in ``ord`` order) with the codes behind each property."""

    drg: str
    name: str
    rules: tuple[RuleContents, ...]


@dataclass(frozen=True, slots=True)
class _Index:
    dx: dict[str, Props]
    proc: dict[str, Props]
    dx_by: dict[tuple[str, str], tuple[str, ...]]  # (vartype, varval) -> codes
    proc_by: dict[tuple[str, str], tuple[str, ...]]


@lru_cache(maxsize=8)
def _index(logic: Logic) -> _Index:
    dx: dict[str, list[tuple[str, str]]] = defaultdict(list)
    proc: dict[str, list[tuple[str, str]]] = defaultdict(list)
    dx_by: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    proc_by: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for r in logic.dg:
        if r.d_code:  # pair rows describe the combination, not the single code
            dx_by[(r.vartype, r.varval)][f"{r.d_code}&{r.code}"] = None
            continue
        dx[r.code].append((r.vartype, r.varval))
        dx_by[(r.vartype, r.varval)][r.code] = None
    for p in logic.proc:
        proc[p.code].append((p.vartype, p.varval))
        proc_by[(p.vartype, p.varval)][p.code] = None
    return _Index(
        dx={k: tuple(v) for k, v in dx.items()},
        proc={k: tuple(v) for k, v in proc.items()},
        dx_by={k: tuple(v) for k, v in dx_by.items()},
        proc_by={k: tuple(v) for k, v in proc_by.items()},
    )


def _clean(code: str) -> str:
    return code.replace("*", "").replace(".", "").replace(" ", "").strip()


def code_properties(logic: Logic, code: str, *, kind: str = "auto") -> CodeProperties:
    """The table rows of ``code`` (``kind`` ``dx``, ``proc`` or ``auto``: diagnosis first)."""
    idx = _index(logic)
    c = _clean(code)
    for k, table in (("dx", idx.dx), ("proc", idx.proc)):
        if kind not in ("auto", k):
            continue
        for cand in (c, c.upper()):
            if cand in table:
                return CodeProperties(cand, k, table[cand])
    return CodeProperties(c, "proc" if kind == "proc" else "dx", ())


def _recode(props: Props, sex: str) -> Props:
    prefix = {"M": "12", "F": "13"}.get(sex)
    if prefix is None:
        return props
    return tuple((vt, prefix + vv[2:] if vv.startswith("98") else vv) for vt, vv in props)


def _holds(required: str, have: set[str]) -> bool:
    return required[1:] not in have if required.startswith("-") else required in have


def _other_needs(rule: Rule) -> list[str]:
    out = []
    for col, val in (("compl", rule.compl), ("or", rule.or_proc), ("agelim", rule.agelim),
                     ("sex", rule.sex), ("dur", rule.dur), ("disch", rule.disch)):
        if val:
            out.append(f"{col} {val}")
    return out


def _route_for_dx(rule: Rule, props: Props) -> tuple[list[str], list[str]] | None:
    """(via, needs) when a principal with ``props`` can satisfy ``rule``, else None."""
    dgcat = next((vv for vt, vv in props if vt == "DGCAT"), "")
    mdc = dgcat[:2]
    pdg = {vv for vt, vv in props if vt == "PDGPRO"}
    dgp = {vv for vt, vv in props if vt in ("DGPROP", "SDGPRO")}
    procpr = {vv for vt, vv in props if vt == "PROCPR"}
    via: list[str] = []
    needs: list[str] = []
    if rule.icd == "-" and dgcat:
        return None
    if rule.mdc:
        if not _holds(rule.mdc, {mdc} if mdc else set()):
            return None
        via.append(f"mdc {rule.mdc}")
    if rule.dgcat:
        if not dgcat or not _holds(rule.dgcat, {dgcat}):
            return None
        via.append(f"dgcat {rule.dgcat}")
    if rule.pdgprop:
        if not _holds(rule.pdgprop, pdg):
            return None
        via.append(f"pdgprop {rule.pdgprop}")
    for k, prop in enumerate(rule.dgprop, start=1):
        if prop.startswith("-"):
            if prop[1:] in dgp:
                return None
            needs.append(f"dgprop{k} {prop}")
        elif prop in dgp:
            via.append(f"dgprop{k} {prop}")
        else:
            needs.append(f"dgprop{k} {prop}")
    for col, val in (("procpro", rule.procpro), ("secpro", rule.secpro)):
        if val and not val.startswith("-") and val in procpr:
            via.append(f"{col} {val}")
        elif val:
            needs.append(f"{col} {val}")
    if not via:  # nothing ties the rule to this code: any principal could get there
        return None
    return via, needs + _other_needs(rule)


def _route_for_proc(rule: Rule, props: Props) -> tuple[list[str], list[str]] | None:
    procpr = {vv for vt, vv in props if vt == "PROCPR"}
    dgp = {vv for vt, vv in props if vt == "DGPROP"}
    orv = {vv for vt, vv in props if vt == "OR"}
    via: list[str] = []
    needs: list[str] = []
    for col, val in (("procpro", rule.procpro), ("secpro", rule.secpro)):
        if not val:
            continue
        if val.startswith("-"):
            if val[1:] in procpr:
                return None
            needs.append(f"{col} {val}")
        elif val in procpr:
            via.append(f"{col} {val}")
        else:
            needs.append(f"{col} {val}")
    for k, prop in enumerate(rule.dgprop, start=1):
        if prop.startswith("-") and prop[1:] in dgp:
            return None
        if prop in dgp:
            via.append(f"dgprop{k} {prop}")
        else:
            needs.append(f"dgprop{k} {prop}")
    if not via:
        return None
    if rule.or_proc in ("N", "Z") and (orv & ({"1"} if rule.or_proc == "N" else {"1", "2"})):
        return None
    principal = [f"{col} {val}" for col, val in (("icd", rule.icd), ("mdc", rule.mdc),
                 ("dgcat", rule.dgcat), ("pdgprop", rule.pdgprop)) if val]
    return via, principal + needs + _other_needs(rule)


def _sibling_key(rule: Rule) -> tuple[object, ...]:
    return (rule.icd, rule.mdc, rule.pdgprop, rule.compl, rule.or_proc, rule.procpro, rule.secpro,
            rule.dgprop, rule.agelim, rule.sex, rule.dur, rule.disch)


def drgs_for_code(logic: Logic, code: str, *, kind: str = "auto") -> list[DrgRoute]:
    """Rules (and so DRGs) ``code`` can lead to, in rule order [reading guide ch. 8].

    A diagnosis is read as principal: rules whose ``mdc``/``dgcat``/``pdgprop`` contradict
    its properties are left out, and a rule must be tied to the code by at least one column.
    A rule with an empty ``dgcat`` is dropped when an earlier, otherwise identical rule asks
    for the code's own category (the guide's "residual categories" reading). MDC 98 codes
    are tried for both sexes (ch. 6). Unknown codes give an empty list.
    """
    cp = code_properties(logic, code, kind=kind)
    if not cp.known:
        return []
    variants: list[tuple[str, Props]] = [("", cp.properties)]
    if cp.kind == "dx" and any(vv.startswith("98") for vt, vv in cp.properties if vt == "DGCAT"):
        variants = [("M", _recode(cp.properties, "M")), ("F", _recode(cp.properties, "F"))]
    routes: list[DrgRoute] = []
    for sex, props in variants:
        dgcat = next((vv for vt, vv in props if vt == "DGCAT"), "")
        claimed: set[tuple[object, ...]] = set()
        for rule in logic.rules:
            found = _route_for_dx(rule, props) if cp.kind == "dx" else _route_for_proc(rule, props)
            if found is None:
                continue
            if cp.kind == "dx" and rule.dgcat and rule.dgcat == dgcat:
                claimed.add(_sibling_key(rule))
            elif cp.kind == "dx" and not rule.dgcat and _sibling_key(rule) in claimed:
                continue
            via, needs = found
            if sex and rule.sex and rule.sex != sex:
                continue
            routes.append(DrgRoute(rule.drg, logic.drg_name(rule.drg), rule.ord, rule.rtc,
                                   tuple(via), tuple(needs), sex))
    routes.sort(key=lambda r: (r.ord, r.sex))
    return routes


def _codes(idx: _Index, vartypes: tuple[str, ...], value: str, *, dx: bool, proc: bool) -> PropertyCodes:
    if value.startswith("-"):
        return PropertyCodes("", value, (), ())
    want = [value]
    if value[:2] in ("12", "13") and vartypes[0] in ("DGCAT", "PDGPRO", "DGPROP"):
        want.append("98" + value[2:])  # MDC 98 codes reach 12/13 through the sex recode
    d: dict[str, None] = {}
    p: dict[str, None] = {}
    for vt in vartypes:
        for v in want:
            if dx:
                d.update(dict.fromkeys(idx.dx_by.get((vt, v), ())))
            if proc:
                p.update(dict.fromkeys(idx.proc_by.get((vt, v), ())))
    return PropertyCodes("", value, tuple(d), tuple(p))


def _residual_dgcats(logic: Logic, rule: Rule) -> set[str]:
    """DGCATs claimed by earlier rules identical to ``rule`` except for ``dgcat`` [ch. 7]."""
    key = _sibling_key(rule)
    out = set()
    for r in logic.rules:
        if r.ord >= rule.ord:
            break
        if r.dgcat and not r.dgcat.startswith("-") and _sibling_key(r) == key:
            out.add(r.dgcat)
    return out


def drg_contents(logic: Logic, drg: str) -> DrgContents:
    """The rules leading to ``drg`` and the codes having each property they need [ch. 7].

    For a rule with an ``mdc`` but no ``dgcat``, the ``mdc`` entry lists the principal
    diagnoses of that MDC whose category no earlier sibling rule claims ("residual
    diagnosis categories"). Procedures with diagnosis properties are listed under ``proc``.
    """
    idx = _index(logic)
    want = drg.strip()
    out: list[RuleContents] = []
    for rule in logic.rules:
        if rule.drg != want:
            continue
        props: list[PropertyCodes] = []
        if rule.mdc and not rule.dgcat and not rule.mdc.startswith("-"):
            taken = _residual_dgcats(logic, rule)
            codes = [
                c for c, pr in idx.dx.items()
                if any(vt == "DGCAT" and vv[:2] in _mdc_forms(rule.mdc) and vv not in taken for vt, vv in pr)
            ]
            props.append(PropertyCodes("mdc", rule.mdc, tuple(codes), ()))
        if rule.dgcat:
            pc = _codes(idx, ("DGCAT",), rule.dgcat, dx=True, proc=False)
            props.append(PropertyCodes("dgcat", rule.dgcat, pc.dx, ()))
        if rule.pdgprop:
            pc = _codes(idx, ("PDGPRO",), rule.pdgprop, dx=True, proc=False)
            props.append(PropertyCodes("pdgprop", rule.pdgprop, pc.dx, ()))
        for col, val in (("procpro", rule.procpro), ("secpro", rule.secpro)):
            if val:
                pc = _codes(idx, ("PROCPR",), val, dx=True, proc=True)
                props.append(PropertyCodes(col, val, pc.dx, pc.proc))
        for k, prop in enumerate(rule.dgprop, start=1):
            pc = _codes(idx, ("DGPROP", "SDGPRO"), prop, dx=True, proc=True)
            props.append(PropertyCodes(f"dgprop{k}", prop, pc.dx, pc.proc))
        out.append(RuleContents(rule, tuple(replace(p, text=logic.property_text(_KIND[p.column.rstrip("1234")], p.required))
                                            for p in props)))
    return DrgContents(want, logic.drg_name(want), tuple(out))


_KIND = {"mdc": "MDC", "dgcat": "DGCAT", "pdgprop": "PDGPRO", "procpro": "PROCPR", "secpro": "PROCPR", "dgprop": "DGPROP"}


def _mdc_forms(mdc: str) -> tuple[str, ...]:
    return (mdc, "98") if mdc in ("12", "13") else (mdc,)
