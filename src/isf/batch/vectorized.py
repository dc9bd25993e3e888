"""Vectorised grouping: polars does the per-row work, Python groups each distinct case once.

Every code is mapped (by a join) to a *class*: codes that contribute the same rule-relevant
properties share one (most secondary diagnoses contribute nothing a rule tests: class 0).
A row's key is then its principal slot, sex, discharge, the side of every age and stay limit
in the logic, the set of its secondary classes and the multiset of its procedure classes.
Rows with equal keys have equal signatures (`isf.grouping.signature`), so polars finds the
distinct keys, Python groups each once from its signature, and a join spreads the results.
Rows the key cannot describe exactly (text that needs cleaning, unknown lower-case codes,
secondary pairs, inactive complication categories, bad values) go through the row kernel,
which also reports their errors. Same rows, same order, same results as the row kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import polars as pl
import pyarrow as pa

from isf.batch.kernel import (
    MAX_AGE_DAYS,
    OK_RTC,
    RESULT_SCHEMA,
    GroupingCache,
    group_record_batch,
    rtc_error,
)
from isf.definitions.model import Logic
from isf.errors import Status, row_error
from isf.grouping.features import _wildcard
from isf.grouping.signature import (
    Signer,
    _Code,
    _relevance,
    match_signature,
    reduce_signature,
    signer_for,
)

__all__ = ["group_frame"]

_NEEDED = ("kjonn", "alder_dager", "utskr_maate", "liggetid", "hdiag", "hdiag2", "bdiag", "prosedyrer")
_CLEAN = r"^[A-Za-z0-9]+$"
# What identifies a distinct case: the principal slot as written, sex, discharge, age and stay
# buckets, and the code classes of the other codes.
_KEYCOLS = ["hdiag", "hdiag2", "_sex", "_disch", "_ab", "_db", "bdiag_cls", "prosedyrer_cls"]


@lru_cache(maxsize=8)
def _code_classes(logic: Logic) -> tuple[pl.DataFrame, pl.DataFrame, tuple[_Code, ...], tuple[_Code, ...]]:
    """code -> class id for diagnoses and procedures; class 0 contributes nothing, -1 = full path."""
    signer = signer_for(logic)

    def classes(table: dict[str, tuple[tuple[str, str], ...]], *, procedure: bool) -> tuple[pl.DataFrame, tuple[_Code, ...]]:
        ids: dict[_Code, int] = {}
        empty = signer._contribution((), secondary=not procedure, procedure=procedure)
        ids[empty] = 0
        codes, cls = [], []
        for code, props in table.items():
            c = signer._contribution(props, secondary=not procedure, procedure=procedure)
            if not procedure and any(x[2:3] not in ("C", "G") for x in c.compl):
                k = -1
            else:
                k = ids.setdefault(c, len(ids))
            codes.append(code)
            cls.append(k)
        by_id = sorted(ids, key=ids.__getitem__)
        return pl.DataFrame({"code": codes, "cls": cls}, schema={"code": pl.String, "cls": pl.Int32}), tuple(by_id)

    dx, dx_by_id = classes(signer.idx.dx, procedure=False)
    px, px_by_id = classes(signer.idx.proc, procedure=True)
    return dx, px, dx_by_id, px_by_id


def _class_lists(df: pl.DataFrame, col: str, table: pl.DataFrame, *, keep_duplicates: bool) -> pl.DataFrame:
    """Per row: sorted class ids of the codes in list column `col` (class 0 dropped) and a flag
    for codes only the full path can judge."""
    ex = (
        df.select("_i", pl.col(col).alias("code"))
        .explode("code")
        .filter(pl.col("code").is_not_null() & (pl.col("code") != ""))
        .join(table, on="code", how="left")
        .with_columns(
            full=(pl.col("cls") == -1)
            | (pl.col("cls").is_null() & pl.col("code").str.contains("[a-z]"))
            | ~pl.col("code").str.contains(_CLEAN)
        )
        .with_columns(pl.col("cls").fill_null(0))
    )
    kept = ex.filter(pl.col("cls") > 0)
    agg = kept.group_by("_i").agg(pl.col("cls").sort() if keep_duplicates else pl.col("cls").unique().sort())
    flags = ex.group_by("_i").agg(pl.col("full").any())
    return (
        df.select("_i")
        .join(agg, on="_i", how="left")
        .join(flags, on="_i", how="left")
        .with_columns(
            pl.col("cls").fill_null(pl.lit([], dtype=pl.List(pl.Int32))).alias(f"{col}_cls"),
            pl.col("full").fill_null(False).alias(f"{col}_full"),
        )
        .select("_i", f"{col}_cls", f"{col}_full")
    )


def _group_key(signer: Signer, dx_by_id: list[_Code], px_by_id: tuple[_Code, ...], row: dict) -> tuple[object, ...]:
    """The signature of a distinct key row: the same `Signer.combine` the row kernel uses."""
    h, h2 = row["hdiag"], row["hdiag2"]
    principal = (h, h2) if h2 else (h,) if h else ()
    return signer.combine(
        principal, row["_sex"], (dx_by_id[k] for k in row["bdiag_cls"]), (px_by_id[k] for k in row["prosedyrer_cls"]),
        row["_ab"], row["_db"], row["_disch"],
    )


# Stand-in complication categories for an already-decided CC level (no table holds them).
_LEVEL_CODE = {1: "__C__", 2: "__G__"}


def _reduce_secondaries(signer: Signer, clean: pl.DataFrame, dx_by_id: list[_Code], cache: GroupingCache) -> pl.DataFrame:
    """Replace each row's secondary classes by what its principal's reachable rules can see.

    For a given principal, a secondary class that brings only DGPROP values and complication
    categories matters only through its DGPROP bits that some reachable rule names and the CC
    level it gives *this* principal (same-category and `compl_excl` decided here, once). It
    becomes the class of that pair (dropped when both are empty). Classes with PROCPR, OR or CC
    stay as they are. Equal reduced keys give equal reduced signatures.
    """
    principals = clean.select("hdiag", "hdiag2", "_sex").unique()
    ids: dict[tuple[str, str, str], int] = cache.frames.setdefault("principal_id", {})
    info: list[tuple[tuple[str, ...], int, frozenset[str]]] = cache.frames.setdefault("principal_info", [])
    pcol = []
    for h, h2, sx in principals.iter_rows():
        p = ids.get((h, h2, sx))
        if p is None:
            principal = (h, h2) if h2 else (h,) if h else ()
            wild = signer._principal_info(principal, sx)[4]
            p = len(info)
            info.append((principal, _relevance(signer, principal, sx)[0], wild))
            ids[(h, h2, sx)] = p
        pcol.append(p)
    principals = principals.with_columns(_p=pl.Series(pcol, dtype=pl.Int32))
    rows = clean.select("_i", "hdiag", "hdiag2", "_sex", "bdiag_cls").join(principals, on=["hdiag", "hdiag2", "_sex"])
    ex = rows.select("_i", "_p", pl.col("bdiag_cls").alias("cls")).explode("cls").drop_nulls("cls")
    pairs = ex.select("_p", "cls").unique()
    reduced: dict[tuple[int, int], int] = cache.frames.setdefault("reduced_class", {})
    interned: dict[_Code, int] = cache.frames.setdefault("interned", {})
    rcls = []
    for p, k in pairs.iter_rows():
        r = reduced.get((p, k))
        if r is None:
            c = dx_by_id[k]
            if c.procpr or c.or1 or c.or2 or c.cc:
                r = k
            else:
                principal, rel_dg, wild = info[p]
                level = 0
                for compl in c.compl:
                    if _wildcard(compl) in wild or (principal and signer._excluded(principal, compl)):
                        continue
                    level = max(level, 2 if compl[2] == "G" else 1)
                masked = c.dgprop & rel_dg
                if not masked and not level:
                    r = 0
                else:
                    code = _Code(masked, 0, 0, 0, False, (_LEVEL_CODE[level],) if level else (), False)
                    r = interned.get(code, -1)
                    if r < 0:
                        r = len(dx_by_id)
                        dx_by_id.append(code)
                        interned[code] = r
            reduced[(p, k)] = r
        rcls.append(r)
    pairs = pairs.with_columns(rcls=pl.Series(rcls, dtype=pl.Int32))
    lists = (
        ex.join(pairs, on=["_p", "cls"]).filter(pl.col("rcls") > 0)
        .group_by("_i").agg(pl.col("rcls").unique().sort().alias("bdiag_cls"))
    )
    return clean.drop("bdiag_cls").join(lists, on="_i", how="left").with_columns(
        pl.col("bdiag_cls").fill_null(pl.lit([], dtype=pl.List(pl.Int32)))
    )


def _clean_rows(df: pl.DataFrame) -> pl.Expr:
    """Rows the key describes exactly; a null anywhere it matters sends the row to the kernel
    (which groups it or names the field), so no row is lost to a null comparison."""
    ok = (
        pl.col("alder_dager").is_not_null()
        & pl.col("alder_dager").is_between(0, MAX_AGE_DAYS)
        & pl.col("liggetid").is_not_null()
        & pl.col("liggetid").is_between(0, 100_000)
        & (pl.col("kjonn").is_null() | pl.col("kjonn").is_in([1, 2]))
        & (pl.col("utskr_maate").is_null() | pl.col("utskr_maate").is_in(["H", "R", "E", ""]))
        & (pl.col("hdiag").is_null() | (pl.col("hdiag") == "") | pl.col("hdiag").str.contains(_CLEAN))
        & (pl.col("hdiag2").is_null() | (pl.col("hdiag2").str.contains(_CLEAN) & pl.col("hdiag").str.contains(_CLEAN)))
        & ~pl.col("bdiag_full")
        & ~pl.col("prosedyrer_full")
    )
    return ok.fill_null(False)


def _typed(df: pl.DataFrame) -> bool:
    s = df.schema
    return (
        all(c in s for c in _NEEDED)
        and s["alder_dager"].is_integer()
        and s["liggetid"].is_integer()
        and s["kjonn"].is_integer()
        and s["hdiag"] == pl.String
        and s["hdiag2"] == pl.String
        and s["utskr_maate"] == pl.String
        and s["bdiag"] == pl.List(pl.String)
        and s["prosedyrer"] == pl.List(pl.String)
    )


def group_frame(
    logic: Logic,
    df: pl.DataFrame,
    *,
    cache: GroupingCache | None = None,
    row_offset: int = 0,
    rows: Sequence[int] | None = None,
    file: str | None = None,
) -> pl.DataFrame:
    """Result columns (drg, rtc, rule, mdc, status, error) for every row of `df`, in order.

    Errors name row `rows[i]` when given (else `row_offset + i + 1`), as the row kernel does.
    """
    cache = cache or GroupingCache(logic)
    label = list(rows) if rows is not None else list(range(row_offset + 1, row_offset + df.height + 1))
    if "case_string" in df.columns or not _typed(df):  # other layouts (case strings, wide or text columns)
        return _kernel(logic, df, cache, label, file)
    signer = signer_for(logic)
    dx_table, px_table, dx_by_id, px_by_id = _code_classes(logic)
    base = df.select(_NEEDED).with_row_index("_i")
    base = (
        base.join(_class_lists(base, "bdiag", dx_table, keep_duplicates=False), on="_i", how="left")
        .join(_class_lists(base, "prosedyrer", px_table, keep_duplicates=True), on="_i", how="left")
        .with_columns(_ok=_clean_rows(base))
    )
    ages = pl.Series(signer.ages, dtype=pl.Int64)
    durs = pl.Series(signer.durs, dtype=pl.Int64)
    clean = base.filter(pl.col("_ok")).with_columns(
        _sex=pl.when(pl.col("kjonn") == 1).then(pl.lit("M")).when(pl.col("kjonn") == 2).then(pl.lit("F")).otherwise(pl.lit("")),
        _disch=pl.col("utskr_maate").fill_null("H").replace("", "H"),
        _ab=ages.search_sorted(base.filter(pl.col("_ok"))["alder_dager"].cast(pl.Int64), side="right"),
        _db=durs.search_sorted(base.filter(pl.col("_ok"))["liggetid"].fill_null(0).cast(pl.Int64), side="right"),
        hdiag=pl.col("hdiag").fill_null(""),
        hdiag2=pl.col("hdiag2").fill_null(""),
    )
    dx_codes: list[_Code] = cache.frames.setdefault("dx_codes", list(dx_by_id))
    clean = _reduce_secondaries(signer, clean, dx_codes, cache)
    keys = clean.select(_KEYCOLS).unique(maintain_order=False)
    known: pl.DataFrame | None = cache.frames.get("known")
    if known is not None:
        keys = keys.join(known.select(_KEYCOLS), on=_KEYCOLS, how="anti")  # seen in earlier batches
    memo = cache.raw
    drg, rtc, rule, mdc = [], [], [], []
    names = keys.columns
    for values in keys.iter_rows():
        row = dict(zip(names, values, strict=True))
        sig = _group_key(signer, dx_codes, px_by_id, row)
        reduced = reduce_signature(signer, sig)
        r = memo.get(reduced)
        if r is None:
            r = match_signature(signer, sig)
            memo[reduced] = r
            cache.misses += 1
        else:
            cache.hits += 1
        drg.append(r.drg or None)
        rtc.append(r.rtc or None)
        rule.append(r.rule or None)
        mdc.append(r.mdc or None)
    new = keys.with_columns(
        drg=pl.Series(drg, dtype=pl.String), rtc=pl.Series(rtc, dtype=pl.String),
        rule=pl.Series(rule, dtype=pl.String), mdc=pl.Series(mdc, dtype=pl.String),
    )
    known = new if known is None else pl.concat([known, new])
    # Results by key carry over to later batches; bounded, like the signature memo.
    cache.frames["known"] = known if known.height <= cache.max_entries * 4 else new
    done = clean.select("_i", *_KEYCOLS).join(known, on=_KEYCOLS, how="left").select(
        "_i", "drg", "rtc", "rule", "mdc", status=pl.lit(Status.OK.value), error=pl.lit(None, dtype=pl.String)
    )
    flagged = done.filter(
        pl.col("rtc").is_not_null() & (pl.col("rtc") != OK_RTC)
        & (pl.col("drg").is_null() | pl.col("drg").is_in(sorted(logic.error_drgs)))
    )
    if flagged.height:  # grouped into the error group: the kernel's rule, row by row
        errs = [row_error(label[i], "rtc", rtc_error(r, d, logic.error_drgs) or "", file=file)
                for i, r, d in flagged.select("_i", "rtc", "drg").iter_rows()]
        fix = flagged.select("_i", _st=pl.lit(Status.GROUPING_ERROR.value), _er=pl.Series(errs, dtype=pl.String))
        done = done.join(fix, on="_i", how="left").with_columns(
            status=pl.coalesce("_st", "status"), error=pl.coalesce("_er", "error")
        ).drop("_st", "_er")
    rest_idx = base.filter(~pl.col("_ok"))["_i"]
    parts = [done]
    if len(rest_idx):
        rest = df.with_row_index("_i").filter(pl.col("_i").is_in(rest_idx.implode()))
        idx = rest["_i"].to_list()
        out = _kernel(logic, rest.drop("_i"), cache, [label[i] for i in idx], file)
        parts.append(out.with_columns(_i=rest["_i"]).select(done.columns))
    res = pl.concat(parts, how="vertical_relaxed").sort("_i").drop("_i")
    return res.cast({n: pl.String for n in RESULT_SCHEMA.names})


def _kernel(logic: Logic, df: pl.DataFrame, cache: GroupingCache, label: Sequence[int], file: str | None) -> pl.DataFrame:
    parts = []
    offset = 0
    for batch in df.to_arrow().to_batches(max_chunksize=100_000):
        parts.append(group_record_batch(logic, batch, cache=cache, rows=label[offset:offset + batch.num_rows], file=file))
        offset += batch.num_rows
    if not parts:
        return pl.DataFrame(schema={n: pl.String for n in RESULT_SCHEMA.names})
    res = pl.from_arrow(pa.Table.from_batches(parts, schema=RESULT_SCHEMA))
    assert isinstance(res, pl.DataFrame)
    return res
