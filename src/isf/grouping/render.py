"""Explanations as plain text (for people) and as JSON-ready dicts (for machines)."""

from __future__ import annotations

from typing import Any

from isf.grouping.features import CodeInfo
from isf.grouping.grouper import Explanation, RuleTrace
from isf.grouping.rules import Condition

__all__ = ["explanation_to_dict", "explanation_to_text"]

_RTC = {
    "0": "grouped",
    "A": "grouped",
    "1": "no principal diagnosis",
    "2": "sex missing",
    "3": "sex incoherent with diagnosis",
    "4": "too young for the diagnosis",
    "5": "too old for the diagnosis",
    "6": "age error (over 125 years)",
    "7": "rare or false diagnosis-procedure combination",
    "8": "principal diagnosis not applicable",
    "9": "other error",
}


def _cond(c: Condition) -> dict[str, Any]:
    return {"column": c.column, "required": c.required, "satisfied": c.satisfied, "by": list(c.by), "detail": c.detail}


def _rule(t: RuleTrace) -> dict[str, Any]:
    ff = t.first_failed
    return {
        "ord": t.ord,
        "drg": t.drg,
        "rtc": t.rtc,
        "matched": t.matched,
        "conditions": [_cond(c) for c in t.conditions],
        "first_failed": _cond(ff) if ff else None,
    }


def _code(c: CodeInfo, texts: dict[tuple[str, str], str], code_texts: dict[str, str]) -> dict[str, Any]:
    return {
        "code": c.code,
        "pair_with": c.pair_with or None,
        "role": c.role,
        "known": c.known,
        "valid": c.valid,
        "text": code_texts.get(c.code, ""),
        "properties": [{"vartype": vt, "varval": vv, "text": texts.get((vt, vv), "")} for vt, vv in c.properties],
    }


def explanation_to_dict(e: Explanation) -> dict[str, Any]:
    """Everything in the explanation as JSON-ready data."""
    f = e.features
    texts = {(vt, vv): t for vt, vv, t in e.texts}
    code_texts = dict(e.code_texts)
    return {
        "logic": e.result.logic,
        "result": {
            "drg": e.result.drg,
            "drg_name": e.drg_name,
            "rtc": e.result.rtc,
            "rtc_text": e.rtc_text or _RTC.get(e.result.rtc, ""),
            "rule": e.result.rule,
            "mdc": e.result.mdc,
        },
        "case_features": {
            "principal_valid": f.principal_valid,
            "mdc": f.mdc,
            "dgcat": f.dgcat,
            "pdgprop": sorted(f.pdgprops),
            "dgprop": sorted(f.dgprops),
            "procpro": sorted(f.procprops),
            "or": sorted(set(f.or_values) - {0}),
            "cc_level": f.cc_level,
            "cc_from": list(f.cc_sources),
            "sex": f.sex or None,
            "age_days": f.age_days,
            "los": f.los,
            "discharge": f.discharge,
        },
        "codes": [_code(c, texts, code_texts) for c in e.codes],
        "property_texts": [{"vartype": vt, "varval": vv, "text": t} for vt, vv, t in e.texts],
        "matched_rule": _rule(e.matched) if e.matched else None,
        "near_misses": [_rule(t) for t in e.near_misses],
        "rules_tried": e.rules_tried,
    }


def _fmt_cond(c: Condition) -> str:
    mark = "ok  " if c.satisfied else "FAIL"
    by = f"  <- {', '.join(c.by)}" if c.by else ""
    detail = f"  ({c.detail})" if c.detail and not c.satisfied else ""
    return f"    [{mark}] {c.column} = {c.required}{by}{detail}"


def explanation_to_text(e: Explanation) -> str:
    """A readable trace: result, codes with properties, the matching rule, near misses."""
    r = e.result
    f = e.features
    lines = [
        f"Logic {r.logic}: DRG {r.drg or '-'} {e.drg_name}".rstrip(),
        f"  return code {r.rtc} ({e.rtc_text or _RTC.get(r.rtc, '?')}), rule {r.rule or '-'}, MDC {r.mdc or '-'}",
        "",
        "Codes and their properties:",
    ]
    code_texts = dict(e.code_texts)
    for c in e.codes:
        name = f"{c.code}+{c.pair_with}" if c.pair_with else c.code
        empty = "(not a valid code in this release)" if not c.valid else "(unknown code)" if not c.known else "(no properties)"
        props = ", ".join(f"{vt} {vv}" for vt, vv in c.properties) or empty
        lines.append(f"  {c.role:<10} {name:<14} {props}")
        if code_texts.get(c.code):
            lines.append(f"  {'':<10} {'':<14} {code_texts[c.code]}")
    if e.texts:
        lines += ["", "Property texts (from the release):"]
        lines += [f"  {vt:<7} {vv:<6} {t}" for vt, vv, t in e.texts]
    lines += [
        "",
        "Case features: "
        f"MDC {f.mdc or '-'}, DGCAT {f.dgcat or '-'}, PDGPRO {','.join(sorted(f.pdgprops)) or '-'}, "
        f"CC level {f.cc_level}, OR {','.join(str(v) for v in sorted(set(f.or_values) - {0})) or '-'}, "
        f"sex {f.sex or '-'}, age {f.age_days} d, stay {f.los} d, discharge {f.discharge}",
        "",
    ]
    if e.matched:
        lines.append(f"Matched rule {e.matched.ord} -> DRG {e.matched.drg} (after {e.rules_tried - 1} rules that failed):")
        lines += [_fmt_cond(c) for c in e.matched.conditions] or ["    (no conditions: catch-all row)"]
    else:
        lines.append("No rule matched.")
    if e.near_misses:
        lines += ["", "Earlier rules of the same MDC/DRG family and what failed first:"]
        for t in e.near_misses:
            ff = t.first_failed
            why = f"{ff.column} = {ff.required}" + (f" ({ff.detail})" if ff and ff.detail else "") if ff else "?"
            lines.append(f"  {t.ord:<12} DRG {t.drg:<6} failed on {why}")
    return "\n".join(lines)
