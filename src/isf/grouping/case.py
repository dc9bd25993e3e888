"""The case to group, and the NPK case string (``DRGGrupperingsstreng``) it often arrives as.

Case string fields (comma separated): 0 sex (1 male, 2 female), 1 age in days, 2 discharge
(H home, R transferred, E dead), 3 length of stay in days, 4 unused, 5..64 thirty diagnosis
slots of two codes each (first slot = principal; in a dagger/asterisk combination code 1 is
the dagger and code 2 the asterisk), 65..163 procedure codes. ``*`` marks are ignored.

>>> c = parse_case_string("2,12000,H,3,,I219,,J960")
>>> c.sex, c.age_days, c.los, c.diagnoses
('F', 12000, 3, (('I219',), ('J960',)))
>>> try:  # digits are ASCII digits; a message names the field, never the value
...     parse_case_string("2,1²,H,3,,I219")
... except CaseError as e:
...     print(e)
age_days: not a whole number
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from isf.errors import IsfError

__all__ = ["Case", "CaseError", "GroupResult", "make_case", "parse_case_string", "to_case_string"]

N_DIAGNOSIS_SLOTS = 30
N_PROCEDURES = 99
_DX_START = 5
_PROC_START = _DX_START + 2 * N_DIAGNOSIS_SLOTS  # 65
_FIELDS = _PROC_START + N_PROCEDURES  # 164

_SEX = {"1": "M", "2": "F", "M": "M", "F": "F", "K": "F", "": "", "0": "", "9": ""}
_DISCHARGE = {"H": "H", "R": "R", "E": "E", "": "H", "1": "H", "2": "E", "3": "E"}
MAX_AGE_DAYS = 200 * 366
MAX_STAY_DAYS = 100_000


class CaseError(IsfError, ValueError):
    """A case is structurally malformed (not a NordDRG outcome): says which field and why,
    never the value (it may be patient data)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True, slots=True)
class Case:
    """A stay or contact as the grouper sees it.

    ``diagnoses`` are slots: ``(code,)`` or ``(dagger, asterisk)``; the first slot is the
    principal diagnosis (``()`` when the principal is missing but secondaries are given). ``los`` is the length of stay in days (0 = outpatient).
    """

    sex: str = ""
    age_days: int = 0
    discharge: str = "H"
    los: int = 0
    diagnoses: tuple[tuple[str, ...], ...] = ()
    procedures: tuple[str, ...] = ()

    @property
    def principal(self) -> tuple[str, ...]:
        return self.diagnoses[0] if self.diagnoses else ()


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The grouping outcome: DRG, return code, matching rule (`ord`) and MDC."""

    drg: str
    rtc: str
    rule: str
    mdc: str
    logic: str = ""


def _clean(code: str) -> str:
    # Case is kept: the tables hold placeholder codes such as ``T4n``; look-ups fold case.
    if code.isalnum():
        return code
    return code.replace("*", "").replace(" ", "").replace(".", "").strip()


_WHOLE = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: '٣' or '²' are not numbers here


def _int_field(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    s = raw.strip()
    if not s:
        raise CaseError(name, "missing")
    if not _WHOLE.fullmatch(s):
        raise CaseError(name, "not a whole number")
    if len(s.lstrip("+-").lstrip("0")) > 18:  # far outside any range (int() refuses over 4,300 digits)
        raise CaseError(name, f"outside {minimum}..{maximum}")
    v = int(s)
    if v < minimum or v > maximum:
        raise CaseError(name, f"outside {minimum}..{maximum}")
    return v


def make_case(
    *,
    sex: str,
    age_days: int,
    discharge: str = "H",
    los: int = 0,
    diagnoses: Iterable[Sequence[str] | str] = (),
    procedures: Iterable[str] = (),
) -> Case:
    """Build a validated `Case` from loosely typed parts (the strict row API)."""
    sx = _SEX.get(str(sex).strip().upper())
    if sx is None:
        raise CaseError("sex", "unknown value (expected 1/2, M/F or empty)")
    dc = _DISCHARGE.get(str(discharge).strip().upper())
    if dc is None:
        raise CaseError("discharge", "unknown value (expected H, R or E)")
    age = _int_field("age_days", str(age_days), minimum=0, maximum=MAX_AGE_DAYS)
    stay = _int_field("los", str(los), minimum=0, maximum=MAX_STAY_DAYS)
    slots: list[tuple[str, ...]] = []
    for k, slot in enumerate(diagnoses):
        parts = (slot,) if isinstance(slot, str) else tuple(slot)
        codes = tuple(c for c in (_clean(p) for p in parts) if c)
        if len(codes) > 2:
            raise CaseError("diagnoses", f"slot {k + 1} has more than two codes")
        if codes or k == 0:
            slots.append(codes)
    # The principal is always the first slot, even when empty (as in the official grouper):
    # a secondary diagnosis never moves up to become the principal.
    if slots and not any(slots):
        slots = []
    procs = tuple(c for c in (_clean(p) for p in procedures) if c)
    return Case(sex=sx, age_days=age, discharge=dc, los=stay, diagnoses=tuple(slots), procedures=procs)


def parse_case_string(text: str) -> Case:
    """Parse one NPK case string; raises `CaseError` naming the bad field."""
    if not isinstance(text, str):
        raise CaseError("case", "not a string")
    s = text.strip().strip("\ufeff")
    if not s:
        raise CaseError("case", "empty case string")
    f = s.split(",")
    if len(f) < 4:
        raise CaseError("case", f"only {len(f)} comma-separated fields, need at least 4")
    if len(f) > _FIELDS + 1:
        raise CaseError("case", f"{len(f)} fields, at most {_FIELDS + 1} allowed")
    f += [""] * (_FIELDS - len(f))
    diagnoses = [
        (f[_DX_START + 2 * i], f[_DX_START + 2 * i + 1])
        for i in range(N_DIAGNOSIS_SLOTS)
        if i == 0 or f[_DX_START + 2 * i] or f[_DX_START + 2 * i + 1]
    ]
    return make_case(
        sex=f[0],
        age_days=f[1],  # type: ignore[arg-type]
        discharge=f[2],
        los=f[3],  # type: ignore[arg-type]
        diagnoses=diagnoses,
        procedures=[p for p in f[_PROC_START:_FIELDS] if p],
    )


def to_case_string(case: Case) -> str:
    """Render a `Case` as an NPK case string (inverse of `parse_case_string`)."""
    f = [""] * _FIELDS
    f[0] = {"M": "1", "F": "2"}.get(case.sex, "")
    f[1] = str(case.age_days)
    f[2] = case.discharge
    f[3] = str(case.los)
    for i, slot in enumerate(case.diagnoses[:N_DIAGNOSIS_SLOTS]):
        for j, code in enumerate(slot[:2]):
            f[_DX_START + 2 * i + j] = code
    for i, code in enumerate(case.procedures[:N_PROCEDURES]):
        f[_PROC_START + i] = code
    return ",".join(f)
