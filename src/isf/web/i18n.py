"""Labels of the web app in bokmål (default) and English (``?lang=en``)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LANGS", "TEXT", "pick_lang", "translator"]

LANGS = ("nb", "en")

TEXT: dict[str, tuple[str, str]] = {
    # key: (bokmål, English)
    "app_title": ("ISF-motor", "ISF engine"),
    "skip": ("Hopp til innhold", "Skip to content"),
    "nav_grouper": ("Testgrupperer", "Test grouper"),
    "nav_compare": ("Sammenlign", "Compare"),
    "nav_lookup": ("Oppslag", "Look-up"),
    "nav_batch": ("Last opp CSV", "Upload CSV"),
    "other_lang": ("English", "Norsk"),
    "logic": ("Logikkversjon", "Logic version"),
    "logic_a": ("Versjon A", "Version A"),
    "logic_b": ("Versjon B", "Version B"),
    "year": ("Vektår", "Weight year"),
    "year_a": ("Vektår A", "Weight year A"),
    "year_b": ("Vektår B", "Weight year B"),
    "patient": ("Pasient og opphold", "Patient and stay"),
    "sex": ("Kjønn", "Sex"),
    "sex_unknown": ("Ukjent", "Unknown"),
    "sex_m": ("Mann", "Male"),
    "sex_f": ("Kvinne", "Female"),
    "age": ("Alder", "Age"),
    "age_years": ("År", "Years"),
    "age_days": ("Dager", "Days"),
    "age_or": ("eller fødselsdato og kontaktdato", "or birth date and contact date"),
    "birth_date": ("Fødselsdato", "Birth date"),
    "contact_date": ("Kontaktdato (innskrivning)", "Contact date (admission)"),
    "care_level": ("Omsorgsnivå", "Care level"),
    "care_1": ("Døgn", "Inpatient"),
    "care_2": ("Dag", "Day patient"),
    "care_3": ("Poliklinikk", "Outpatient"),
    "los": ("Liggetid (dager)", "Length of stay (days)"),
    "discharge": ("Utskrivningsmåte", "Discharge mode"),
    "disch_H": ("H – hjem", "H – home"),
    "disch_R": ("R – overført", "R – transferred"),
    "disch_E": ("E – død", "E – dead"),
    "diagnoses": ("Diagnoser", "Diagnoses"),
    "diagnoses_help": (
        "Første rad er hoveddiagnosen. Ved stjerne/kors-par: kors i første felt, stjerne i andre.",
        "The first row is the principal diagnosis. For dagger/asterisk pairs: dagger first, asterisk second.",
    ),
    "principal": ("Hoveddiagnose", "Principal diagnosis"),
    "secondary": ("Bidiagnose", "Secondary diagnosis"),
    "dagger": ("kode / kors", "code / dagger"),
    "asterisk": ("stjerne", "asterisk"),
    "procedures": ("Prosedyrer", "Procedures"),
    "procedure": ("Prosedyre", "Procedure"),
    "add_row": ("Legg til rad", "Add row"),
    "case_string": ("eller NPK-grupperingsstreng", "or NPK case string"),
    "case_string_label": ("NPK-grupperingsstreng (DRGGrupperingsstreng)", "NPK case string (DRGGrupperingsstreng)"),
    "sektor": ("Sektor", "Sector"),
    "sektor_somatikk": ("somatikk", "somatic care"),
    "sektor_phv": ("psykisk helsevern (PHV)", "mental health care (PHV)"),
    "sektor_tsb": ("rusbehandling (TSB)", "substance-use treatment (TSB)"),
    "sektor_help": (
        "Sektoren avgjør enhetspris, ISF-andel og hvilke omsorgsnivåer som er i ISF (PHV/TSB: bare dag og poliklinikk).",
        "The sector decides unit price, ISF share and which care levels are in ISF (PHV/TSB: day and outpatient only).",
    ),
    "in_table": ("I tabellen", "In the table"),
    "no_conditions": ("Ingen vilkår: regelen tar alle saker som kommer hit.",
                      "No conditions: the rule takes every case that gets this far."),
    "demo_title": ("Demovekter eller demoparametre: oppdiktede verdier, ikke til oppgjør.",
                   "Demo weights or demo parameters: invented values, not for settlement."),
    "name_from_weights": ("navn fra vektlisten", "name from the weight list"),
    "reason": ("Teller for ISF?", "Counts for ISF?"),
    "counts": ("ja, teller", "yes, counts"),
    "comp_poeng_basis": ("grunnpoeng (vekt)", "base points (weight)"),
    "comp_poeng_langligger": ("langliggertillegg", "long-stay supplement"),
    "comp_poeng_ambulant": ("ambulant tillegg", "ambulant supplement"),
    "comp_poeng_egenandel": ("poeng for egenandel", "points for the copay"),
    "comp_poeng_trekk": ("trekk", "deduction"),
    "comp_ikke_isf": ("teller ikke", "does not count"),
    "case_string_help": (
        "Fylles den ut, brukes den i stedet for feltene over.",
        "If filled in, it is used instead of the fields above.",
    ),
    "group": ("Grupper", "Group"),
    "compare": ("Sammenlign", "Compare"),
    "result": ("Resultat", "Result"),
    "drg": ("DRG", "DRG"),
    "drg_name": ("DRG-navn", "DRG name"),
    "mdc": ("MDC", "MDC"),
    "rtc": ("Returkode", "Return code"),
    "rule": ("Regel (ord)", "Rule (ord)"),
    "rule_short": ("Regel", "Rule"),
    "points": ("ISF-poeng", "ISF points"),
    "kroner": ("Kroner", "Kroner"),
    "weight": ("DRG-vekt", "DRG weight"),
    "points_missing": (
        "Velg et vektår for å se poeng og kroner (bare demovekter er med).",
        "Choose a weight year to see points and kroner (only demo weights are bundled).",
    ),
    "points_how": ("Slik er poengene regnet", "How the points were computed"),
    "demo_weights": ("demovekter, ikke offisielle", "demo weights, not official"),
    "component": ("Komponent", "Component"),
    "source": ("Kilde", "Source"),
    "price_x_share": ("ISF-poeng × enhetspris × ISF-andel", "ISF points × unit price × ISF share"),
    "why": ("Hvorfor denne DRG-en?", "Why this DRG?"),
    "matched_rule": ("Regelen som slo til", "The rule that matched"),
    "no_rule": ("Ingen regel slo til.", "No rule matched."),
    "condition": ("Vilkår", "Condition"),
    "met": ("Oppfylt", "Met"),
    "by_codes": ("Oppfylt av", "Satisfied by"),
    "detail": ("Forklaring", "Explanation"),
    "yes": ("Ja", "Yes"),
    "no": ("Nei", "No"),
    "near_misses": ("Regler som nesten slo til", "Rules that nearly matched"),
    "near_help": (
        "Tidligere regler i samme MDC eller DRG-familie, med første vilkår som feilet.",
        "Earlier rules of the same MDC or DRG family, with the first condition that failed.",
    ),
    "failed_first": ("Feilet først på", "Failed first on"),
    "rules_tried": ("regler prøvd", "rules tried"),
    "code_props": ("Kodenes egenskaper", "Properties of each code"),
    "code": ("Kode", "Code"),
    "role": ("Rolle", "Role"),
    "role_principal": ("hoveddiagnose", "principal"),
    "role_secondary": ("bidiagnose", "secondary"),
    "role_procedure": ("prosedyre", "procedure"),
    "known": ("Kjent", "Known"),
    "properties": ("Egenskaper", "Properties"),
    "unknown_code": ("ukjent i logikken", "unknown to the logic"),
    "differs": ("forskjellig", "differs"),
    "same": ("lik", "same"),
    "compare_help": (
        "Samme opphold gruppert med to logikkversjoner og/eller vektår. Forskjeller er markert med ≠.",
        "The same stay grouped under two logic versions and/or weight years. Differences are marked ≠.",
    ),
    "lookup_code": ("Hvilke DRG-er kan en kode gi?", "Which DRGs can a code lead to?"),
    "lookup_code_help": (
        "Koden leses som hoveddiagnose (eller som prosedyren regelen krever). Veiledning kap. 8.",
        "The code is read as principal diagnosis (or as the procedure a rule asks for). Guide ch. 8.",
    ),
    "lookup_drg": ("Hva inneholder en DRG?", "What does a DRG contain?"),
    "lookup_drg_help": ("Reglene og kodene med egenskapene de krever. Veiledning kap. 7.",
                        "Its rules and the codes with the properties they need. Guide ch. 7."),
    "search": ("Søk", "Search"),
    "via": ("Koden gir", "The code gives"),
    "needs": ("Resten av saken må gi", "The rest of the case must give"),
    "only_sex": ("kun", "only"),
    "no_routes": ("Ingen regler funnet for koden.", "No rules found for the code."),
    "unknown_lookup": ("Koden finnes ikke i logikken.", "The code is not in the logic."),
    "no_drg": ("Ingen regler leder til denne DRG-en.", "No rules lead to this DRG."),
    "and_more": ("og {n} til", "and {n} more"),
    "dx_codes": ("Diagnosekoder", "Diagnosis codes"),
    "proc_codes": ("Prosedyrekoder", "Procedure codes"),
    "must_not": ("må ikke finnes", "must be absent"),
    "batch_title": ("Grupper en CSV-fil", "Group a CSV file"),
    "batch_help": (
        (
            "Én kolonne case_string (NPK-grupperingsstreng), eller aktivitetskolonnene kjonn, alder_dager, "
            "utskr_maate, liggetid, hdiag, hdiag2, bdiag, prosedyrer (lister skilt med | eller ;). "
            "Høyst {mb} MB og {rows} rader. Hver rad kommer tilbake med status; rader som ikke kan leses, "
            "får status og en feilmelding med radnummer og kolonne. Filen lagres ikke."
        ),
        (
            "One column case_string (NPK case string), or the activity columns kjonn, alder_dager, "
            "utskr_maate, liggetid, hdiag, hdiag2, bdiag, prosedyrer (lists separated by | or ;). "
            "At most {mb} MB and {rows} rows. Every row comes back with a status; rows that cannot be read "
            "get a status and an error naming row and column. The file is not stored."
        ),
    ),
    "file": ("CSV-fil", "CSV file"),
    "upload": ("Grupper og last ned", "Group and download"),
    "errors": ("Rett opp dette:", "Please fix:"),
    "e_required": ("{field} må fylles ut.", "{field} is required."),
    "e_int": ("{field} må være et helt tall (sifrene 0–9).", "{field} must be a whole number (digits 0–9)."),
    "e_range": ("{field} må være mellom {lo} og {hi}.", "{field} must be between {lo} and {hi}."),
    "e_date": ("{field} må være en dato (ÅÅÅÅ-MM-DD).", "{field} must be a date (YYYY-MM-DD)."),
    "e_dates_order": ("Kontaktdato kan ikke være før fødselsdato.", "The contact date cannot be before the birth date."),
    "e_choice": ("{field} har en ugyldig verdi.", "{field} has an invalid value."),
    "e_code": ("{field}: ikke en gyldig kode (bare bokstaver og sifre).", "{field}: not a valid code (letters and digits only)."),
    "e_asterisk_only": ("{field}: stjernekode uten korskode.", "{field}: asterisk code without a dagger code."),
    "e_case": ("Grupperingsstrengen er ugyldig: {reason}", "The case string is invalid: {reason}"),
    "e_logic": ("Ukjent logikkversjon.", "Unknown logic version."),
    "e_too_big": ("Filen er for stor: høyst {mb} MB.", "The file is too large: at most {mb} MB."),
    "e_too_many": ("Filen har for mange rader: høyst {rows}.", "The file has too many rows: at most {rows}."),
    "e_no_file": ("Velg en CSV-fil.", "Choose a CSV file."),
    "e_encoding": ("Filen må være tekst (UTF-8, UTF-16 eller Windows-1252).",
                   "The file must be text (UTF-8, UTF-16 or Windows-1252)."),
    "e_columns": (
        ("Fant ikke kolonnen case_string eller aktivitetskolonnene (minst kjonn, alder_dager, liggetid, hdiag); "
         "mangler: {columns}."),
        ("Found neither a case_string column nor the activity columns (at least kjonn, alder_dager, liggetid, "
         "hdiag); missing: {columns}."),
    ),
    "e_types": ("Kolonnen {columns} har en type som ikke kan holde feltet (se datamodellen).",
                "Column {columns} has a type that cannot hold its field (see the data model)."),
    "e_duplicate": ("To kolonner har samme navn {columns}.", "Two columns have the same name {columns}."),
    "e_not_csv": ("Filen er ikke CSV-tekst (et regneark, en zip- eller Parquet-fil?). Lagre den som CSV.",
                  "The file is not CSV text (a workbook, a zip or Parquet file?). Save it as CSV."),
    "e_unreadable": ("Filen kan ikke leses som CSV.", "The file cannot be read as CSV."),
    "e_multipart": ("Opplastingen er ødelagt; prøv igjen.", "The upload is malformed; please try again."),
    "e_form_limits": ("Skjemaet har for mange felt eller et felt som er for stort.",
                      "The form has too many fields or a field that is too large."),
    "e_busy": ("Serveren er opptatt; prøv igjen om litt.", "The server is busy; please try again shortly."),
    "e_empty": ("Filen har ingen rader.", "The file has no rows."),
    "not_found": ("Siden finnes ikke.", "Page not found."),
    "footer": (
        "Ingenting du sender inn lagres eller logges. Demo-logikk og -vekter er ikke offisielle.",
        "Nothing you send is stored or logged. Demo logic and weights are not official.",
    ),
}


def pick_lang(value: str | None) -> str:
    """The language to use: ``en`` when asked for, otherwise bokmål."""
    return "en" if (value or "").lower().startswith("en") else "nb"


def translator(lang: str) -> Callable[..., str]:
    """A ``t(key, **params)`` function for one language; unknown keys show as themselves."""
    i = LANGS.index(pick_lang(lang))

    def t(key: str, **params: object) -> str:
        pair = TEXT.get(key)
        text = pair[i] if pair else key
        return text.format(**params) if params else text

    return t
