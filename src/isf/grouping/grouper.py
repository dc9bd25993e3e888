"""Group a case: its features, then the first `drg_logic` row in `ord` order whose every
column holds [guide §1]. Thin over the compiled logic (`isf.grouping.compiled`), which runs
the column units' checks (`isf.grouping.criteria`); `explain` says why, condition by condition.

>>> from isf.definitions import DgRow, Rule, build_logic
>>> rules = [Rule("001D", "122", "0", icd="+", dgcat="05M01"), Rule("999D999", "470", "8")]
>>> lg = build_logic(id="T", source="doc", rules=rules, dg=[DgRow("I219", "", "DGCAT", "05M01")], proc=[],
...                  complcat=[], complexcl=[])
>>> r = group(lg, make_case(sex="M", age_days=20000, los=3, diagnoses=["I219"]))
>>> r.drg, r.rtc, r.rule, r.mdc
('122', '0', '001D', '05')
"""

from __future__ import annotations

from isf.definitions.model import Logic
from isf.grouping.case import Case, GroupResult, make_case
from isf.grouping.compiled import CompiledLogic, compiled_logic
from isf.grouping.explain import Explanation, RuleTrace, explain

__all__ = ["Explanation", "GroupResult", "RuleTrace", "explain", "group", "make_case"]


def group(logic: Logic | CompiledLogic, case: Case) -> GroupResult:
    """Group one case under `logic` (pure: no I/O; the logic is compiled once per object)."""
    cl = logic if isinstance(logic, CompiledLogic) else compiled_logic(logic)
    return cl.group(case)
