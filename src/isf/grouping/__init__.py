"""The NordDRG grouping kernel: pure functions from (logic, case) to a result and its reasons."""

from isf.grouping.case import (
    Case,
    CaseError,
    make_case,
    parse_case_string,
    to_case_string,
)
from isf.grouping.features import CaseFeatures, CodeInfo, case_features
from isf.grouping.grouper import Explanation, GroupResult, RuleTrace, explain, group
from isf.grouping.rules import Condition

__all__ = [
    "Case",
    "CaseError",
    "CaseFeatures",
    "CodeInfo",
    "Condition",
    "Explanation",
    "GroupResult",
    "RuleTrace",
    "case_features",
    "explain",
    "group",
    "make_case",
    "parse_case_string",
    "to_case_string",
]
