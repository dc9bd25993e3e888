"""The test-grouper form: raw strings in, a `Case` (or field-level errors) out.

Pure: no request objects here, so the parsing is tested directly. Error messages are
(key, params) pairs that the page translates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from isf.errors import safe_reason
from isf.grouping import Case, CaseError, make_case, parse_case_string

__all__ = ["MAX_DX_SLOTS", "MAX_PROCS", "CaseForm", "FormError", "age_in_days", "parse_case_form"]

MAX_DX_SLOTS = 30
MAX_PROCS = 99
DEFAULT_DX_ROWS = 5
DEFAULT_PROC_ROWS = 6
_CODE = re.compile(r"[A-Za-z0-9]{1,12}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_FIELD = 200
_MAX_CASE_STRING = 4000


@dataclass(frozen=True, slots=True)
class FormError:
    """One problem with a field, as an i18n key plus its parameters."""

    field: str
    key: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class CaseForm:
    """The form's values as typed (echoed back on the page), plus the parsed case."""

    values: dict[str, str] = field(default_factory=dict)
    dx: list[tuple[str, str]] = field(default_factory=list)
    procs: list[str] = field(default_factory=list)
    case: Case | None = None
    errors: list[FormError] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def age_in_days(*, years: int, days: int) -> int:
    """Age from "years and days": whole years as 365.25 days (rounded down) plus the days."""
    return int(years * 365.25) + days


def _int(form: CaseForm, name: str, label: str, *, lo: int, hi: int, required: bool) -> int | None:
    raw = form.get(name).strip()
    if not raw:
        if required:
            form.errors.append(FormError(name, "e_required", (("field", label),)))
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²" and Arabic-Indic digits are not ages
        form.errors.append(FormError(name, "e_int", (("field", label),)))
        return None
    v = int(raw)
    if not lo <= v <= hi:
        form.errors.append(FormError(name, "e_range", (("field", label), ("lo", str(lo)), ("hi", str(hi)))))
        return None
    return v


def _date(form: CaseForm, name: str, label: str) -> date | None:
    raw = form.get(name).strip()
    if not raw:
        return None
    try:
        if not (raw.isascii() and _ISO_DATE.fullmatch(raw)):
            raise ValueError
        return date.fromisoformat(raw)
    except (ValueError, OverflowError):
        form.errors.append(FormError(name, "e_date", (("field", label),)))
        return None


def _code(form: CaseForm, name: str, label: str) -> str:
    raw = form.get(name).strip().replace(".", "").replace("*", "")
    if raw and not _CODE.fullmatch(raw):
        form.errors.append(FormError(name, "e_code", (("field", label),)))
        return ""
    return raw


def parse_case_form(data: Mapping[str, str], *, labels: Mapping[str, str]) -> CaseForm:
    """Validate the posted form; ``labels`` gives each field's visible name for messages.

    Either ``case_string`` is used, or the fields: sex, age (``age_years``/``age_days`` or
    ``birth_date`` + ``contact_date``), ``los``, ``discharge``, diagnosis slots ``dxN_1`` /
    ``dxN_2`` (N = 1..30, slot 1 = principal) and procedures ``procN``.
    """
    form = CaseForm(values={k: str(v)[:_MAX_FIELD] for k, v in data.items() if k != "case_string"})
    cs = str(data.get("case_string", "")).strip()
    form.values["case_string"] = cs[:_MAX_CASE_STRING]
    for i in range(1, MAX_DX_SLOTS + 1):
        a, b = form.get(f"dx{i}_1"), form.get(f"dx{i}_2")
        if a or b or i <= DEFAULT_DX_ROWS:
            form.dx.append((a, b))
    form.procs = [form.get(f"proc{i}") for i in range(1, MAX_PROCS + 1)
                  if form.get(f"proc{i}") or i <= DEFAULT_PROC_ROWS]
    if cs:
        if len(cs) > _MAX_CASE_STRING:
            form.errors.append(FormError("case_string", "e_case", (("reason", "too long"),)))
            return form
        if not cs.isascii():
            form.errors.append(FormError("case_string", "e_case", (("reason", "not ASCII"),)))
            return form
        try:
            form.case = parse_case_string(cs)
        except CaseError as e:  # the reason names the field, never the value
            form.errors.append(FormError("case_string", "e_case", (("reason", f"{e.field}: {safe_reason(e.reason)}"),)))
        return form

    sex = form.get("sex")
    if sex not in ("", "1", "2"):
        form.errors.append(FormError("sex", "e_choice", (("field", labels.get("sex", "sex")),)))
    disch = form.get("discharge", "H") or "H"
    if disch not in ("H", "R", "E"):
        form.errors.append(FormError("discharge", "e_choice", (("field", labels.get("discharge", "discharge")),)))
    care = form.get("care_level")
    if care not in ("", "1", "2", "3"):
        form.errors.append(FormError("care_level", "e_choice", (("field", labels.get("care_level", "care")),)))
    if form.get("sektor") not in ("", "somatikk", "phv", "tsb"):
        form.errors.append(FormError("sektor", "e_choice", (("field", labels.get("sektor", "sektor")),)))
    los = _int(form, "los", labels.get("los", "los"), lo=0, hi=100_000, required=False) or 0

    birth = _date(form, "birth_date", labels.get("birth_date", "birth_date"))
    contact = _date(form, "contact_date", labels.get("contact_date", "contact_date"))
    age: int | None = None
    if birth and contact:
        if contact < birth:
            form.errors.append(FormError("contact_date", "e_dates_order"))
        else:
            age = (contact - birth).days
    else:
        years = _int(form, "age_years", labels.get("age_years", "years"), lo=0, hi=130, required=False)
        days = _int(form, "age_days", labels.get("age_days", "days"), lo=0, hi=47_000, required=False)
        if years is None and days is None and not any(e.field.startswith("age") for e in form.errors):
            form.errors.append(FormError("age_years", "e_required", (("field", labels.get("age", "age")),)))
        elif years is not None or days is not None:
            age = age_in_days(years=years or 0, days=days or 0)

    slots: list[tuple[str, ...]] = []
    for i, _ in enumerate(form.dx, start=1):
        lab = labels.get("principal" if i == 1 else "secondary", "dx") + f" {i}"
        a = _code(form, f"dx{i}_1", lab)
        b = _code(form, f"dx{i}_2", lab)
        if b and not a:
            form.errors.append(FormError(f"dx{i}_1", "e_asterisk_only", (("field", lab),)))
        if a or b:
            slots.append((a, b) if b else (a,))
        elif i == 1:
            slots.append(("",))  # an empty principal stays the principal slot
    procs = [_code(form, f"proc{i}", labels.get("procedure", "proc") + f" {i}")
             for i in range(1, len(form.procs) + 1)]
    if form.errors:
        return form
    # An empty principal must not let slot 2 move up (make_case drops empty slots).
    diagnoses = [] if slots == [("",)] else slots
    if diagnoses and diagnoses[0] == ("",):
        form.errors.append(FormError("dx1_1", "e_required", (("field", labels.get("principal", "principal")),)))
        return form
    try:
        form.case = make_case(sex=sex, age_days=age or 0, discharge=disch, los=los,
                              diagnoses=diagnoses, procedures=[p for p in procs if p])
    except CaseError as e:
        form.errors.append(FormError(e.field, "e_case", (("reason", f"{e.field}: {safe_reason(e.reason)}"),)))
    return form
