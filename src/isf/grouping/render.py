"""Explanations as plain text (for people) and as JSON-ready dicts (for machines).

Both are in bokmål by default and in English with ``lang="en"``. Rule conditions read as
words (each column unit's `describe`, with the release's text of the property value it
names) and keep the raw table value beside them: ``required`` in JSON, ``[column value]`` in
text. Nothing here is computed anew: every verdict comes from the explanation.

>>> from isf.definitions import DgRow, Rule, build_logic
>>> from isf.grouping import explain, make_case
>>> rules = [Rule("001D", "123A", "0", icd="+", or_proc="P"), Rule("002D", "123B", "0", icd="+")]
>>> lg = build_logic(id="T", source="doc", rules=[*rules, Rule("999D999", "470", "8")], proc=[],
...                  dg=[DgRow("I219", "", "DGCAT", "05M01")], complcat=[], complexcl=[])
>>> e = explain(lg, make_case(sex="M", age_days=20000, los=3, diagnoses=["I219"]))
>>> d = explanation_to_dict(e, lang="en")
>>> [(c["column"], c["required"], c["text"]) for c in d["near_misses"][0]["conditions"]][1]
('or', 'P', 'at least one OR procedure (OR 1 or 2)')
>>> print(explanation_to_text(e).splitlines()[-1])
  001D         DRG 123A   feilet på: minst én OR-prosedyre (OR 1 eller 2) [or P] (OR-verdier i saken: ingen)
"""

from __future__ import annotations

from typing import Any

from isf.formatting import number
from isf.grouping.criteria import Condition
from isf.grouping.explain import Explanation, RuleTrace
from isf.grouping.features import CodeInfo

__all__ = ["explanation_to_dict", "explanation_to_text", "rtc_words"]

_RTC = {
    "0": ("gruppert", "grouped"),
    "A": ("gruppert", "grouped"),
    "1": ("mangler hoveddiagnose", "no principal diagnosis"),
    "2": ("kjønn mangler", "sex missing"),
    "3": ("kjønn passer ikke med diagnosen", "sex incoherent with diagnosis"),
    "4": ("for ung for diagnosen", "too young for the diagnosis"),
    "5": ("for gammel for diagnosen", "too old for the diagnosis"),
    "6": ("aldersfeil (over 125 år)", "age error (over 125 years)"),
    "7": ("sjelden eller feil kombinasjon av diagnose og prosedyre", "rare or false diagnosis-procedure combination"),
    "8": ("hoveddiagnosen kan ikke brukes", "principal diagnosis not applicable"),
    "9": ("annen feil", "other error"),
}
_ROLE = {"principal": ("hoveddiagnose", "principal"), "secondary": ("bidiagnose", "secondary"),
         "procedure": ("prosedyre", "procedure")}


def _w(lang: str, nb: str, en: str) -> str:
    return en if lang == "en" else nb


def rtc_words(e: Explanation, lang: str = "nb") -> str:
    """The return code's text: in bokmål the release's own (its language), else NordDRG's
    meaning in `lang`."""
    if e.rtc_text and lang != "en":
        return e.rtc_text
    return _w(lang, *_RTC.get(e.result.rtc, (e.result.rtc, e.result.rtc)))


def _cond(c: Condition, e: Explanation, lang: str) -> dict[str, Any]:
    return {"column": c.column, "required": c.required, "text": c.describe(lang, e.text_of),
            "satisfied": c.satisfied, "by": list(c.by), "detail": c.note(e.features, lang)}


def _rule(t: RuleTrace, e: Explanation, lang: str) -> dict[str, Any]:
    ff = t.first_failed
    return {
        "ord": t.ord,
        "drg": t.drg,
        "rtc": t.rtc,
        "matched": t.matched,
        "conditions": [_cond(c, e, lang) for c in t.conditions],
        "first_failed": _cond(ff, e, lang) if ff else None,
    }


def _code(c: CodeInfo, e: Explanation, code_texts: dict[str, str]) -> dict[str, Any]:
    return {
        "code": c.code,
        "pair_with": c.pair_with or None,
        "role": c.role,
        "slot": c.slot,
        "known": c.known,
        "valid": c.valid,
        "text": code_texts.get(c.code, ""),
        "properties": [{"vartype": vt, "varval": vv, "text": e.text_of(vt, vv)} for vt, vv in c.properties],
    }


def explanation_to_dict(e: Explanation, *, lang: str = "nb") -> dict[str, Any]:
    """Everything in the explanation as JSON-ready data; texts meant for people in `lang`."""
    f = e.features
    code_texts = dict(e.code_texts)
    return {
        "logic": e.result.logic,
        "lang": "en" if lang == "en" else "nb",
        "result": {
            "drg": e.result.drg,
            "drg_name": e.drg_name,
            "rtc": e.result.rtc,
            "rtc_text": rtc_words(e, lang),
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
            "or": sorted(f.or_values),
            "cc_level": f.cc_level,
            "cc_from": list(f.cc_sources),
            "sex": f.sex or None,
            "age_days": f.age_days,
            "los": f.los,
            "discharge": f.discharge,
        },
        "codes": [_code(c, e, code_texts) for c in e.codes],
        "property_texts": [{"vartype": vt, "varval": vv, "text": t} for vt, vv, t in e.texts],
        "matched_rule": _rule(e.matched, e, lang) if e.matched else None,
        "near_misses": [_rule(t, e, lang) for t in e.near_misses],
        "rules_tried": e.rules_tried,
    }


def _fmt_cond(c: Condition, e: Explanation, lang: str) -> str:
    mark = "ok  " if c.satisfied else _w(lang, "NEI ", "FAIL")
    by = f"  <- {', '.join(c.by)}" if c.by else ""
    note = c.note(e.features, lang)
    detail = f"  ({note})" if note and not c.satisfied else ""
    return f"    [{mark}] {c.describe(lang, e.text_of)}  [{c.column} {c.required}]{by}{detail}"


def explanation_to_text(e: Explanation, *, lang: str = "nb") -> str:
    """A readable trace in `lang`: result, codes with properties, the matching rule condition
    by condition, and the near misses with the condition that failed first."""
    r = e.result
    f = e.features
    lines = [
        f"{_w(lang, 'Logikk', 'Logic')} {r.logic}: DRG {r.drg or '-'} {e.drg_name}".rstrip(),
        (f"  {_w(lang, 'returkode', 'return code')} {r.rtc} ({rtc_words(e, lang)}), "
         f"{_w(lang, 'regel', 'rule')} {r.rule or '-'}, MDC {r.mdc or '-'}"),
        "",
        _w(lang, "Kodene og egenskapene deres:", "Codes and their properties:"),
    ]
    code_texts = dict(e.code_texts)
    for c in e.codes:
        name = f"{c.code}+{c.pair_with}" if c.pair_with else c.code
        if not c.valid:
            empty = _w(lang, "(ikke en gyldig kode i denne versjonen)", "(not a valid code in this release)")
        elif not c.known:
            empty = _w(lang, "(ukjent kode)", "(unknown code)")
        else:
            empty = _w(lang, "(ingen egenskaper)", "(no properties)")
        props = ", ".join(f"{vt} {vv}" for vt, vv in c.properties) or empty
        lines.append(f"  {_w(lang, *_ROLE[c.role]):<13} {name:<14} {props}")
        if code_texts.get(c.code):
            lines.append(f"  {'':<13} {'':<14} {code_texts[c.code]}")
    if e.texts:
        lines += ["", _w(lang, "Egenskapstekster (fra logikken):", "Property texts (from the release):")]
        lines += [f"  {vt:<7} {vv:<6} {t}" for vt, vv, t in e.texts]
    none = "-"
    lines += [
        "",
        _w(lang, "Saken: ", "Case features: ")
        + f"MDC {f.mdc or none}, DGCAT {f.dgcat or none}, PDGPRO {','.join(sorted(f.pdgprops)) or none}, "
        + _w(lang, "CC-nivå", "CC level") + f" {f.cc_level}, OR {','.join(str(v) for v in sorted(f.or_values)) or none}, "
        + _w(lang, "kjønn", "sex") + f" {f.sex or none}, " + _w(lang, "alder", "age") + f" {number(f.age_days, lang=lang)} d, "
        + _w(lang, "liggetid", "stay") + f" {number(f.los, lang=lang)} d, " + _w(lang, "utskrivning", "discharge")
        + f" {f.discharge}",
        "",
    ]
    if e.matched:
        lines.append(_w(lang, f"Regelen som slo til: {e.matched.ord} -> DRG {e.matched.drg} "
                              f"(etter {e.rules_tried - 1} regler som ikke slo til):",
                        f"Matched rule {e.matched.ord} -> DRG {e.matched.drg} (after {e.rules_tried - 1} rules that failed):"))
        lines += [_fmt_cond(c, e, lang) for c in e.matched.conditions] or [
            _w(lang, "    (ingen betingelser: regelen som fanger alt)", "    (no conditions: catch-all row)")]
    else:
        lines.append(_w(lang, "Ingen regel slo til.", "No rule matched."))
    if e.near_misses:
        lines += ["", _w(lang, "Tidligere regler i samme MDC/DRG-familie og det som feilet først:",
                         "Earlier rules of the same MDC/DRG family and what failed first:")]
        for t in e.near_misses:
            ff = t.first_failed
            why = "?"
            if ff:
                note = ff.note(e.features, lang)
                why = f"{ff.describe(lang, e.text_of)} [{ff.column} {ff.required}]" + (f" ({note})" if note else "")
            lines.append(f"  {t.ord:<12} DRG {t.drg:<6} {_w(lang, 'feilet på', 'failed on')}: {why}")
    return "\n".join(lines)
