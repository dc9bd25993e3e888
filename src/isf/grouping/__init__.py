"""The NordDRG grouping kernel: pure functions from (logic, case) to a result and its reasons.

Phases: the case (`case`), code -> properties (`codes`), case features (`features`), the rule
columns with their one check each (`criteria`), compiled once per logic (`compiled`), and the
single-case API: `group` and `explain` (rendered by `render`). `lookup` reads the logic
backwards with the same units. docs/grouping.md describes the design.
"""

from isf.grouping.case import (
    Case,
    CaseError,
    GroupResult,
    make_case,
    parse_case_string,
    to_case_string,
)
from isf.grouping.compiled import CompiledLogic, compiled_logic
from isf.grouping.criteria import Condition
from isf.grouping.explain import Explanation, RuleTrace, explain
from isf.grouping.features import CaseFeatures, CodeInfo, case_features
from isf.grouping.grouper import group

__all__ = [
    "Case",
    "CaseError",
    "CaseFeatures",
    "CodeInfo",
    "CompiledLogic",
    "Condition",
    "Explanation",
    "GroupResult",
    "RuleTrace",
    "case_features",
    "compiled_logic",
    "explain",
    "group",
    "make_case",
    "parse_case_string",
    "to_case_string",
]
