"""Slow, obviously correct STG/TFG assignment: loops over each patient's timeline.

It exists to check the vectorised engine (`isf.stg_tfg.engine`) in property tests and to be
read as the specification. Input is a list of activity rows as dicts (`DataFrame.to_dicts()`),
output is two lists of dicts with the same columns as `StgTfgResult`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from isf.stg_tfg.definitions import StgDef, StgTfgDefinitions, TfgDef

__all__ = ["assign_reference", "period_label", "row_status"]


def period_label(kind: str, day: date) -> str:
    """'2024-03' for a month, '2024-T1' for a tertial, '2024' for a year."""
    if kind == "maaned":
        return f"{day.year}-{day.month:02d}"
    if kind == "tertial":
        return f"{day.year}-T{(day.month - 1) // 4 + 1}"
    return str(day.year)


def row_status(
    row: Mapping[str, Any], id_counts: Counter[Any], year: int, til_tertial: int | None
) -> tuple[str, str | None]:
    """(status, error) of one activity row; only `ok` rows are assigned."""
    if row.get("kontakt_id") is None:
        return "ugyldig", "kontakt_id mangler"
    if id_counts[row["kontakt_id"]] > 1:
        return "ugyldig", "kontakt_id er ikke unik"
    if not row.get("pasient_id"):
        return "ugyldig", "pasient_id mangler"
    day = row.get("inn_dato")
    if day is None:
        return "ugyldig", "inn_dato mangler"
    if day.year != year:
        return "utenfor_aar", None
    if til_tertial is not None and (day.month - 1) // 4 + 1 > til_tertial:
        return "utenfor_periode", None
    return "ok", None


def _diagnoses(row: Mapping[str, Any]) -> list[str]:
    out = [row.get("hdiag"), row.get("hdiag2")]
    for b in row.get("bdiag") or []:
        out.extend((b or "").split("&"))
    return [d for d in out if d]


def _stg_triggered(s: StgDef, row: Mapping[str, Any]) -> bool:
    codes = {c for c in (row.get("prosedyrer") or []) if c is not None}
    if not codes & set(s.koder):
        return False
    niva = row.get("omsorgsniva")
    klar = (row.get("utskrklar_dager") or 0) > 0
    if niva not in s.omsorgsniva and not (s.utskrivningsklar and niva == 1 and klar):
        return False
    if s.sektor and row.get("sektor") not in s.sektor:
        return False
    if s.kontakttype and niva != 1 and row.get("kontakt_type") not in s.kontakttype:
        return False  # [001] 158: before 2024 XS08 only from indirect contacts
    if codes & set(s.unntatt_koder):
        return False  # [000] 711-717: ZWUU20 enters drug STGs from 2025, cancer first
    if s.halv_maaned and row.get("act_halv_maaned") is False:
        return False  # [001] 234: followed by the team at least half the calendar month
    if s.diagnoser:
        return any(d.startswith(p) for d in _diagnoses(row) for p in s.diagnoser)
    return True


def _assignment(
    pid: str, kode: str, kind: str, periode_type: str, periode: str, year: int,
    contacts: list[Mapping[str, Any]], g: StgDef | TfgDef,
) -> dict[str, Any]:
    return {
        "pasient_id": pid,
        "gruppe": kode,
        "type": kind,
        "aar": year,
        "periode_type": periode_type,
        "periode": periode,
        "antall_kontakter": len(contacts),
        "kontakt_ider": [c["kontakt_id"] for c in contacts],
        "poeng_kontakt_id": contacts[0]["kontakt_id"],
    }


def _patient(
    pid: str, timeline: list[Mapping[str, Any]], defs: StgTfgDefinitions, year: int
) -> tuple[list[dict[str, Any]], dict[Any, str]]:
    """Assignments of one patient (timeline sorted by date, id) and contact -> taking-over TFG."""
    out: list[dict[str, Any]] = []
    stg_of_contact: dict[Any, set[str]] = defaultdict(set)
    for s in defs.stg:
        per_period: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in timeline:
            if _stg_triggered(s, row):
                per_period[period_label(s.periode, row["inn_dato"])].append(row)
        for periode, contacts in per_period.items():
            if len(contacts) >= s.min_kontakter:
                out.append(_assignment(pid, s.kode, "STG", s.periode, periode, year, contacts, s))
                for c in contacts:
                    stg_of_contact[c["kontakt_id"]].add(s.kode)

    tfg_rows: list[tuple[TfgDef, str, list[Mapping[str, Any]]]] = []
    for t in defs.tfg:
        trig_drg, trig_stg = t.triggers
        members: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        triggered: set[str] = set()
        for row in timeline:
            stgs = stg_of_contact.get(row["kontakt_id"], set())
            if row.get("drg") in t.drg or stgs & set(t.stg):
                periode = period_label(t.periode, row["inn_dato"])
                members[periode].append(row)
                if row.get("drg") in trig_drg or stgs & set(trig_stg):
                    triggered.add(periode)
        for periode in triggered:
            tfg_rows.append((t, periode, members[periode]))

    best: dict[tuple[str, str], int] = {}
    for t, periode, _ in tfg_rows:
        if t.familie is not None:
            key = (t.familie, periode)
            best[key] = min(best.get(key, t.prioritet), t.prioritet)
    overtatt: dict[Any, str] = {}
    for t, periode, contacts in tfg_rows:
        if t.familie is not None and best[(t.familie, periode)] != t.prioritet:
            continue
        out.append(_assignment(pid, t.kode, "TFG", t.periode, periode, year, contacts, t))
        if t.overtar_drg_poeng:
            for c in contacts:
                kid = c["kontakt_id"]
                overtatt[kid] = min(overtatt.get(kid, t.kode), t.kode)
    return out, overtatt


def assign_reference(
    rows: Sequence[Mapping[str, Any]],
    defs: StgTfgDefinitions,
    *,
    year: int,
    til_tertial: int | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(assignments, contact_adjustments) as lists of dicts; adjustments in input order."""
    ids = Counter(r.get("kontakt_id") for r in rows if r.get("kontakt_id") is not None)
    statuses = [row_status(r, ids, year, til_tertial) for r in rows]
    timelines: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r, (status, _) in zip(rows, statuses):
        if status == "ok":
            timelines[r["pasient_id"]].append(r)

    assignments: list[dict[str, Any]] = []
    overtatt: dict[Any, str] = {}
    for pid in sorted(timelines):
        timeline = sorted(timelines[pid], key=lambda r: (r["inn_dato"], r["kontakt_id"]))
        got, taken = _patient(pid, timeline, defs, year)
        assignments.extend(got)
        overtatt.update(taken)
    assignments.sort(key=lambda a: (a["pasient_id"], a["type"], a["gruppe"], a["periode"]))

    adjustments = []
    for r, (status, error) in zip(rows, statuses):
        gruppe = overtatt.get(r.get("kontakt_id")) if status == "ok" else None
        adjustments.append({
            "kontakt_id": r.get("kontakt_id"),
            "tfg_overtatt": gruppe is not None,
            "tfg_gruppe": gruppe,
            "status": status,
            "error": error,
        })
    return assignments, adjustments
