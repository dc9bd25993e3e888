"""Weight lists (vektlister): per year and DRG/STG/TFG the weight, trimpunkt and day weight.

The directorate publishes a DRG list, an STG list and a TFG list with each year's regelverk
([003] «DRG-liste (XLS)», «STG-liste (XLS)», «TFG-liste (XLS)»). isf loads them the same way:
one file per list, or one file with a ``type`` column; `combine_weight_lists` merges them and
entries are keyed by (type, code). A file without a ``type`` column takes the type given
with it (``stg:list.xlsx``), else DRG. A header-only file is an error naming the file.

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
    "COLUMNS",
    "DEFAULT_ALIASES",
    "KINDS",
    "WeightCoverageError",
    "WeightEntry",
    "WeightList",
    "WeightListError",
    "build_weight_list",
    "check_coverage",
    "combine_weight_lists",
    "demo_weights_dir",
    "demo_years",
    "load_weight_lists",
    "load_weights",
    "read_weights_csv",
    "read_weights_xlsx",
    "validate_against_logic",
]

KINDS = ("DRG", "STG", "TFG")
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

#: the largest number a weight-list cell may hold (a weight, days, ...): far above any real value,
#: far below what the engine's fixed-point columns hold (Decimal(38, 12)); 1e400 is a typo
MAX_VALUE = Decimal(10) ** 9

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
    """One group's weight. `vekt` is None only when `isf` is False (explicitly not financed).

    `drg` holds the group code of any `type` (DRG, STG or TFG); `source` is the list's file.
    """

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
    source: str = ""

    @property
    def where(self) -> str:
        """File and row of the entry, for explanations ("demo_2026.csv row 12")."""
        return f"{self.source} row {self.row}" if self.source else f"row {self.row}"


@dataclass(frozen=True)
class WeightList:
    """The weights of one year; `demo` is True when any part is an invented demo list.

    Entries are keyed by (type, code); `get(code)` looks up a DRG, `get(code, "STG")` an STG.
    `sources` names every file the list was combined from, with the types it held.
    """

    year: int
    source: str
    entries: tuple[WeightEntry, ...]
    demo: bool = False
    sources: tuple[tuple[str, tuple[str, ...], bool], ...] = ()  # (file, types, demo)
    _by_key: dict[tuple[str, str], WeightEntry] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({(e.type, e.drg): e for e in self.entries})
        if not self.sources:
            kinds = tuple(k for k in KINDS if any(e.type == k for e in self.entries))
            object.__setattr__(self, "sources", ((self.source, kinds, self.demo),))

    def get(self, code: str, kind: str = "DRG") -> WeightEntry | None:
        return self._by_key.get((kind, code))

    def __contains__(self, drg: object) -> bool:
        return ("DRG", drg) in self._by_key

    def __len__(self) -> int:
        return len(self.entries)

    def kinds(self) -> tuple[str, ...]:
        """The group types the list holds, in DRG, STG, TFG order."""
        return tuple(k for k in KINDS if any(e.type == k for e in self.entries))

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
    if d >= MAX_VALUE:
        raise WeightListError(file, row, col, "must be below 1 000 000 000 (a typo?)")
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
    kind: str = "DRG",
) -> WeightList:
    """Validate rows ``(row_number, cells)`` under `headers` into a `WeightList` (pure).

    `kind` is the type of rows without a ``type`` cell (the list a file is: DRG, STG, TFG).
    """
    if kind not in KINDS:
        raise WeightListError(file, None, None, f"type must be one of {', '.join(KINDS)}, got {kind!r}")
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
        kind_cell = cell("type").strip().upper() or kind
        if kind_cell not in KINDS:
            raise WeightListError(file, rownum, cols.get("type"), f"type must be DRG, STG or TFG, got {kind_cell!r}")
        key = f"{kind_cell} {drg}"
        if key in seen:
            raise WeightListError(file, rownum, cols["drg"], f"duplicate {key!r}, first at row {seen[key]}")
        seen[key] = rownum
        isf = _bool(cell("isf"), file=file, row=rownum, col=cols.get("isf", "isf"), default=True)
        vekt = _dec(cell("vekt"), file=file, row=rownum, col=cols["vekt"])
        if vekt is None and isf:
            raise WeightListError(file, rownum, cols["vekt"], f"{drg}: no weight; mark 'isf = N' if not financed")
        trim_d = _dec(cell("trimpunkt"), file=file, row=rownum, col=cols.get("trimpunkt", "trimpunkt"))
        if trim_d is not None and trim_d != trim_d.to_integral_value():
            raise WeightListError(file, rownum, cols.get("trimpunkt"), f"trimpunkt must be whole days, got {trim_d}")
        per_dag = _dec(cell("vekt_per_dag"), file=file, row=rownum, col=cols.get("vekt_per_dag", "vekt_per_dag"))
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
                type=kind_cell,
                row=rownum,
                source=file,
            )
        )
    if not entries:
        raise WeightListError(file, None, None, "no weights: the file has a header but no rows")
    return WeightList(year=year, source=file, entries=tuple(entries), demo=demo)


def _sniff_sep(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    return ";" if first.count(";") > first.count(",") else ","


def parse_weights_csv(
    text: str, *, file: str, year: int, mapping: Mapping[str, str] | None = None, sep: str | None = None,
    kind: str = "DRG",
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
    return build_weight_list(headers, body, file=file, year=year, mapping=mapping, demo=demo, kind=kind)


def read_weights_csv(
    path: str | Path, *, year: int, mapping: Mapping[str, str] | None = None, sep: str | None = None,
    kind: str = "DRG",
) -> WeightList:
    """A CSV weight list: UTF-8 (with or without BOM), else Windows-1252 (as Excel saves it)."""
    p = Path(path)
    data = p.read_bytes()
    if data[:4] in (b"PK\x03\x04",) or b"\x00" in data[:1024]:
        raise WeightListError(str(p), None, None, "not CSV text (a workbook or binary file?); save it as CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return parse_weights_csv(text, file=str(p), year=year, mapping=mapping, sep=sep, kind=kind)


def read_weights_xlsx(
    path: str | Path,
    *,
    year: int,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    header_row: int = 1,
    kind: str = "DRG",
) -> WeightList:
    """Read a directorate spreadsheet; `header_row` is the 1-based row holding the headers."""
    from openpyxl import load_workbook

    p = Path(path)
    title = "?"
    all_rows: list[tuple[Any, ...]] = []
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl lets zipfile/XML/KeyError errors through: a file problem
        raise WeightListError(str(p), None, None, f"not a readable XLSX workbook ({type(e).__name__}); "
                                                  "save it again from the spreadsheet program, or as CSV") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise WeightListError(str(p), None, None, f"no sheet {sheet!r} (sheets: {wb.sheetnames})")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        title = ws.title
        all_rows.extend(ws.iter_rows(values_only=True))  # rows read so far stay counted if it breaks
    except WeightListError:
        raise
    except Exception as e:  # noqa: BLE001 - a broken sheet: name file and row, never a traceback
        raise WeightListError(f"{p}[{title}]", len(all_rows) + 1, None,
                              f"the workbook cannot be read from this row on ({type(e).__name__})") from None
    finally:
        wb.close()
    if len(all_rows) < header_row:
        raise WeightListError(str(p), header_row, None, "header row beyond the end of the sheet")
    headers = ["" if h is None else str(h).strip() for h in all_rows[header_row - 1]]
    body = [(header_row + 1 + i, ["" if c is None else c for c in r]) for i, r in enumerate(all_rows[header_row:])]
    return build_weight_list(headers, body, file=f"{p}[{title}]", year=year, mapping=mapping, kind=kind)


def demo_weights_dir() -> Path:
    """Folder of the bundled demo weight lists (``demo_<year>.csv`` DRG, ``demo_<year>_stg.csv``,
    ``demo_<year>_tfg.csv``; invented values, marked DEMO)."""
    return Path(str(resources.files("isf") / "data" / "weights"))


def demo_years() -> list[int]:
    """Years with a bundled demo DRG list."""
    return sorted({int(f.stem.split("_")[1]) for f in demo_weights_dir().glob("demo_*.csv")})


def combine_weight_lists(lists: Iterable[WeightList]) -> WeightList:
    """One list from several (a DRG, an STG and a TFG list); a (type, code) twice is an error."""
    parts = list(lists)
    if not parts:
        raise WeightListError("(none)", None, None, "no weight list given")
    year = parts[0].year
    seen: dict[tuple[str, str], WeightEntry] = {}
    for wl in parts:
        if wl.year != year:
            raise WeightListError(wl.source, None, None, f"weights for {wl.year}, the other lists are for {year}")
        for e in wl.entries:
            first = seen.get((e.type, e.drg))
            if first is not None:
                raise WeightListError(e.source or wl.source, e.row, "drg",
                                      f"{e.type} {e.drg} is also in {first.where}")
            seen[(e.type, e.drg)] = e
    if len(parts) == 1:
        return parts[0]
    return WeightList(
        year=year,
        source=" + ".join(wl.source for wl in parts),
        entries=tuple(e for wl in parts for e in wl.entries),
        demo=any(wl.demo for wl in parts),
        sources=tuple(s for wl in parts for s in wl.sources),
    )


def _load_one(ref: str | Path, *, year: int, mapping: Mapping[str, str] | None) -> WeightList:
    text = str(ref)
    kind = "DRG"
    head, sep, rest = text.partition(":")
    if sep and head.upper() in KINDS and rest:
        kind, text = head.upper(), rest
    if text.lower() == "demo":
        files = [f"demo_{year}.csv", f"demo_{year}_stg.csv", f"demo_{year}_tfg.csv"]
        if not (demo_weights_dir() / files[0]).exists():
            raise WeightListError(f"isf/data/weights/{files[0]}", None, None,
                                  f"no demo weights for {year} (demo years: {demo_years()})")
        lists = [
            parse_weights_csv((demo_weights_dir() / f).read_text(encoding="utf-8"), file=f"isf/data/weights/{f}",
                              year=year, kind=k)
            for f, k in zip(files, KINDS) if (demo_weights_dir() / f).exists()
        ]
        return combine_weight_lists(lists)
    p = Path(text)
    if not p.exists():
        raise WeightListError(str(p), None, None, "no such file")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return read_weights_xlsx(p, year=year, mapping=mapping, kind=kind)
    return read_weights_csv(p, year=year, mapping=mapping, kind=kind)


def load_weights(path_or_id: str | Path, *, year: int, mapping: Mapping[str, str] | None = None) -> WeightList:
    """Load ``demo`` (the bundled DRG, STG and TFG demo lists of `year`) or a CSV/XLSX file.

    ``stg:FILE`` / ``tfg:FILE`` / ``drg:FILE`` name the type of a file without a ``type`` column.
    """
    return _load_one(path_or_id, year=year, mapping=mapping)


def load_weight_lists(refs: Iterable[str | Path], *, year: int) -> WeightList:
    """Load and combine several lists (`load_weights` for each): e.g. DRG, STG and TFG files."""
    return combine_weight_lists([_load_one(r, year=year, mapping=None) for r in refs])


def check_coverage(weights: WeightList, drgs: Iterable[str]) -> list[str]:
    """DRGs with neither a weight nor an explicit 'isf = N' entry, sorted."""
    return sorted({d for d in drgs if d and d not in weights})


def validate_against_logic(weights: WeightList, logic: Any) -> None:
    """Raise `WeightCoverageError` unless every DRG of `logic` (rules and names) is listed."""
    drgs = {r.drg for r in logic.rules} | {d.drg for d in logic.drgnames}
    missing = check_coverage(weights, drgs)
    if missing:
        raise WeightCoverageError(weights.source, missing)
