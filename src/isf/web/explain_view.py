"""The grouping explanation as the pages show it: a dict in the page's language.

The pages are driven by `isf.grouping.render.explanation_to_dict` (one description of the
explanation for CLI, JSON and web). When the renderer speaks the page's language (it takes
``lang=`` and words each condition: ``text``, and its note: ``detail``), its words are used
as they are. Until then `explanation_view` words the conditions here, in bokmål or English,
from the rule column, the required value, the release's property text and the case features
of the same dict, so that no page shows a raw ``or P`` or an English note on a Norwegian page.
The raw column and value stay beside the words (``column``, ``required``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from isf.definitions import Logic
from isf.grouping import Explanation
from isf.grouping.render import explanation_to_dict

__all__ = ["describe_condition", "explanation_view"]

Texts = Callable[[str, str], str]

_CMP = {"<=": ("høyst", "at most"), ">=": ("minst", "at least"), "<": ("under", "under"), ">": ("over", "over"),
        "=": ("nøyaktig", "exactly")}
_OR = {
    "S": ("minst én operasjonsprosedyre (OR 1)", "at least one operating-room procedure (OR 1)"),
    "P": ("minst én OR-prosedyre (OR 1 eller 2)", "at least one OR procedure (OR 1 or 2)"),
    "N": ("ingen operasjonsprosedyre (OR 1)", "no operating-room procedure (OR 1)"),
    "Z": ("ingen OR-prosedyre (verken OR 1 eller 2)", "no OR procedure (neither OR 1 nor 2)"),
}
_SEX = {"M": ("mann", "male"), "F": ("kvinne", "female"), "-": ("kjønn mangler", "sex missing")}
_DISCH = {"N": ("ikke død ved utskrivning", "not dead at discharge"), "E": ("død ved utskrivning", "dead at discharge"),
          "R": ("overført til annet sykehus", "transferred to another hospital")}
_PROP_KIND = {"mdc": "MDC", "dgcat": "DGCAT", "pdgprop": "PDGPRO", "procpro": "PROCPR", "secpro": "PROCPR"}


def _w(lang: str, pair: tuple[str, str]) -> str:
    return pair[1] if lang == "en" else pair[0]


def _limit(value: str, unit: tuple[str, str], what: tuple[str, str], lang: str) -> str:
    for op, words in _CMP.items():
        if value.startswith(op):
            return f"{_w(lang, what)} {_w(lang, words)} {value[len(op):]} {_w(lang, unit)}"
    return f"{_w(lang, what)} {value}"


def describe_condition(column: str, required: str, lang: str = "nb", texts: Texts | None = None) -> str:
    """One rule condition in words (``or P`` -> "minst én OR-prosedyre (OR 1 eller 2)"), with
    the release's text of the property value it names when there is one."""
    neg = required.startswith("-") and len(required) > 1
    value = required[1:] if neg else required
    kind = "DGPROP" if column.startswith("dgprop") else _PROP_KIND.get(column, "")
    named = texts(kind, value) if texts and kind else ""
    tail = f" – {named}" if named else ""
    if column == "icd":
        return _w(lang, ("gyldig hoveddiagnose", "a valid principal diagnosis") if required == "+"
                  else ("ingen gyldig hoveddiagnose", "no valid principal diagnosis"))
    if column == "mdc":
        return _w(lang, ("hoveddiagnosen er ikke i MDC", "principal diagnosis not in MDC") if neg
                  else ("hoveddiagnosen er i MDC", "principal diagnosis in MDC")) + f" {value}{tail}"
    if column == "dgcat":
        return _w(lang, ("hoveddiagnosens kategori er ikke", "principal diagnosis category is not") if neg
                  else ("hoveddiagnosens kategori er", "principal diagnosis category is")) + f" {value}{tail}"
    if column == "pdgprop":
        return _w(lang, ("hoveddiagnosen har ikke egenskapen", "principal diagnosis without property") if neg
                  else ("hoveddiagnosen har egenskapen", "principal diagnosis with property")) + f" {value}{tail}"
    if column == "compl":
        return _w(lang, ("komplikasjonsnivå (CC) minst", "complication level (CC) at least")) + f" {required}"
    if column == "or":
        return _w(lang, _OR.get(required, (f"OR {required}", f"OR {required}")))
    if column == "procpro":
        return _w(lang, ("ingen prosedyre med egenskapen", "no procedure with property") if neg
                  else ("en prosedyre med egenskapen", "a procedure with property")) + f" {value}{tail}"
    if column == "secpro":
        if required in ("+", "-"):
            return _w(lang, ("en annen prosedyre med OR 1", "another procedure with OR 1") if required == "+"
                      else ("ingen annen prosedyre med OR 1", "no other procedure with OR 1"))
        return _w(lang, ("ingen prosedyre med egenskapen", "no procedure with property") if neg
                  else ("en annen prosedyre med egenskapen", "another procedure with property")) + f" {value}{tail}"
    if column.startswith("dgprop"):
        return _w(lang, ("ingen kode med egenskapen", "no code with property") if neg
                  else ("en kode med egenskapen", "a code with property")) + f" {value}{tail}"
    if column == "agelim":
        return _limit(required, ("dager", "days"), ("alder", "age"), lang)
    if column == "dur":
        return _limit(required, ("dager", "days"), ("liggetid", "length of stay"), lang)
    if column == "sex":
        return _w(lang, _SEX.get(required, (required, required)))
    if column == "disch":
        return _w(lang, _DISCH.get(required, (required, required)))
    return f"{column} {required}"


def _note(column: str, f: dict[str, Any], lang: str) -> str:
    """What the case has for `column` (from the dict's case features), in `lang`."""
    none = _w(lang, ("ingen", "none"))
    if column == "mdc":
        return _w(lang, ("saken: MDC", "case: MDC")) + f" {f.get('mdc') or none}"
    if column == "dgcat":
        return _w(lang, ("saken: kategori", "case: category")) + f" {f.get('dgcat') or none}"
    if column == "compl":
        return _w(lang, ("saken: CC-nivå", "case: CC level")) + f" {f.get('cc_level', 0)}"
    if column in ("or", "secpro"):
        ors = [str(v) for v in f.get("or", []) if v]
        return _w(lang, ("saken: OR-verdier", "case: OR values")) + f" {', '.join(ors) or none}"
    if column == "agelim":
        return _w(lang, ("saken: alder", "case: age")) + f" {f.get('age_days')} " + _w(lang, ("dager", "days"))
    if column == "dur":
        return _w(lang, ("saken: liggetid", "case: length of stay")) + f" {f.get('los')} " + _w(lang, ("dager", "days"))
    if column == "sex":
        sex = f.get("sex")
        return _w(lang, ("saken:", "case:")) + " " + (_w(lang, _SEX[sex]) if sex in _SEX else _w(lang, _SEX["-"]))
    if column == "disch":
        return _w(lang, ("saken: utskrivningsmåte", "case: discharge")) + f" {f.get('discharge')}"
    if column == "icd":
        ok = f.get("principal_valid")
        return _w(lang, ("saken: gyldig hoveddiagnose", "case: valid principal diagnosis") if ok
                  else ("saken: ingen gyldig hoveddiagnose", "case: no valid principal diagnosis"))
    return ""


_RTC = {
    "0": ("gruppert", "grouped"), "A": ("gruppert", "grouped"),
    "1": ("mangler hoveddiagnose", "no principal diagnosis"), "2": ("kjønn mangler", "sex missing"),
    "3": ("kjønn passer ikke med diagnosen", "sex incoherent with diagnosis"),
    "4": ("for ung for diagnosen", "too young for the diagnosis"),
    "5": ("for gammel for diagnosen", "too old for the diagnosis"),
    "6": ("aldersfeil (over 125 år)", "age error (over 125 years)"),
    "7": ("sjelden eller feil kombinasjon av diagnose og prosedyre", "rare or false diagnosis-procedure combination"),
    "8": ("hoveddiagnosen kan ikke brukes", "principal diagnosis not applicable"),
    "9": ("annen feil", "other error"),
}


def _speaks_lang() -> bool:
    return "lang" in inspect.signature(explanation_to_dict).parameters


def explanation_view(ex: Explanation, logic: Logic, lang: str = "nb") -> dict[str, Any]:
    """`explanation_to_dict` in the page's language, every condition with `text` (words) and
    `detail` (what the case has), every property with the release's `text` (or "")."""
    native = _speaks_lang()
    d: dict[str, Any] = explanation_to_dict(ex, lang=lang) if native else explanation_to_dict(ex)  # type: ignore[call-arg]
    for code, info in zip(d["codes"], ex.codes, strict=True):
        code.setdefault("slot", info.slot)
        for p in code["properties"]:
            p["text"] = p.get("text") or logic.property_text(p["vartype"], p["varval"])
    rtc = d["result"]["rtc"]
    if lang == "en" or not ex.rtc_text:  # a release's own text is in its language (bokmål); else NordDRG's meaning
        d["result"]["rtc_text"] = _w(lang, _RTC.get(rtc, (rtc, rtc)))
    if native and d.get("lang") == lang:
        return d
    features = d["case_features"]
    rules = ([d["matched_rule"]] if d["matched_rule"] else []) + d["near_misses"]
    for rule in rules:
        conds = rule["conditions"] + ([rule["first_failed"]] if rule["first_failed"] else [])
        for c in conds:
            c["text"] = describe_condition(c["column"], c["required"], lang, logic.property_text)
            c["detail"] = _note(c["column"], features, lang)
    d["lang"] = lang
    return d
