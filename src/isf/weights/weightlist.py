"""Weight lists (vektlister): per year and DRG/STG/TFG the weight, trimpunkt and day weight.

The directorate publishes weights as spreadsheets whose headers change between years, so
import goes through a column mapping (canonical name -> header in the file). Parsing is pure
(`build_weight_list` takes rows); `read_weights_csv` / `read_weights_xlsx` are thin adapters.
Errors name file, row and column (`WeightListError`). A group with no ISF financing is kept
with ``isf = N`` and no weight, so "not financed" is explicit and never confused with
"forgotten" (`check_coverage` reports the forgotten ones).

Canonical columns: ``drg`` (code), ``navn``, ``vekt``, ``trimpunkt`` (days), ``vekt_per_dag``
(points per day beyond trimpunkt), ``gjsn_liggetid`` (average length of stay),
``dagkirurgi`` (J/N), ``isf`` (J/N, default J), ``type`` (DRG, STG or TFG; default DRG).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from isf.errors import IsfError

__all__ = [
    "WeightEntry",
    "WeightList",
    "WeightListError",
    "WeightCoverageError",
    "COLUMNS",
    "DEFAULT_ALIASES",
    "build_weight_list",
    "read_weights_csv",
    "read_weights_xlsx",
    "load_weights",
    "demo_weights_dir",
    "check_coverage",
    "validate_against_logic",
]

COLUMNS = ("drg", "navn", "vekt", "trimpunkt", "vekt_per_dag", "gjsn_liggetid", "dagkirurgi", "isf", "type")
REQUIRED = ("drg", "vekt")

# Header spellings seen in published weight lists (matched case- and space-insensitively).
DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "drg": ("drg", "drg-kode", "drgkode", "kode", "gruppe", "stg", "tfg"),
    "navn": ("navn", "drg-navn", "drgnavn", "tekst", "beskrivelse", "name"),
    "vekt": ("vekt", "kostnadsvekt", "drg-vekt", "drgvekt", "vekt (poeng)", "weight"),
    "trimpunkt": ("trimpunkt", "trimpkt", "trimpunkt (dager)"),
    "vekt_per_dag": ("vekt_per_dag", "vekt per dag", "langliggervekt", "vekt per dag over trimpunkt", "dagvekt"),
    "gjsn_liggetid": ("gjsn_liggetid", "gj.sn. liggetid", "gjennomsnittlig liggetid", "gjsn liggetid", "alos"),
    "dagkirurgi": ("dagkirurgi", "dag_kir", "dagkir", "dagkirurgisk"),
    "isf": ("isf", "isf-finansiert", "isf_finansiert", "finansiering"),
    "type": ("type", "gruppetype"),
}

_YES = {"j", "ja", "y", "yes", "true", "1", "x"}
_NO = {"n", "nei", "no", "false", "0", ""}


class WeightListError(IsfError, ValueError):
    """A weight list cannot be read: names file, row (1-based, header = 1) and column."""

    def __init__(self, file: str, row: int | None, column: str | None, reason: str) -> None:
        self.file, self.row, self.column, self.reason = file, row, column, reason
        where = file + (f": row {row}" if row is not None else "") + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {reason}")


class WeightCoverageError(IsfError, ValueError):
    """DRGs of a logic have neither a weight nor an explicit 'no ISF' mark."""

    def __init__(self, source: str, missing: list[str]) -> None:
        self.source, self.missing = source, missing
        shown = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
        super().__init__(f"{source}: {len(missing)} DRG(s) without weight or 'isf = N' mark: {shown}")


@dataclass(frozen=True, slots=True)
class WeightEntry:
    """One group's weight. `vekt` is None only when `isf` is False (explicitly not financed)."""

    drg: str
    vekt: Decimal | None
    navn: str = ""
    trimpunkt: int | None = None
    vekt_per_dag: Decimal | None = None
    gjsn_liggetid: Decimal | None = None
    dagkirurgi: bool = False
    isf: bool = True
    type: str = "DRG"
    row: int = 0


@dataclass(frozen=True)
class WeightList:
    """The weights of one year; `demo` is True for invented demo lists."""

    year: int
    source: str
    entries: tuple[WeightEntry, ...]
    demo: bool = False
    _by_drg: dict[str, WeightEntry] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_drg.update({e.drg: e for e in self.entries})

    def get(self, drg: str) -> WeightEntry | None:
        return self._by_drg.get(drg)

    def __contains__(self, drg: object) -> bool:
        return drg in self._by_drg

    def __len__(self) -> int:
        return len(self.entries)

    def to_rows(self) -> list[dict[str, Any]]:
        """Plain dicts (one per group) for building a dataframe or writing a file."""
        return [
            {
                "drg": e.drg, "navn": e.navn,
                "vekt": None if e.vekt is None else float(e.vekt),
                "trimpunkt": e.trimpunkt,
                "vekt_per_dag": None if e.vekt_per_dag is None else float(e.vekt_per_dag),
                "gjsn_liggetid": None if e.gjsn_liggetid is None else float(e.gjsn_liggetid),
                "dagkirurgi": e.dagkirurgi, "isf": e.isf, "type": e.type,
            }
            for e in self.entries
        ]


def _norm(h: str) -> str:
    return " ".join(h.strip().lower().replace("_", " ").split())


def resolve_columns(
    headers: list[str], *, file: str, mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """canonical -> actual header. An explicit `mapping` wins; else the known aliases."""
    by_norm = {_norm(h): h for h in headers if h is not None}
    out: dict[str, str] = {}
    for canon, header in (mapping or {}).items():
        if canon not in COLUMNS:
            raise WeightListError(file, None, header, f"mapping names unknown column {canon!r} (known: {COLUMNS})")
        if _norm(header) not in by_norm:
            raise WeightListError(file, 1, header, f"mapped header for {canon!r} not found (headers: {headers})")
        out[canon] = by_norm[_norm(header)]
    for canon, aliases in DEFAULT_ALIASES.items():
        if canon in out:
            continue
        for a in (canon, *aliases):
            if _norm(a) in by_norm and by_norm[_norm(a)] not in out.values():
                out[canon] = by_norm[_norm(a)]
                break
    for canon in REQUIRED:
        if canon not in out:
            raise WeightListError(file, 1, canon, f"required column missing (headers: {headers}); give a column mapping")
    return out


def _dec(raw: str, *, file: str, row: int, col: str) -> Decimal | None:
    s = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if s == "":
        return None
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise WeightListError(file, row, col, f"not a number: {raw!r}") from None
    if not d.is_finite() or d < 0:
        raise WeightListError(file, row, col, f"must be a number >= 0, got {raw!r}")
    return d


def _bool(raw: str, *, file: str, row: int, col: str, default: bool) -> bool:
    s = raw.strip().lower()
    if s == "":
        return default
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise WeightListError(file, row, col, f"expected J/N, got {raw!r}")


def build_weight_list(
    headers: list[str],
    rows: Iterable[tuple[int, list[Any]]],
    *,
    file: str,
    year: int,
    mapping: Mapping[str, str] | None = None,
    demo: bool = False,
) -> WeightList:
    """Validate rows ``(row_number, cells)`` under `headers` into a `WeightList` (pure)."""
    cols = resolve_columns(headers, file=file, mapping=mapping)
    index = {canon: headers.index(h) for canon, h in cols.items()}
    entries: list[WeightEntry] = []
    seen: dict[str, int] = {}
    for rownum, cells in rows:
        def cell(canon: str, cells: list[Any] = cells) -> str:
            i = index.get(canon)
            if i is None or i >= len(cells) or cells[i] is None:
                return ""
            return str(cells[i])

        if all(str(c or "").strip() == "" for c in cells):
            continue
        drg = cell("drg").strip()
        if not drg:
            raise WeightListError(file, rownum, cols["drg"], "empty DRG code")
        if drg in seen:
            raise WeightListError(file, rownum, cols["drg"], f"duplicate {drg!r}, first at row {seen[drg]}")
        seen[drg] = rownum
        isf = _bool(cell("isf"), file=file, row=rownum, col=cols.get("isf", "isf"), default=True)
        vekt = _dec(cell("vekt"), file=file, row=rownum, col=cols["vekt"])
        if vekt is None and isf:
            raise WeightListError(file, rownum, cols["vekt"], f"{drg}: no weight; mark 'isf = N' if not financed")
        trim_d = _dec(cell("trimpunkt"), file=file, row=rownum, col=cols.get("trimpunkt", "trimpunkt"))
        if trim_d is not None and trim_d != trim_d.to_integral_value():
            raise WeightListError(file, rownum, cols.get("trimpunkt"), f"trimpunkt must be whole days, got {trim_d}")
        per_dag = _dec(cell("vekt_per_dag"), file=file, row=rownum, col=cols.get("vekt_per_dag", "vekt_per_dag"))
        kind = (cell("type").strip().upper() or "DRG")
        if kind not in ("DRG", "STG", "TFG"):
            raise WeightListError(file, rownum, cols.get("type"), f"type must be DRG, STG or TFG, got {kind!r}")
        entries.append(
            WeightEntry(
                drg=drg,
                vekt=vekt if isf else None,
                navn=cell("navn").strip(),
                trimpunkt=None if trim_d is None else int(trim_d),
                vekt_per_dag=per_dag,
                gjsn_liggetid=_dec(cell("gjsn_liggetid"), file=file, row=rownum, col=cols.get("gjsn_liggetid", "")),
                dagkirurgi=_bool(cell("dagkirurgi"), file=file, row=rownum, col=cols.get("dagkirurgi", ""), default=False),
                isf=isf,
                type=kind,
                row=rownum,
            )
        )
    return WeightList(year=year, source=file, entries=tuple(entries), demo=demo)


def _sniff_sep(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    return ";" if first.count(";") > first.count(",") else ","


def parse_weights_csv(
    text: str, *, file: str, year: int, mapping: Mapping[str, str] | None = None, sep: str | None = None
) -> WeightList:
    """Parse CSV text (``#`` comment lines allowed; a ``# DEMO`` line marks a demo list)."""
    lines = text.splitlines()
    demo = any(ln.startswith("#") and "DEMO" in ln.upper() for ln in lines)
    numbered = [(i + 1, ln) for i, ln in enumerate(lines) if not ln.startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(ln for _, ln in numbered)), delimiter=sep or _sniff_sep(text))
    parsed = list(reader)
    if not parsed:
        raise WeightListError(file, None, None, "empty file")
    headers = [h.strip() for h in parsed[0]]
    body = [(numbered[i][0], r) for i, r in enumerate(parsed) if i > 0]
    return build_weight_list(headers, body, file=file, year=year, mapping=mapping, demo=demo)


def read_weights_csv(
    path: str | Path, *, year: int, mapping: Mapping[str, str] | None = None, sep: str | None = None
) -> WeightList:
    p = Path(path)
    return parse_weights_csv(p.read_text(encoding="utf-8-sig"), file=str(p), year=year, mapping=mapping, sep=sep)


def read_weights_xlsx(
    path: str | Path,
    *,
    year: int,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    header_row: int = 1,
) -> WeightList:
    """Read a directorate spreadsheet; `header_row` is the 1-based row holding the headers."""
    from openpyxl import load_workbook

    p = Path(path)
    wb = load_workbook(p, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise WeightListError(str(p), None, None, f"no sheet {sheet!r} (sheets: {wb.sheetnames})")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        all_rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    if len(all_rows) < header_row:
        raise WeightListError(str(p), header_row, None, "header row beyond the end of the sheet")
    headers = ["" if h is None else str(h).strip() for h in all_rows[header_row - 1]]
    body = [(header_row + 1 + i, ["" if c is None else c for c in r]) for i, r in enumerate(all_rows[header_row:])]
    return build_weight_list(headers, body, file=f"{p}[{ws.title}]", year=year, mapping=mapping)


def demo_weights_dir() -> Path:
    """Folder of the bundled demo weight lists (``demo_<year>.csv``, invented values)."""
    return Path(str(resources.files("isf") / "data" / "weights"))


def load_weights(path_or_id: str | Path, *, year: int, mapping: Mapping[str, str] | None = None) -> WeightList:
    """Load ``demo`` (bundled demo list of `year`) or a CSV/XLSX file."""
    if str(path_or_id).lower() == "demo":
        p = demo_weights_dir() / f"demo_{year}.csv"
        if not p.exists():
            years = sorted(int(f.stem.split("_")[1]) for f in demo_weights_dir().glob("demo_*.csv"))
            raise WeightListError(str(p), None, None, f"no demo weights for {year} (demo years: {years})")
        return parse_weights_csv(p.read_text(encoding="utf-8"), file=f"isf/data/weights/{p.name}", year=year)
    p = Path(path_or_id)
    if not p.exists():
        raise WeightListError(str(p), None, None, "no such file")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return read_weights_xlsx(p, year=year, mapping=mapping)
    return read_weights_csv(p, year=year, mapping=mapping)


def check_coverage(weights: WeightList, drgs: Iterable[str]) -> list[str]:
    """DRGs with neither a weight nor an explicit 'isf = N' entry, sorted."""
    return sorted({d for d in drgs if d and d not in weights})


def validate_against_logic(weights: WeightList, logic: Any) -> None:
    """Raise `WeightCoverageError` unless every DRG of `logic` (rules and names) is listed."""
    drgs = {r.drg for r in logic.rules} | {d.drg for d in logic.drgnames}
    missing = check_coverage(weights, drgs)
    if missing:
        raise WeightCoverageError(weights.source, missing)
