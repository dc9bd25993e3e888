"""NordDRG column names as published, mapped to our snake_case fields in one place.

Two published layouts exist: the Norwegian JSON (keys like ``or``, ``procpro1``, ``dgcat1``,
``secproc1``) and the NordDRG CSV export (``or_proc``, ``procpro``, ``dgcat``, ``secpro``).
"""

from __future__ import annotations

import re

# Rule field -> accepted source column names (first is the CSV export's own name).
RULE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ord": ("ord",),
    "id": ("id",),
    "drg": ("drg_nat", "drg"),
    "drg_text": ("drg_text_nat", "drgtext"),
    "rtc": ("rtc",),
    "icd": ("icd",),
    "mdc": ("mdc",),
    "dgcat": ("dgcat", "dgcat1"),
    "pdgprop": ("pdgprop",),
    "compl": ("compl",),
    "or_proc": ("or_proc", "or"),
    "procpro": ("procpro", "procpro1"),
    "secpro": ("secpro", "secproc1", "secproc"),
    "dgprop1": ("dgprop1",),
    "dgprop2": ("dgprop2",),
    "dgprop3": ("dgprop3",),
    "dgprop4": ("dgprop4",),
    "agelim": ("agelim",),
    "sex": ("sex",),
    "dur": ("dur",),
    "disch": ("disch",),
}
RULE_REQUIRED = ("ord", "drg", "rtc")

DG_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code_nat", "code"),
    "d_code": ("d_code_nat", "d_code"),
    "vartype": ("vartype",),
    "varval": ("varval",),
}
PROC_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code_nat", "code"),
    "vartype": ("vartype",),
    "varval": ("varval",),
}
COMPLCAT_COLUMNS: dict[str, tuple[str, ...]] = {
    "compl": ("compl", "varval", "compl_nat"),
    "inclprop": ("inclprop",),
    "text": ("compl_text", "varval_text_comb", "text"),
}
COMPLEXCL_COLUMNS: dict[str, tuple[str, ...]] = {
    "compl": ("varval", "compl"),
    "code": ("code_nat", "code"),
    "d_code": ("d_code_nat", "d_code"),
}
DRGNAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "drg": ("drg_nat", "drg"),
    "name": ("drg_text_nat", "drg_text", "drgname", "text"),
    "mdc": ("mdc",),
}
RTC_COLUMNS: dict[str, tuple[str, ...]] = {"rtc": ("rtc", "code"), "text": ("rtc_text", "text")}
# Code lists (NCC dBase ICD.DBF: CODE with a dot, CODE_W, AST; csp.DBF: CODE, NCSP, TEXT).
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code_nat", "code"),
    "text": ("text_nat", "text", "csp_text"),
    "who": ("code_who", "code_w", "ncsp"),
    "mark": ("ast", "mark"),
}
# Texts of property values (dBase mdc/dgkat/pdgomin/dgomin/tpomin; CSV *_name.csv).
TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "value": ("varval", "dgcat", "pdgprop", "dgprop", "procprop", "mdc", "code"),
    "text": ("text_nat", "varval_text_nat", "text"),
}
TEXT_KINDS = ("MDC", "DGCAT", "PDGPRO", "DGPROP", "PROCPR")

# CSV export layout written by `write_csv_tables` (and read back by `read_csv_tables`).
CSV_FILES = {
    "rules": "drg_logic.csv",
    "dg": "dg_feat.csv",
    "proc": "proc_feat.csv",
    "complexcl": "compl_excl.csv",
    "complcat": "compl_name.csv",
    "rtc": "rtc.csv",
    "drgnames": "drg_name.csv",
    "dx_codes": "dg.csv",
    "proc_codes": "proc.csv",
    "text_MDC": "mdc_name.csv",
    "text_DGCAT": "dgcat_name.csv",
    "text_PDGPRO": "pdgprop_name.csv",
    "text_DGPROP": "dgprop_name.csv",
    "text_PROCPR": "procprop_name.csv",
}
# Tables a release may leave out (an empty file of these is written only when it has rows).
OPTIONAL_CSV = ("rtc", "drgnames", "dx_codes", "proc_codes", "text_MDC", "text_DGCAT", "text_PDGPRO", "text_DGPROP",
                "text_PROCPR")
CSV_HEADERS = {
    "rules": (
        "ord", "id", "drg_nat", "drg_text_nat", "drg_comb", "rtc", "icd", "mdc", "dgcat",
        "pdgprop", "compl", "or_proc", "procpro", "secpro", "dgprop1", "dgprop2", "dgprop3",
        "dgprop4", "agelim", "sex", "dur", "disch", "nat_ver",
    ),
    "dg": (
        "code_nat", "d_code_nat", "text_nat", "d_text_nat", "code_plus", "d_code_plus",
        "text_plus", "d_text_plus", "vartype", "varval", "prop_0", "varval_text_nat",
        "varval_text_comb", "nat_ver",
    ),
    "proc": (
        "code_nat", "text_nat", "code_plus", "text_plus", "vartype", "varval", "or_val",
        "prop_0", "varval_text_nat", "varval_text_comb", "nat_ver",
    ),
    "complexcl": ("varval", "code_nat", "d_code_nat", "nat_ver"),
    "complcat": ("compl", "compl_text", "inclprop", "nat_ver"),
    "rtc": ("rtc", "rtc_text"),
    "drgnames": ("drg_nat", "drg_text_nat", "mdc", "nat_ver"),
    "dx_codes": ("code_nat", "text_nat", "code_who", "ast"),
    "proc_codes": ("code_nat", "text_nat", "code_who"),
    **{f"text_{k}": ("varval", "text_nat") for k in TEXT_KINDS},
}
# NCC's dBase release: file stem (case folded) -> table key; dg_0, dg_1 ... and proc0, proc1 ...
# are parts of one table. testrule.dbf is the certification test database, not logic.
DBF_TABLES = {
    "drglogic": "rules",
    "kompkat": "complcat",
    "komplex": "complexcl",
    "drgnames": "drgnames",
    "rtc": "rtc",
    "icd": "dx_codes",
    "csp": "proc_codes",
    "mdc": "text_MDC",
    "dgkat": "text_DGCAT",
    "pdgomin": "text_PDGPRO",
    "dgomin": "text_DGPROP",
    "tpomin": "text_PROCPR",
}
DBF_PARTS = (("dg_", "dg"), ("proc", "proc"))
DBF_TESTS = "testrule"
# JSON table names in the Norwegian distribution.
JSON_TABLES = {
    "rules": "drglogic",
    "dg": "dg",
    "proc": "proc",
    "complcat": "complcat",
    "complexcl": "complexcl",
    "drgnames": "drgnames",
}
REQUIRED_TABLES = ("rules", "dg", "proc", "complcat", "complexcl")

_WS = re.compile(r"\s+")


def norm_header(name: str) -> str:
    """Header names as distributed vary (``loc_drg\\n(link to ndms)``): fold case and space."""
    return _WS.sub(" ", name.strip().lower())


def resolve_columns(
    headers: list[str], mapping: dict[str, tuple[str, ...]]
) -> dict[str, str | None]:
    """Map each field to the first matching source header (or None when absent)."""
    by_norm = {norm_header(h): h for h in headers}
    out: dict[str, str | None] = {}
    for fld, aliases in mapping.items():
        out[fld] = next((by_norm[a] for a in aliases if a in by_norm), None)
    return out
