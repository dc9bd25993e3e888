#!/usr/bin/env python3
"""Write isf's bundled demo logic (NordDRG CSV export layout) from the spec below.

The demo logic is invented for isf so that it runs with no external files. It is *not*
NordDRG: the code lists are real public classifications (ICD-10 diagnoses, NCSP procedures)
and the DRG numbers/names are used as familiar labels, but every property value, every
code -> property assignment and every grouping rule here is our own small design.
Do not derive it from the published NordDRG tables.

Run from anywhere:  python tools/make_demo_logic.py  [output folder]
Output (deterministic): drg_logic.csv, dg_feat.csv, proc_feat.csv, compl_excl.csv,
compl_name.csv, rtc.csv, drg_name.csv and ABOUT.txt in src/isf/data/demo_logic/.

Spec conventions (see "How to read NordDRG definition tables"):
* MDC 2 digits; DGCAT ``05M01``; PDGPRO ``05P01``; COMPL ``05C01`` (C = CC, G = major,
  I = inactive, activated by its ``inclprop`` DGPROP); DGPROP ``05X01``; PROCPR ``05S01``
  (S surgical, O outpatient, E endoscopic); procedure OR 1/2 and CC 1.
* A diagnosis gets MDC and DGCAT from the group it is listed under; extra properties are
  given as a space-separated string; the vartype follows from the value's letter.
* A procedure's properties are a string of PROCPR values plus ``OR1``/``OR2``/``CC1``.
* Rules are listed in grouping order, in blocks; ``ord`` is generated per block
  (``000D000010`` for validation, ``105D010`` for MDC 05, ...) so string order = list order.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from isf.definitions.schema import CSV_FILES, CSV_HEADERS

NAT_VER = "DEMO"
OUT = Path(__file__).resolve().parent.parent / "src" / "isf" / "data" / "demo_logic"

ABOUT = (
    "isf demo logic (nat_ver DEMO): a small grouping logic written by the isf developers in "
    "the NordDRG CSV export layout, so that isf can be tried, taught and tested with no "
    "external files. It uses real public ICD-10 diagnosis codes and NCSP procedure codes, and "
    "Norwegian DRG numbers and names as familiar labels (the DRGs the ISF seeds name for "
    "2022-2026 among them: 209S/T/U/V, TD11A, TD99L, 412A, 853X and the day-surgery DRGs), but "
    "all grouping properties, code-to-property assignments and rules are invented and "
    "deliberately simplified (about 120 rules, a few hundred codes; one code, DEMOCART, is a "
    "placeholder for the CAR-T procedure code the seeds do not give). It is not NordDRG, not "
    "derived from the NordDRG "
    "definition tables, and must not be used for settlement, reporting or any real financing "
    "purpose; use the official NordDRG definitions for that. Regenerate it with "
    "tools/make_demo_logic.py."
)

# --------------------------------------------------------------------------------------
# Return codes (rtc)
# --------------------------------------------------------------------------------------
RTC = [
    ("0", "Gruppert uten feil"),
    ("1", "Hoveddiagnose mangler"),
    ("2", "Kjønn mangler"),
    ("3", "Kjønn stemmer ikke med diagnosen"),
    ("4", "For ung for diagnosen"),
    ("5", "For gammel for diagnosen"),
    ("6", "Alder feil (over 125 år)"),
    ("7", "Sjelden eller feil kombinasjon av diagnose og prosedyre"),
    ("8", "Hoveddiagnosen kan ikke brukes for gruppering"),
    ("9", "Annen feil"),
]

# --------------------------------------------------------------------------------------
# Property values: value -> (Norwegian text, English text)
# --------------------------------------------------------------------------------------
MDC = {
    "01": ("Sykdommer i nervesystemet", "Diseases of the nervous system"),
    "02": ("Øyesykdommer", "Diseases of the eye"),
    "03": ("Sykdommer i øre, nese, munn og hals", "Diseases of the ear, nose, mouth and throat"),
    "04": ("Sykdommer i åndedrettsorganene", "Diseases of the respiratory system"),
    "05": ("Sykdommer i sirkulasjonsorganene", "Diseases of the circulatory system"),
    "06": ("Sykdommer i fordøyelsesorganene", "Diseases of the digestive system"),
    "07": ("Sykdommer i lever, galleveier og bukspyttkjertel", "Diseases of the hepatobiliary system and pancreas"),
    "08": ("Sykdommer i muskel-skjelettsystemet og bindevev", "Diseases of the musculoskeletal system and connective tissue"),
    "09": ("Sykdommer i hud og underhud", "Diseases of the skin and subcutaneous tissue"),
    "12": ("Sykdommer i mannlige kjønnsorganer", "Diseases of the male reproductive system"),
    "13": ("Sykdommer i kvinnelige kjønnsorganer", "Diseases of the female reproductive system"),
    "14": ("Svangerskap, fødsel og barseltid", "Pregnancy, childbirth and the puerperium"),
    "15": ("Nyfødte og tilstander i perinatalperioden", "Newborns and conditions of the perinatal period"),
    "17": ("Lymfom, leukemi og andre svulster i blod og lymfesystem", "Lymphoma, leukaemia and other haematological neoplasms"),
    "19": ("Psykiske lidelser", "Mental diseases and disorders"),
    "20": ("Rusmiddelbruk og rusutløste psykiske lidelser", "Alcohol and drug use and induced mental disorders"),
    "23": ("Faktorer som påvirker helsetilstanden og kontakter med helsetjenesten", "Factors influencing health status and contacts with health services"),
    "40": ("Grupper uavhengig av hoveddiagnose", "Groups independent of the principal diagnosis"),
    "98": ("Sykdommer i kjønnsorganer, felles for menn og kvinner", "Genital diseases common to men and women"),
    "99": ("Ugyldig som hoveddiagnose", "Not valid as principal diagnosis"),
}

DGCAT = {
    "01M01": ("Hjerneslag", "Stroke"),
    "01M02": ("Epilepsi og kramper", "Epilepsy and convulsions"),
    "01M03": ("Infeksjoner i nervesystemet", "Infections of the nervous system"),
    "01M99": ("Andre sykdommer i nervesystemet", "Other diseases of the nervous system"),
    "02M01": ("Sykdommer i netthinne og glasslegeme", "Diseases of retina and vitreous body"),
    "02M02": ("Katarakt", "Cataract"),
    "02M99": ("Andre øyesykdommer", "Other diseases of the eye"),
    "03M01": ("Sykdommer i mandler og adenoid vev", "Diseases of tonsils and adenoids"),
    "04M01": ("Pneumoni og pleuritt", "Pneumonia and pleurisy"),
    "04M02": ("Kronisk obstruktiv lungesykdom", "Chronic obstructive pulmonary disease"),
    "04M03": ("Svulster i åndedrettsorganene", "Respiratory neoplasms"),
    "04M99": ("Andre sykdommer i åndedrettsorganene", "Other respiratory diseases"),
    "05M01": ("Akutt hjerteinfarkt", "Acute myocardial infarction"),
    "05M02": ("Hjertesvikt og sjokk", "Heart failure and shock"),
    "05M03": ("Arytmier og ledningsforstyrrelser", "Arrhythmia and conduction disorders"),
    "05M04": ("Angina pectoris og kronisk iskemisk hjertesykdom", "Angina and chronic ischaemic heart disease"),
    "05M99": ("Andre sykdommer i sirkulasjonsorganene", "Other circulatory diseases"),
    "06M01": ("Appendisitt", "Appendicitis"),
    "06M02": ("Ondartede svulster i fordøyelsesorganene", "Digestive malignancy"),
    "06M03": ("Øsofagitt og gastroenteritt", "Oesophagitis and gastroenteritis"),
    "06M04": ("Blødning i fordøyelseskanalen", "Gastrointestinal haemorrhage"),
    "06M99": ("Andre sykdommer i fordøyelsesorganene", "Other digestive diseases"),
    "07M01": ("Sykdommer i galleblære og galleveier", "Diseases of gallbladder and biliary tract"),
    "07M99": ("Sykdommer i lever og bukspyttkjertel", "Diseases of liver and pancreas"),
    "08M01": ("Artrose i hofte og kne", "Osteoarthritis of hip and knee"),
    "08M02": ("Brudd i hofte og bekken", "Fractures of hip and pelvis"),
    "08M99": ("Andre sykdommer i muskel-skjelettsystemet", "Other musculoskeletal diseases"),
    "09M01": ("Sykdommer i hud og underhud", "Diseases of the skin and subcutaneous tissue"),
    "12M01": ("Betennelse i mannlige kjønnsorganer", "Inflammation of male genital organs"),
    "12M02": ("Prostatahyperplasi", "Prostatic hyperplasia"),
    "12M03": ("Ondartet svulst i mannlige kjønnsorganer", "Malignancy of male genital organs"),
    "12M99": ("Andre sykdommer i mannlige kjønnsorganer", "Other diseases of male genital organs"),
    "13M01": ("Infeksjoner i kvinnelige kjønnsorganer", "Infections of female genital organs"),
    "13M99": ("Andre sykdommer i kvinnelige kjønnsorganer", "Other diseases of female genital organs"),
    "14M01": ("Fødsel", "Delivery"),
    "14M02": ("Sykdommer i svangerskapet", "Diseases in pregnancy"),
    "14M03": ("Barseltid", "Puerperium"),
    "15M01": ("Nyfødt med sykdom", "Newborn with disease"),
    "15M02": ("Frisk nyfødt", "Healthy newborn"),
    "17M01": ("Lymfom og leukemi", "Lymphoma and leukaemia"),
    "19M01": ("Psykoser", "Psychoses"),
    "19M02": ("Depressive lidelser", "Depressive disorders"),
    "19M03": ("Organiske psykiske lidelser og psykisk utviklingshemning", "Organic mental disorders and mental retardation"),
    "19M99": ("Andre psykiske lidelser", "Other mental disorders"),
    "20M01": ("Rusmiddelbruk og avhengighet", "Substance use and dependence"),
    "20M02": ("Opioidavhengighet", "Opioid dependence"),
    "20M03": ("Legemiddelassistert rehabilitering (LAR): utlevering eller observert inntak", "Opioid agonist treatment (LAR): dispensing or observed intake"),
    "23M01": ("Symptomer og funn", "Symptoms and findings"),
    "23M02": ("Kontroll og etterbehandling", "Follow-up and aftercare"),
    "23M99": ("Andre faktorer som påvirker helsetilstanden", "Other factors influencing health status"),
    "98M01": ("Infeksjoner i kjønnsorganer", "Genital infections"),
    "99M80": ("Kode som ikke kan være hoveddiagnose", "Code not valid as principal diagnosis"),
}

PDGPRO = {
    "00P01": ("Ugyldig hoveddiagnose før 12 års alder", "Invalid principal diagnosis under 12 years"),
    "00P02": ("Ugyldig hoveddiagnose fra 18 års alder", "Invalid principal diagnosis from 18 years"),
    "00P80": ("Kan ikke være hoveddiagnose", "Not acceptable as principal diagnosis"),
    "01P04": ("Virusmeningitt", "Viral meningitis"),
    "06P01": ("Komplisert appendisitt", "Complicated appendicitis"),
    "15P01": ("Ekstrem umodenhet eller RDS", "Extreme immaturity or RDS"),
}

DGPROP = {
    "00X01": ("Ondartet sykdom", "Malignancy"),
    "00X05": ("Avhengighet av dialyse", "Dependence on dialysis"),
    "05X01": ("Akutt hjerteinfarkt", "Acute myocardial infarction"),
    "14X01": ("Fødsel (utfall av fødsel)", "Delivery (outcome of delivery)"),
}

# COMPL value -> (Norwegian text, English text, inclprop activating an inactive category).
# Categories that differ only in the letter (05C01/05G01) are one family, and a secondary
# diagnosis never complicates a principal of its own family: numbers are unique per MDC.
COMPL = {
    "01C01": ("Hjerneslag", "Stroke", ""),
    "01C02": ("Infeksjon i nervesystemet", "Nervous system infection", ""),
    "01C03": ("Epilepsi", "Epilepsy", ""),
    "04C01": ("Pneumoni", "Pneumonia", ""),
    "04C02": ("Kronisk obstruktiv lungesykdom", "COPD", ""),
    "04C03": ("KOLS med akutt nedre luftveisinfeksjon", "COPD with acute lower respiratory infection", ""),
    "04G05": ("Akutt respirasjonssvikt", "Acute respiratory failure", ""),
    "04G06": ("Lungeemboli", "Pulmonary embolism", ""),
    "05C01": ("Hjertesvikt", "Heart failure", ""),
    "05C02": ("Atrieflimmer og ledningsforstyrrelser", "Atrial fibrillation and conduction disorders", ""),
    "05C03": ("Akutt hjerteinfarkt", "Acute myocardial infarction", ""),
    "05G05": ("Kardiogent sjokk", "Cardiogenic shock", ""),
    "05I04": ("Hypertensjon (teller bare ved dialyseavhengighet)", "Hypertension (counts only with dialysis dependence)", "00X05"),
    "06C01": ("Blødning i fordøyelseskanalen", "Gastrointestinal haemorrhage", ""),
    "06C02": ("Peritonitt", "Peritonitis", ""),
    "07C01": ("Akutt pankreatitt", "Acute pancreatitis", ""),
    "08C01": ("Brudd i hofte", "Hip fracture", ""),
    "14C01": ("Blødning etter fødsel", "Postpartum haemorrhage", ""),
    "14C02": ("Svangerskapskomplikasjoner", "Pregnancy complications", ""),
    "19C01": ("Delirium", "Delirium", ""),
    "20C01": ("Alkoholabstinens", "Alcohol withdrawal", ""),
}

PROCPR = {
    "02O05": ("Intravitreal injeksjon", "Intravitreal injection"),
    "02S01": ("Operasjoner på linsen", "Lens procedures"),
    "03S01": ("Operasjoner på tonsiller og adenoid vev", "Tonsil and adenoid procedures"),
    "02S02": ("Vitrektomi", "Vitrectomy"),
    "05S01": ("Perkutan koronar intervensjon (PCI)", "Percutaneous coronary intervention"),
    "05S02": ("Perkutan ablasjonsbehandling for hjertearytmi", "Percutaneous ablation for arrhythmia"),
    "06E01": ("Gastroskopi og koloskopi", "Gastroscopy and colonoscopy"),
    "06S01": ("Appendektomi", "Appendectomy"),
    "07S01": ("Kolecystektomi", "Cholecystectomy"),
    "07S02": ("Endoskopiske inngrep på galleveiene", "Endoscopic biliary procedures"),
    "08S01": ("Primær hofteprotese", "Primary hip replacement"),
    "08S02": ("Revisjon av hofteprotese", "Revision of hip replacement"),
    "09S01": ("Annen plastikkirurgi etter stort vekttap", "Other plastic surgery after major weight loss"),
    "09S02": ("Større plastikkirurgi etter stort vekttap", "Major plastic surgery after major weight loss"),
    "12S01": ("Transuretral prostatareseksjon", "Transurethral prostate resection"),
    "13S01": ("Hysterektomi", "Hysterectomy"),
    "13S02": ("Gynekologisk laparoskopi", "Gynaecological laparoscopy"),
    "14S01": ("Keisersnitt", "Caesarean section"),
    "17T01": ("Transfusjon av genmodifiserte autologe lymfocytter (CAR-T)", "Infusion of gene-modified autologous lymphocytes (CAR-T)"),
    "40O01": ("Strålebehandling med protoner", "Proton radiotherapy"),
}

# --------------------------------------------------------------------------------------
# Diagnoses (ICD-10), listed under their DGCAT: (code, Norwegian text, extra properties)
# --------------------------------------------------------------------------------------
DIAGNOSES: dict[str, list[tuple[str, str, str]]] = {
    "01M01": [
        ("I610", "Intracerebral blødning i hjernehemisfære, subkortikal", "01C01"),
        ("I611", "Intracerebral blødning i hjernehemisfære, kortikal", "01C01"),
        ("I619", "Uspesifisert intracerebral blødning", "01C01"),
        ("I630", "Hjerneinfarkt som skyldes trombose i precerebrale arterier", "01C01"),
        ("I631", "Hjerneinfarkt som skyldes emboli i precerebrale arterier", "01C01"),
        ("I633", "Hjerneinfarkt som skyldes trombose i cerebrale arterier", "01C01"),
        ("I634", "Hjerneinfarkt som skyldes emboli i cerebrale arterier", "01C01"),
        ("I638", "Annet spesifisert hjerneinfarkt", "01C01"),
        ("I639", "Uspesifisert hjerneinfarkt", "01C01"),
        ("I64", "Hjerneslag, ikke spesifisert som blødning eller infarkt", "01C01"),
    ],
    "01M02": [
        ("G403", "Generalisert idiopatisk epilepsi og epileptiske syndromer", "01C03"),
        ("G409", "Uspesifisert epilepsi", "01C03"),
        ("G419", "Uspesifisert status epilepticus", "01C03"),
        ("R568", "Andre og uspesifiserte kramper", ""),
    ],
    "01M03": [
        ("A390", "Meningokokkmeningitt", "01C02"),
        ("A870", "Enterovirusmeningitt", "01C02 01P04"),
        ("A879", "Uspesifisert virusmeningitt", "01C02 01P04"),
        ("G009", "Uspesifisert bakteriell meningitt", "01C02"),
        ("G039", "Uspesifisert meningitt", "01C02"),
        ("G060", "Intrakraniell abscess og granulom", "01C02"),
    ],
    "01M99": [
        ("G01", "Meningitt ved bakteriesykdommer klassifisert annet sted", ""),
        ("G20", "Parkinsons sykdom", ""),
        ("G309", "Uspesifisert Alzheimers sykdom", "00P01"),
        ("G35", "Multippel sklerose", ""),
        ("G439", "Uspesifisert migrene", ""),
        ("G442", "Tensjonshodepine", ""),
        ("G459", "Uspesifisert forbigående cerebralt iskemisk anfall", ""),
        ("G473", "Søvnapné", ""),
        ("G510", "Bells parese", ""),
        ("G560", "Karpaltunnelsyndrom", ""),
        ("G610", "Guillain-Barrés syndrom", ""),
        ("R51", "Hodepine", ""),
    ],
    "02M01": [
        ("H330", "Netthinneløsning med rift", ""),
        ("H340", "Forbigående okklusjon av netthinnearterie", ""),
        ("H341", "Okklusjon av netthinnens sentralarterie", ""),
        ("H348", "Annen spesifisert okklusjon av netthinnekar", ""),
        ("H353", "Degenerasjon av makula og bakre pol", ""),
        ("H431", "Blødning i glasslegemet", ""),
    ],
    "02M02": [
        ("H250", "Begynnende senil katarakt", ""),
        ("H251", "Senil kjernekatarakt", ""),
        ("H259", "Uspesifisert senil katarakt", ""),
        ("H268", "Annen spesifisert katarakt", ""),
        ("H269", "Uspesifisert katarakt", ""),
    ],
    "02M99": [
        ("H000", "Hordeolum og andre dype betennelser i øyelokk", ""),
        ("H100", "Mukopurulent konjunktivitt", ""),
        ("H109", "Uspesifisert konjunktivitt", ""),
        ("H160", "Hornhinnesår", ""),
        ("H200", "Akutt og subakutt iridosyklitt", ""),
        ("H401", "Primært åpenvinkelglaukom", ""),
        ("H409", "Uspesifisert glaukom", ""),
    ],
    "03M01": [
        ("J350", "Kronisk tonsillitt", ""),
        ("J351", "Hypertrofi av mandel", ""),
        ("J352", "Hypertrofi av adenoid vev", ""),
        ("J353", "Hypertrofi av mandel med hypertrofi av adenoid vev", ""),
    ],
    "04M01": [
        ("J13", "Pneumoni som skyldes Streptococcus pneumoniae", "04C01"),
        ("J14", "Pneumoni som skyldes Haemophilus influenzae", "04C01"),
        ("J150", "Pneumoni som skyldes Klebsiella pneumoniae", "04C01"),
        ("J151", "Pneumoni som skyldes Pseudomonas", "04C01"),
        ("J159", "Uspesifisert bakteriell pneumoni", "04C01"),
        ("J180", "Uspesifisert bronkopneumoni", "04C01"),
        ("J181", "Uspesifisert lobær pneumoni", "04C01"),
        ("J189", "Uspesifisert pneumoni", "04C01"),
        ("J690", "Pneumonitt som skyldes inhalasjon av mat eller oppkast", "04C01"),
        ("J90", "Pleuravæske, ikke klassifisert annet sted", ""),
    ],
    "04M02": [
        ("J439", "Uspesifisert emfysem", "04C02"),
        ("J440", "Kronisk obstruktiv lungesykdom med akutt nedre luftveisinfeksjon", "04C03"),
        ("J441", "Kronisk obstruktiv lungesykdom med akutt forverring", "04C02"),
        ("J448", "Annen spesifisert kronisk obstruktiv lungesykdom", "04C02"),
        ("J449", "Uspesifisert kronisk obstruktiv lungesykdom", "04C02"),
    ],
    "04M03": [
        ("C340", "Ondartet svulst i hovedbronkie", "00X01"),
        ("C341", "Ondartet svulst i overlapp, bronkie eller lunge", "00X01"),
        ("C342", "Ondartet svulst i midtlapp, bronkie eller lunge", "00X01"),
        ("C343", "Ondartet svulst i underlapp, bronkie eller lunge", "00X01"),
        ("C349", "Ondartet svulst i bronkie eller lunge, uspesifisert del", "00X01"),
    ],
    "04M99": [
        ("I260", "Lungeemboli med akutt cor pulmonale", "04G06"),
        ("I269", "Lungeemboli uten opplysning om akutt cor pulmonale", "04G06"),
        ("J450", "Overveiende allergisk astma", ""),
        ("J459", "Uspesifisert astma", ""),
        ("J841", "Annen interstitiell lungesykdom med fibrose", ""),
        ("J939", "Uspesifisert pneumotoraks", ""),
        ("J960", "Akutt respirasjonssvikt", "04G05"),
        ("J961", "Kronisk respirasjonssvikt", ""),
        ("J984", "Andre sykdommer i lunge", ""),
        ("R05", "Hoste", ""),
        ("R060", "Dyspné", ""),
    ],
    "05M01": [
        ("I210", "Akutt transmuralt hjerteinfarkt i fremre vegg", "05X01 05C03"),
        ("I211", "Akutt transmuralt hjerteinfarkt i nedre vegg", "05X01 05C03"),
        ("I212", "Akutt transmuralt hjerteinfarkt med annen lokalisasjon", "05X01 05C03"),
        ("I213", "Akutt transmuralt hjerteinfarkt med uspesifisert lokalisasjon", "05X01 05C03"),
        ("I214", "Akutt subendokardialt hjerteinfarkt", "05X01 05C03"),
        ("I219", "Uspesifisert akutt hjerteinfarkt", "05X01 05C03"),
        ("I220", "Nytt hjerteinfarkt i fremre vegg", "05X01 05C03"),
        ("I221", "Nytt hjerteinfarkt i nedre vegg", "05X01 05C03"),
        ("I229", "Nytt hjerteinfarkt med uspesifisert lokalisasjon", "05X01 05C03"),
    ],
    "05M02": [
        ("I110", "Hypertensiv hjertesykdom med hjertesvikt", "05C01"),
        ("I130", "Hypertensiv hjerte- og nyresykdom med hjertesvikt", "05C01"),
        ("I500", "Kongestiv hjertesvikt", "05C01"),
        ("I501", "Venstresidig hjertesvikt", "05C01"),
        ("I509", "Uspesifisert hjertesvikt", "05C01"),
        ("R570", "Kardiogent sjokk", "05G05"),
    ],
    "05M03": [
        ("I442", "Totalt atrioventrikulært blokk", "05C02"),
        ("I471", "Supraventrikulær takykardi", ""),
        ("I480", "Paroksysmal atrieflimmer", "05C02"),
        ("I481", "Persisterende atrieflimmer", "05C02"),
        ("I482", "Kronisk atrieflimmer", "05C02"),
        ("I483", "Typisk atrieflutter", "05C02"),
        ("I489", "Uspesifisert atrieflimmer og atrieflutter", "05C02"),
        ("I495", "Syk sinusknute-syndrom", ""),
        ("R001", "Uspesifisert bradykardi", ""),
    ],
    "05M04": [
        ("I200", "Ustabil angina", ""),
        ("I208", "Andre spesifiserte former for angina pectoris", ""),
        ("I209", "Uspesifisert angina pectoris", ""),
        ("I251", "Aterosklerotisk hjertesykdom", ""),
        ("I259", "Uspesifisert kronisk iskemisk hjertesykdom", ""),
    ],
    "05M99": [
        ("I10", "Essensiell (primær) hypertensjon", "05I04"),
        ("I119", "Hypertensiv hjertesykdom uten hjertesvikt", ""),
        ("I340", "Mitralinsuffisiens", ""),
        ("I350", "Aortastenose", ""),
        ("I420", "Dilatert kardiomyopati", ""),
        ("I702", "Aterosklerose i arterier i ekstremiteter", ""),
        ("I739", "Uspesifisert perifer karsykdom", ""),
        ("I802", "Flebitt og tromboflebitt i andre dype kar i underekstremitet", ""),
        ("I959", "Uspesifisert hypotensjon", ""),
        ("R072", "Prekordiale smerter", ""),
        ("R073", "Andre brystsmerter", ""),
        ("R074", "Uspesifiserte brystsmerter", ""),
    ],
    "06M01": [
        ("K352", "Akutt appendisitt med generalisert peritonitt", "06P01"),
        ("K353", "Akutt appendisitt med lokalisert peritonitt", "06P01"),
        ("K358", "Annen og uspesifisert akutt appendisitt", ""),
        ("K36", "Annen appendisitt", ""),
        ("K37", "Uspesifisert appendisitt", ""),
    ],
    "06M02": [
        ("C169", "Ondartet svulst i magesekk, uspesifisert del", "00X01"),
        ("C180", "Ondartet svulst i caecum", "00X01"),
        ("C182", "Ondartet svulst i colon ascendens", "00X01"),
        ("C187", "Ondartet svulst i colon sigmoideum", "00X01"),
        ("C189", "Ondartet svulst i tykktarm, uspesifisert del", "00X01"),
        ("C20", "Ondartet svulst i endetarm", "00X01"),
    ],
    "06M03": [
        ("A080", "Rotavirusenteritt", ""),
        ("A084", "Uspesifisert virusinfeksjon i tarmkanalen", ""),
        ("A090", "Annen og uspesifisert gastroenteritt og kolitt av infeksiøs årsak", ""),
        ("A099", "Gastroenteritt og kolitt av uspesifisert årsak", ""),
        ("K210", "Gastroøsofageal reflukssykdom med øsofagitt", ""),
        ("K219", "Gastroøsofageal reflukssykdom uten øsofagitt", ""),
        ("K297", "Uspesifisert gastritt", ""),
        ("K529", "Uspesifisert ikke-infeksiøs gastroenteritt og kolitt", ""),
    ],
    "06M04": [
        ("K250", "Akutt magesår med blødning", "06C01"),
        ("K264", "Kronisk eller uspesifisert duodenalsår med blødning", "06C01"),
        ("K920", "Hematemese", "06C01"),
        ("K921", "Melena", "06C01"),
        ("K922", "Uspesifisert blødning i mage-tarmkanalen", "06C01"),
    ],
    "06M99": [
        ("K409", "Ensidig eller uspesifisert lyskebrokk uten obstruksjon eller gangren", ""),
        ("K509", "Uspesifisert Crohns sykdom", ""),
        ("K519", "Uspesifisert ulcerøs kolitt", ""),
        ("K566", "Annen og uspesifisert tarmobstruksjon", ""),
        ("K572", "Divertikkelsykdom i tykktarm med perforasjon og abscess", ""),
        ("K573", "Divertikkelsykdom i tykktarm uten perforasjon eller abscess", ""),
        ("K590", "Obstipasjon", ""),
        ("K589", "Irritabel tarm-syndrom uten diaré", ""),
        ("K602", "Uspesifisert analfissur", ""),
        ("K650", "Akutt peritonitt", "06C02"),
        ("R104", "Andre og uspesifiserte magesmerter", ""),
        ("R11", "Kvalme og oppkast", ""),
    ],
    "07M01": [
        ("K800", "Gallestein i galleblære med akutt kolecystitt", ""),
        ("K801", "Gallestein i galleblære med annen kolecystitt", ""),
        ("K802", "Gallestein i galleblære uten kolecystitt", ""),
        ("K805", "Gallestein i galleganger uten kolangitt eller kolecystitt", ""),
        ("K810", "Akutt kolecystitt", ""),
        ("K811", "Kronisk kolecystitt", ""),
        ("K819", "Uspesifisert kolecystitt", ""),
        ("K830", "Kolangitt", ""),
    ],
    "07M99": [
        ("K703", "Alkoholisk levercirrhose", ""),
        ("K729", "Uspesifisert leversvikt", ""),
        ("K746", "Annen og uspesifisert levercirrhose", ""),
        ("K769", "Uspesifisert leversykdom", ""),
        ("K859", "Uspesifisert akutt pankreatitt", "07C01"),
        ("K860", "Alkoholindusert kronisk pankreatitt", ""),
    ],
    "08M01": [
        ("M160", "Primær koksartrose, bilateral", ""),
        ("M161", "Annen primær koksartrose", ""),
        ("M169", "Uspesifisert koksartrose", ""),
        ("M170", "Primær gonartrose, bilateral", ""),
        ("M171", "Annen primær gonartrose", ""),
        ("M179", "Uspesifisert gonartrose", ""),
    ],
    "08M02": [
        ("S324", "Brudd i acetabulum", ""),
        ("S325", "Brudd i os pubis", ""),
        ("S720", "Lårhalsbrudd", "08C01"),
        ("S721", "Pertrokantært brudd", "08C01"),
        ("S722", "Subtrokantært brudd", "08C01"),
    ],
    "08M99": [
        ("M069", "Uspesifisert revmatoid artritt", ""),
        ("M109", "Uspesifisert urinsyregikt", ""),
        ("M199", "Uspesifisert artrose", ""),
        ("M480", "Spinal stenose", ""),
        ("M511", "Lumbal og annen skiveprolaps med radikulopati", ""),
        ("M545", "Lumbago", ""),
        ("M751", "Rotator cuff-syndrom", ""),
        ("M797", "Fibromyalgi", ""),
        ("T840", "Mekanisk komplikasjon ved innvendig leddprotese", ""),
    ],
    "09M01": [
        ("L987", "Overflødig og løs hud og underhud", ""),
        ("L989", "Uspesifisert lidelse i hud eller underhud", ""),
    ],
    "12M01": [
        ("N410", "Akutt prostatitt", ""),
        ("N411", "Kronisk prostatitt", ""),
        ("N459", "Orkitt og epididymitt uten abscess", ""),
    ],
    "12M02": [
        ("N40", "Prostatahyperplasi", ""),
    ],
    "12M03": [
        ("C61", "Ondartet svulst i prostata", "00X01"),
    ],
    "12M99": [
        ("N433", "Uspesifisert hydrocele", ""),
        ("N44", "Testikkeltorsjon", ""),
        ("N47", "Forhudsforsnevring", ""),
        ("N509", "Uspesifisert sykdom i mannlige kjønnsorganer", ""),
    ],
    "13M01": [
        ("N700", "Akutt salpingitt og ooforitt", ""),
        ("N709", "Uspesifisert salpingitt og ooforitt", ""),
        ("N72", "Betennelse i livmorhals", ""),
        ("N760", "Akutt vaginitt", ""),
    ],
    "13M99": [
        ("D259", "Uspesifisert leiomyom i livmor", ""),
        ("N800", "Endometriose i livmor", ""),
        ("N811", "Cystocele", ""),
        ("N832", "Annen og uspesifisert ovarialcyste", ""),
        ("N920", "For kraftig og for hyppig menstruasjon med regelmessig syklus", ""),
        ("N939", "Uspesifisert unormal blødning fra livmor og skjede", ""),
        ("N951", "Menopausal og klimakterisk tilstand hos kvinner", "00P01"),
    ],
    "14M01": [
        ("O601", "For tidlige spontane rier med for tidlig fødsel", ""),
        ("O620", "Primær riesvekkelse", ""),
        ("O630", "Forlenget første fødselsstadium", ""),
        ("O680", "Fødsel komplisert av unormal fosterhjertefrekvens", ""),
        ("O700", "Førstegrads perinealruptur under fødsel", ""),
        ("O701", "Annengrads perinealruptur under fødsel", ""),
        ("O702", "Tredjegrads perinealruptur under fødsel", ""),
        ("Z370", "Enkeltfødt, levende barn", "14X01"),
        ("Z371", "Enkeltfødt, dødfødt barn", "14X01"),
        ("Z372", "Tvillinger, begge levendefødte", "14X01"),
        ("Z379", "Uspesifisert utfall av fødsel", "14X01"),
    ],
    "14M02": [
        ("O149", "Uspesifisert svangerskapsforgiftning", "14C02"),
        ("O200", "Truende abort", ""),
        ("O210", "Lett hyperemesis gravidarum", ""),
        ("O211", "Hyperemesis gravidarum med metabolsk forstyrrelse", ""),
        ("O234", "Uspesifisert infeksjon i urinveier under svangerskap", ""),
        ("O244", "Diabetes mellitus som oppstår under svangerskapet", "14C02"),
        ("O268", "Andre spesifiserte svangerskapsrelaterte tilstander", ""),
        ("O420", "For tidlig vannavgang, rier innen 24 timer", ""),
        ("O470", "Falske rier før 37 fullgåtte svangerskapsuker", ""),
        ("O48", "Overtidig svangerskap", ""),
        ("O990", "Anemi som kompliserer svangerskap, fødsel og barseltid", "14C02"),
    ],
    "14M03": [
        ("O720", "Blødning i tredje stadium av fødselen", "14C01"),
        ("O721", "Annen blødning umiddelbart etter fødsel", "14C01"),
        ("O85", "Barselfeber", ""),
        ("O860", "Infeksjon i operasjonssår etter forløsning", ""),
    ],
    "15M01": [
        ("P070", "Ekstremt lav fødselsvekt", "00P02"),
        ("P071", "Annen lav fødselsvekt", "00P02"),
        ("P072", "Ekstrem umodenhet", "00P02 15P01"),
        ("P073", "Andre for tidlig fødte barn", "00P02"),
        ("P220", "Respiratorisk distress-syndrom hos nyfødt", "00P02 15P01"),
        ("P221", "Forbigående takypné hos nyfødt", "00P02"),
        ("P369", "Uspesifisert bakteriell sepsis hos nyfødt", "00P02"),
        ("P38", "Omfalitt hos nyfødt med eller uten lett blødning", "00P02"),
        ("P590", "Neonatal gulsott forbundet med for tidlig fødsel", "00P02"),
        ("P599", "Uspesifisert neonatal gulsott", "00P02"),
        ("P929", "Uspesifisert ernæringsproblem hos nyfødt", "00P02"),
    ],
    "15M02": [
        ("Z380", "Enkeltfødt, født på sykehus", "00P02"),
        ("Z381", "Enkeltfødt, født utenfor sykehus", "00P02"),
        ("Z383", "Tvilling, født på sykehus", "00P02"),
    ],
    "17M01": [
        ("C833", "Diffust storcellet B-cellelymfom", "00X01"),
        ("C859", "Uspesifisert non-Hodgkins lymfom", "00X01"),
        ("C900", "Myelomatose", "00X01"),
        ("C910", "Akutt lymfatisk leukemi", "00X01"),
        ("C911", "Kronisk lymfatisk leukemi", "00X01"),
    ],
    "19M01": [
        ("F200", "Paranoid schizofreni", ""),
        ("F209", "Uspesifisert schizofreni", ""),
        ("F220", "Paranoid psykose", ""),
        ("F239", "Uspesifisert akutt og forbigående psykotisk lidelse", ""),
        ("F250", "Schizoaffektiv lidelse, manisk type", ""),
        ("F29", "Uspesifisert ikke-organisk psykose", ""),
        ("F312", "Bipolar affektiv lidelse, nåværende episode manisk med psykotiske symptomer", ""),
    ],
    "19M02": [
        ("F320", "Lett depressiv episode", ""),
        ("F321", "Moderat depressiv episode", ""),
        ("F322", "Alvorlig depressiv episode uten psykotiske symptomer", ""),
        ("F329", "Uspesifisert depressiv episode", ""),
        ("F331", "Tilbakevendende depressiv lidelse, nåværende episode moderat", ""),
        ("F339", "Uspesifisert tilbakevendende depressiv lidelse", ""),
        ("F341", "Dystymi", ""),
    ],
    "19M03": [
        ("F03", "Uspesifisert demens", "00P01"),
        ("F051", "Delirium med demens", "19C01"),
        ("F059", "Uspesifisert delirium", "19C01"),
        ("F067", "Lett kognitiv lidelse", ""),
        ("F799", "Uspesifisert psykisk utviklingshemning uten opplysning om atferdsforstyrrelse", ""),
    ],
    "19M99": [
        ("F410", "Panikklidelse", ""),
        ("F411", "Generalisert angstlidelse", ""),
        ("F419", "Uspesifisert angstlidelse", ""),
        ("F431", "Posttraumatisk stresslidelse", ""),
        ("F432", "Tilpasningsforstyrrelse", ""),
        ("F500", "Anorexia nervosa", ""),
        ("F603", "Emosjonelt ustabil personlighetsforstyrrelse", ""),
        ("F900", "Forstyrrelse av aktivitet og oppmerksomhet", ""),
        ("F99", "Uspesifisert psykisk lidelse", ""),
    ],
    "20M01": [
        ("F100", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av alkohol, akutt forgiftning", ""),
        ("F102", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av alkohol, avhengighetssyndrom", ""),
        ("F103", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av alkohol, abstinenstilstand", "20C01"),
        ("F104", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av alkohol, abstinenstilstand med delirium", "20C01"),
        ("F105", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av alkohol, psykotisk lidelse", ""),
        ("F122", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av cannabinoider, avhengighetssyndrom", ""),
        ("F132", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av sedativer eller hypnotika, avhengighetssyndrom", ""),
        ("F152", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av andre stimulerende midler, avhengighetssyndrom", ""),
        ("F192", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av flere stoffer, avhengighetssyndrom", ""),
    ],
    "20M02": [
        ("F112", "Psykiske lidelser og atferdsforstyrrelser som skyldes bruk av opioider, avhengighetssyndrom", ""),
    ],
    "20M03": [
        # [001] 4.4: a LAR contact whose main purpose is dispensing or observed intake has principal Z50.30
        ("Z5030", "Legemiddelassistert rehabilitering (LAR): utlevering eller observert inntak av legemiddel", ""),
    ],
    "23M01": [
        ("R42", "Svimmelhet", ""),
        ("R509", "Uspesifisert feber", ""),
        ("R53", "Uvelhet og tretthet", ""),
        ("R55", "Synkope og kollaps", ""),
        ("R600", "Lokalisert ødem", ""),
        ("R69", "Ukjente og uspesifiserte årsaker til sykdom", ""),
    ],
    "23M02": [
        ("Z098", "Kontrollundersøkelse etter annen behandling for andre tilstander", ""),
        ("Z099", "Kontrollundersøkelse etter uspesifisert behandling for uspesifisert tilstand", ""),
        ("Z480", "Stell av kirurgiske sårbandasjer og suturer", ""),
        ("Z488", "Annen spesifisert kirurgisk etterbehandling", ""),
        ("Z515", "Palliativ behandling", ""),
    ],
    "23M99": [
        ("Z000", "Generell medisinsk undersøkelse", ""),
        ("Z038", "Observasjon ved annen mistenkt sykdom eller tilstand", ""),
        ("Z039", "Observasjon ved uspesifisert mistenkt sykdom eller tilstand", ""),
        ("Z711", "Person med uttalt bekymring uten stilt diagnose", ""),
        ("Z921", "Langvarig bruk av antikoagulantia i egen sykehistorie", ""),
        ("Z950", "Tilstedeværelse av hjertestimulator", ""),
        ("Z966", "Tilstedeværelse av ortopedisk leddimplantat", ""),
        ("Z992", "Avhengighet av nyredialyse", "00X05"),
    ],
    "98M01": [
        ("A510", "Primær genital syfilis", ""),
        ("A540", "Gonokokkinfeksjon i nedre urin- og kjønnsveier uten abscess", ""),
        ("A560", "Klamydiainfeksjon i nedre urin- og kjønnsveier", ""),
        ("A562", "Uspesifisert klamydiainfeksjon i urin- og kjønnsveier", ""),
        ("A600", "Herpesvirusinfeksjon i kjønnsorganer og urin- og kjønnsveier", ""),
        ("A630", "Kondylom i anogenitalregionen", ""),
        ("A64", "Uspesifisert seksuelt overførbar sykdom", ""),
    ],
    "99M80": [
        ("R99", "Annen dårlig definert og uspesifisert dødsårsak", "00P80"),
        ("Y95", "Nosokomial tilstand", "00P80"),
        ("Y96", "Arbeidsrelatert tilstand", "00P80"),
        ("Y97", "Tilstand relatert til miljøforurensning", "00P80"),
        ("Y98", "Livsstilsrelatert tilstand", "00P80"),
    ],
}

# Dagger/asterisk pairs: (asterisk, dagger, DGCAT, extra properties). The pair has its own
# properties; the asterisk alone (G01, listed above) only reaches the residual DGCAT.
PAIRS = [
    ("G01", "A390", "01M03", "01C02"),
]

# Principal diagnoses that a COMPL category cannot complicate: COMPL -> [code or (asterisk, dagger)].
COMPL_EXCL: dict[str, list[str | tuple[str, str]]] = {
    # J44.0 already says "with lower respiratory infection": it does not complicate a pneumonia.
    "04C03": ["J13", "J14", "J150", "J151", "J159", "J180", "J181", "J189", "J690"],
    # A nervous system infection does not complicate meningococcal meningitis coded as a pair.
    "01C02": [("G01", "A390")],
}

# --------------------------------------------------------------------------------------
# Procedures (NCSP): (code, Norwegian text, properties: PROCPR values, OR1/OR2, CC1)
# --------------------------------------------------------------------------------------
PROCEDURES = [
    ("CJE20", "Fakoemulsifikasjon av linse med innsetting av bakre kammerlinse", "02S01 OR1"),
    ("CKD05", "Intravitreal injeksjon av legemiddel", "02O05 OR2"),
    ("CKD65", "Vitrektomi via pars plana", "02S02 OR1"),
    ("DEMOCART", "DEMO-plassholder: NCMP-koden for CAR-T-behandling (koden er ikke oppgitt i seeds)", "17T01"),
    ("EMB10", "Tonsillektomi", "03S01 OR1"),
    ("EMB20", "Adenotonsillektomi", "03S01 OR1"),
    ("FNG02", "Perkutan transluminal koronar angioplastikk (PTCA)", "05S01 OR2"),
    ("FNG05", "Perkutan transluminal koronar angioplastikk med innsetting av stent", "05S01 OR1"),
    ("FPB10", "Kryoablasjon av ektopisk hjertefokus", "05S02 OR1"),
    ("FPB20", "Radiobølgeablasjon av aberrant ledningsbane eller hjertefokus", "05S02 OR1"),
    ("FPB22", "Transvenøs radiobølgeablasjon av aberrant ledningsbane eller hjertefokus", "05S02 OR1"),
    ("GBB00", "Trakeostomi", "CC1"),
    ("JEA00", "Appendektomi", "06S01 OR1"),
    ("JEA01", "Laparoskopisk appendektomi", "06S01 OR1"),
    ("JFB30", "Høyresidig hemikolektomi", "OR1"),
    ("UJD02", "Gastroskopi", "06E01 OR2"),
    ("UJF32", "Koloskopi", "06E01 OR2"),
    ("JKA20", "Kolecystektomi", "07S01 OR1"),
    ("JKA21", "Laparoskopisk kolecystektomi", "07S01 OR1"),
    ("JKE02", "Endoskopisk papillotomi", "07S02 OR2"),
    ("JKE12", "Endoskopisk fjerning av stein fra galleganger", "07S02 OR2"),
    ("NFB11", "Primær proksimal delprotese i hofteledd med sement", "08S01 OR1"),
    ("NFB20", "Primær totalprotese i hofteledd uten sement", "08S01 OR1"),
    ("NFB30", "Primær totalprotese i hofteledd, hybrid", "08S01 OR1"),
    ("NFB40", "Primær totalprotese i hofteledd med sement", "08S01 OR1"),
    ("NFC20", "Sekundær totalprotese i hofteledd uten sement", "08S02 OR1"),
    ("NFC30", "Sekundær totalprotese i hofteledd, hybrid", "08S02 OR1"),
    ("NFC40", "Sekundær totalprotese i hofteledd med sement", "08S02 OR1"),
    ("KED22", "Transuretral reseksjon av prostata", "12S01 OR1"),
    ("LCD00", "Total abdominal hysterektomi", "13S01 OR1"),
    ("LCD01", "Laparoskopisk total hysterektomi", "13S01 OR1"),
    ("LCD10", "Vaginal hysterektomi", "13S01 OR1"),
    ("LAC01", "Laparoskopisk ekstirpasjon av ovarialcyste", "13S02 OR1"),
    ("LAE11", "Unilateral laparoskopisk ooforektomi", "13S02 OR1"),
    ("LAF01", "Laparoskopisk unilateral salpingo-ooforektomi", "13S02 OR1"),
    ("QCJ05", "Korreksjon av løs eller overflødig hud på overekstremitet", "09S01 OR1"),
    ("QDJ05", "Korreksjon av løs eller overflødig hud på underekstremitet", "09S01 OR1"),
    ("QXJ05", "Korreksjon av løs eller overflødig hud i uspesifisert region", "09S02 OR1"),
    ("WEGX90", "Doseplan for protonbehandling", "40O01"),
    ("WEOC00", "Protonterapi", "40O01"),
    ("MCA10", "Keisersnitt i nedre uterinsegment", "14S01 OR1"),
]

# --------------------------------------------------------------------------------------
# DRGs: DRG -> (MDC, Norwegian name)
# --------------------------------------------------------------------------------------
DRGS = {
    "470": ("99", "Ugrupperbar"),
    "468": ("99", "Omfattende operasjon uten sammenheng med hoveddiagnosen"),
    "901O": ("01", "Sykdommer i nervesystemet, poliklinisk konsultasjon"),
    "14A": ("01", "Hjerneslag m/kompl"),
    "14B": ("01", "Hjerneslag u/kompl"),
    "21": ("01", "Virusmeningitt"),
    "20": ("01", "Infeksjon i nervesystemet unntatt virusmeningitt"),
    "35": ("01", "Andre sykdommer i nervesystemet"),
    "853X": ("40", "Poliklinisk strålebehandling med protoner"),  # [002] 717, [003] 115: new 2026
    "802U": ("02", "Intravitreal injeksjon, poliklinisk"),
    "902O": ("02", "Øyesykdommer, poliklinisk konsultasjon"),
    "36A": ("02", "Vitrektomi kombinert med linseoperasjon"),
    "36B": ("02", "Operasjoner på netthinne og glasslegeme"),
    "39": ("02", "Operasjoner på linsen"),
    "42": ("02", "Andre operasjoner på øyet"),
    "47": ("02", "Andre øyesykdommer"),
    "903O": ("03", "Sykdommer i øre, nese, munn og hals, poliklinisk konsultasjon"),
    "60O": ("03", "Operasjoner på tonsiller og/eller adenoid vev, dagkirurgisk behandling"),  # [000] 853
    "60N": ("03", "Operasjoner på tonsiller eller adenoid vev 0-17 år"),  # [002] 732
    "59N": ("03", "Operasjoner på tonsiller eller adenoid vev >17 år"),  # [002] 1095
    "73": ("03", "Andre sykdommer i øre, nese, munn og hals"),
    "89": ("04", "Pneumoni og pleuritt >17 år m/kompl"),
    "90": ("04", "Pneumoni og pleuritt >17 år u/kompl"),
    "91A": ("04", "Pneumoni og pleuritt 0-17 år"),
    "88": ("04", "Kronisk obstruktiv lungesykdom"),
    "82": ("04", "Svulster i åndedrettsorganene"),
    "102": ("04", "Andre sykdommer i åndedrettsorganene"),
    "905O": ("05", "Sykdommer i sirkulasjonsorganene, poliklinisk konsultasjon"),
    "112A": ("05", "Perkutan koronar intervensjon (PCI) ved akutt hjerteinfarkt"),
    "112B": ("05", "Perkutan ablasjonsbehandling for hjertearytmi"),  # [000] 865, [002] 734
    "112P": ("05", "Perkutan ablasjonsbehandling for hjertearytmi, dagkirurgisk behandling"),  # [000] 868
    "112C": ("05", "Perkutan koronar intervensjon (PCI) uten akutt hjerteinfarkt"),
    "123": ("05", "Akutt hjerteinfarkt, død"),
    "121": ("05", "Akutt hjerteinfarkt m/kompl, levende utskrevet"),
    "122": ("05", "Akutt hjerteinfarkt u/kompl, levende utskrevet"),
    "127": ("05", "Hjertesvikt og sjokk"),
    "139": ("05", "Arytmier og ledningsforstyrrelser"),
    "140": ("05", "Angina pectoris og kronisk iskemisk hjertesykdom"),
    "145": ("05", "Andre sykdommer i sirkulasjonsorganene"),
    "703O": ("06", "Gastroskopi og koloskopi, dagbehandling eller poliklinisk"),
    "906O": ("06", "Sykdommer i fordøyelsesorganene, poliklinisk konsultasjon"),
    "166N": ("06", "Appendektomi ved komplisert appendisitt"),
    "167": ("06", "Appendektomi"),
    "171": ("06", "Andre operasjoner på fordøyelsesorganene"),
    "182": ("06", "Øsofagitt, gastroenteritt og andre sykdommer i fordøyelsesorganene m/kompl"),
    "183": ("06", "Øsofagitt, gastroenteritt og andre sykdommer i fordøyelsesorganene u/kompl"),
    "494O": ("07", "Kolecystektomi, dagkirurgi"),
    "493": ("07", "Kolecystektomi m/kompl"),
    "494": ("07", "Kolecystektomi u/kompl"),
    "207": ("07", "Sykdommer i galleblære og galleveier m/kompl"),
    "208": ("07", "Sykdommer i galleblære og galleveier u/kompl"),
    "206": ("07", "Sykdommer i lever og bukspyttkjertel"),
    "908O": ("08", "Sykdommer i muskel-skjelettsystemet, poliklinisk konsultasjon"),
    "209C": ("08", "Revisjon av hofteleddsprotese"),
    # [004] 855-865: 209D/209E split from 2022 by the cause of surgery
    "209S": ("08", "Innsetting av primær hofteleddsprotese pga. fraktur m/bk"),
    "209T": ("08", "Innsetting av primær hofteleddsprotese pga. fraktur u/bk"),
    "209U": ("08", "Innsetting av primær hofteleddsprotese av andre årsaker enn fraktur m/bk"),
    "209V": ("08", "Innsetting av primær hofteleddsprotese av andre årsaker enn fraktur u/bk"),
    "234": ("08", "Andre operasjoner i muskel-skjelettsystemet og bindevev"),
    "236": ("08", "Brudd i hofte og bekken"),
    "256": ("08", "Andre sykdommer i muskel-skjelettsystemet og bindevev"),
    "909O": ("09", "Sykdommer i hud og underhud, poliklinisk konsultasjon"),
    "530O": ("09", "Plastikkirurgi etter stort vekttap (inkl. postbariatrisk kirurgi), dagkirurgisk behandling"),  # [000] 891
    "530": ("09", "Større plastikkirurgi etter stort vekttap (inkl. postbariatrisk kirurgi)"),  # [000] 885
    "531": ("09", "Annen plastikkirurgi etter stort vekttap (inkl. postbariatrisk kirurgi)"),  # [000] 888
    "284": ("09", "Andre sykdommer i hud og underhud"),
    "337": ("12", "Transuretral prostatareseksjon"),
    "350": ("12", "Betennelse i mannlige kjønnsorganer"),
    "352": ("12", "Andre sykdommer i mannlige kjønnsorganer"),
    "359": ("13", "Hysterektomi, ikke ondartet sykdom"),
    "361O": ("13", "Gynekologisk laparoskopi, dagkirurgisk behandling"),  # [002] 1056 (2026 name)
    "361": ("13", "Gynekologisk laparoskopi"),  # [002] 1054 (2026 name)
    "368": ("13", "Infeksjoner i kvinnelige kjønnsorganer"),
    "369": ("13", "Menstruasjonsforstyrrelser og andre sykdommer i kvinnelige kjønnsorganer"),
    "370": ("14", "Keisersnitt m/kompl"),
    "371": ("14", "Keisersnitt u/kompl"),
    "372": ("14", "Vaginal fødsel m/kompl"),
    "373O": ("14", "Vaginal fødsel, dagopphold"),  # [000] 943
    "373": ("14", "Vaginal fødsel u/kompl"),
    "383": ("14", "Andre sykdommer i svangerskap og barseltid m/kompl"),
    "384": ("14", "Andre sykdommer i svangerskap og barseltid u/kompl"),
    "386N": ("15", "Ekstrem umodenhet eller respiratorisk distress-syndrom hos nyfødt"),
    "391": ("15", "Normal nyfødt"),
    "390": ("15", "Nyfødt med andre betydelige problemer"),
    "412A": ("17", "Transfusjon av genmodifiserte autologe lymfocytter"),  # [000] 766, [002] 1034: new 2026
    "917O": ("17", "Lymfom og leukemi, poliklinisk konsultasjon"),
    "404": ("17", "Lymfom og leukemi"),
    "919O": ("19", "Psykiske lidelser, poliklinisk konsultasjon"),
    "430A": ("19", "Psykoser"),
    "426C": ("19", "Depressive lidelser"),
    "429A": ("19", "Organiske psykiske lidelser og psykisk utviklingshemning"),
    "432A": ("19", "Andre psykiske lidelser"),
    "TD99L": ("20", "Utlevering eller observert inntak av LAR-legemiddel"),  # [001] 245-250 (name: isf)
    "TD11A": ("20", "Opioidavhengighet"),  # [004] 1191
    "920O": ("20", "Rusmiddelbruk og avhengighet, poliklinisk konsultasjon"),
    "434": ("20", "Rusmiddelbruk og avhengighet m/kompl"),
    "435": ("20", "Rusmiddelbruk og avhengighet u/kompl"),
    "923O": ("23", "Andre kontakter med helsetjenesten, poliklinisk"),
    "465": ("23", "Kontroll og etterbehandling med ondartet sykdom som bidiagnose"),
    "466": ("23", "Kontroll og etterbehandling uten ondartet sykdom som bidiagnose"),
    "463": ("23", "Symptomer og funn m/kompl"),
    "464": ("23", "Symptomer og funn u/kompl"),
    "467": ("23", "Andre faktorer som påvirker helsetilstanden"),
}


# --------------------------------------------------------------------------------------
# Rules, in grouping order. R(drg, **conditions); rtc defaults to 0 and icd to '+'.
# Columns: mdc dgcat pdgprop compl or_proc procpro secpro dgprop1..4 agelim sex dur disch.
# --------------------------------------------------------------------------------------
def R(drg: str, rtc: str = "0", icd: str = "+", **cond: str) -> dict[str, str]:
    return {"drg": drg, "rtc": rtc, "icd": icd, **cond}


AGE_12Y, AGE_18Y, AGE_125Y = "4383", "6574", "45654"  # days

BLOCKS: list[tuple[str, list[dict[str, str]]]] = [
    ("000", [  # validation: no principal, impossible age, unusable principal, sex, age limits
        R("470", rtc="1", icd="-"),
        R("470", rtc="6", agelim=">" + AGE_125Y),
        R("470", rtc="8", pdgprop="00P80"),
        R("470", rtc="2", mdc="98", sex="-"),
        R("470", rtc="2", mdc="14", sex="-"),
        R("470", rtc="3", mdc="12", sex="F"),
        R("470", rtc="3", mdc="13", sex="M"),
        R("470", rtc="3", mdc="14", sex="M"),
        R("470", rtc="4", pdgprop="00P01", agelim="<" + AGE_12Y),
        R("470", rtc="4", mdc="14", agelim="<3653"),
        R("470", rtc="5", pdgprop="00P02", agelim=">" + AGE_18Y),
    ]),
    ("040", [  # HDG 40 (any principal): outpatient proton therapy, new in 2026 [002] 717
        R("853X", procpro="40O01", dur="<1"),
    ]),
    ("101", [  # MDC 01 nervous system
        R("901O", mdc="01", or_proc="Z", dur="<1"),
        R("14A", dgcat="01M01", compl="1", or_proc="N"),
        R("14B", dgcat="01M01", or_proc="N"),
        R("21", dgcat="01M03", pdgprop="01P04", or_proc="N"),
        R("20", dgcat="01M03", or_proc="N"),
        R("35", mdc="01", or_proc="N"),
    ]),
    ("102", [  # MDC 02 eye
        R("802U", mdc="02", or_proc="N", procpro="02O05", secpro="-", dur="<1"),
        R("902O", mdc="02", or_proc="Z", dur="<1"),
        R("36A", mdc="02", or_proc="S", procpro="02S02", secpro="02S01"),
        R("36B", mdc="02", or_proc="S", procpro="02S02"),
        R("39", mdc="02", or_proc="S", procpro="02S01"),
        R("42", mdc="02", or_proc="P"),
        R("47", mdc="02"),
    ]),
    ("103", [  # MDC 03 ear, nose, mouth, throat: tonsil surgery is in the day-surgery solution
        R("903O", mdc="03", or_proc="Z", dur="<1"),
        R("60O", mdc="03", or_proc="S", procpro="03S01", dur="<1"),
        R("60N", mdc="03", or_proc="S", procpro="03S01", agelim="<" + AGE_18Y),
        R("59N", mdc="03", or_proc="S", procpro="03S01"),
        R("73", mdc="03", or_proc="N"),
    ]),
    ("104", [  # MDC 04 respiratory
        R("89", dgcat="04M01", compl="1", or_proc="N", agelim=">" + AGE_18Y),
        R("90", dgcat="04M01", or_proc="N", agelim=">" + AGE_18Y),
        R("91A", dgcat="04M01", or_proc="N"),
        R("88", dgcat="04M02", or_proc="N"),
        R("82", dgcat="04M03", or_proc="N"),
        R("102", mdc="04", or_proc="N"),
    ]),
    ("105", [  # MDC 05 circulatory
        R("905O", mdc="05", or_proc="Z", dur="<1"),
        R("112A", mdc="05", or_proc="P", procpro="05S01", dgprop1="05X01"),
        R("112B", mdc="05", or_proc="P", procpro="05S02", dur=">0"),
        R("123", dgcat="05M01", or_proc="N", disch="E"),
        R("121", dgcat="05M01", compl="1", or_proc="N"),
        R("122", dgcat="05M01", or_proc="N"),
        R("112P", mdc="05", or_proc="P", procpro="05S02", dur="<1"),
        R("112C", mdc="05", or_proc="P", procpro="05S01"),
        R("127", dgcat="05M02", or_proc="N"),
        R("139", dgcat="05M03", or_proc="N"),
        R("140", dgcat="05M04", or_proc="N"),
        R("145", mdc="05", or_proc="N"),
    ]),
    ("106", [  # MDC 06 digestive
        R("703O", mdc="06", or_proc="N", procpro="06E01", dur="<2"),
        R("906O", mdc="06", or_proc="Z", dur="<1"),
        R("166N", mdc="06", pdgprop="06P01", or_proc="S", procpro="06S01"),
        R("167", mdc="06", or_proc="S", procpro="06S01"),
        R("171", mdc="06", or_proc="S"),
        R("182", mdc="06", compl="1", or_proc="N"),
        R("183", mdc="06", or_proc="N"),
    ]),
    ("107", [  # MDC 07 hepatobiliary: day surgery first, then CC split
        R("494O", mdc="07", or_proc="S", procpro="07S01", secpro="-07S02", dur="<2", disch="N"),
        R("493", mdc="07", compl="1", or_proc="S", procpro="07S01"),
        R("494", mdc="07", or_proc="S", procpro="07S01"),
        R("207", dgcat="07M01", compl="1", or_proc="N"),
        R("208", dgcat="07M01", or_proc="N"),
        R("206", mdc="07", or_proc="N"),
    ]),
    ("108", [  # MDC 08 musculoskeletal
        R("908O", mdc="08", or_proc="Z", dur="<1"),
        R("209C", mdc="08", or_proc="S", procpro="08S02"),
        R("209S", dgcat="08M02", compl="1", or_proc="S", procpro="08S01"),
        R("209T", dgcat="08M02", or_proc="S", procpro="08S01"),
        R("209U", mdc="08", compl="1", or_proc="S", procpro="08S01"),
        R("209V", mdc="08", or_proc="S", procpro="08S01"),
        R("234", mdc="08", or_proc="S"),
        R("236", dgcat="08M02", or_proc="N"),
        R("256", mdc="08", or_proc="N"),
    ]),
    ("109", [  # MDC 09 skin: plastic surgery after major weight loss is in the day-surgery solution from 2026
        R("909O", mdc="09", or_proc="Z", dur="<1"),
        R("530O", mdc="09", or_proc="S", dur="<1"),
        R("530", mdc="09", or_proc="S", procpro="09S02"),
        R("531", mdc="09", or_proc="S"),
        R("284", mdc="09", or_proc="N"),
    ]),
    ("112", [  # MDC 12 male (own codes, and MDC 98 codes recoded for men)
        R("337", mdc="12", or_proc="S", procpro="12S01"),
        R("350", dgcat="12M01", or_proc="N"),
        R("352", mdc="12", or_proc="N"),
    ]),
    ("113", [  # MDC 13 female (own codes, and MDC 98 codes recoded for women)
        R("359", mdc="13", or_proc="S", procpro="13S01"),
        R("361O", mdc="13", or_proc="S", procpro="13S02", dur="<1"),
        R("361", mdc="13", or_proc="S", procpro="13S02"),
        R("368", dgcat="13M01", or_proc="N"),
        R("369", mdc="13", or_proc="N"),
    ]),
    ("114", [  # MDC 14 pregnancy; a delivery is recognised by an outcome-of-delivery code (14X01)
        R("370", mdc="14", compl="1", or_proc="S", procpro="14S01"),
        R("371", mdc="14", or_proc="S", procpro="14S01"),
        R("372", mdc="14", compl="1", dgprop1="14X01"),
        R("373O", mdc="14", dgprop1="14X01", dur="<1"),
        R("373", mdc="14", dgprop1="14X01"),
        R("383", mdc="14", compl="1"),
        R("384", mdc="14"),
    ]),
    ("115", [  # MDC 15 newborns (age under 29 days)
        R("386N", mdc="15", pdgprop="15P01", agelim="<29"),
        R("391", dgcat="15M02", or_proc="Z", agelim="<29"),
        R("390", mdc="15"),
    ]),
    ("117", [  # MDC 17 lymphoma and leukaemia; CAR-T (412A) is new in 2026 [000] 766
        R("412A", mdc="17", procpro="17T01"),
        R("917O", mdc="17", or_proc="Z", dur="<1"),
        R("404", mdc="17"),
    ]),
    ("119", [  # MDC 19 mental disorders
        R("919O", mdc="19", or_proc="Z", dur="<1"),
        R("430A", dgcat="19M01", or_proc="N"),
        R("426C", dgcat="19M02", or_proc="N"),
        R("429A", dgcat="19M03", or_proc="N"),
        R("432A", mdc="19", or_proc="N"),
    ]),
    ("120", [  # MDC 20 substance use
        R("TD99L", dgcat="20M03", dur="<1"),  # [001] 4.4: Z50.30 groups to TD99L
        R("TD11A", dgcat="20M02", or_proc="Z", dur="<1"),
        R("920O", mdc="20", or_proc="Z", dur="<1"),
        R("434", mdc="20", compl="1", or_proc="N"),
        R("435", mdc="20", or_proc="N"),
    ]),
    ("123", [  # MDC 23 factors influencing health status
        R("923O", mdc="23", or_proc="Z", dur="<1"),
        R("465", dgcat="23M02", or_proc="N", dgprop1="00X01"),
        R("466", dgcat="23M02", or_proc="N"),
        R("463", dgcat="23M01", compl="1", or_proc="N"),
        R("464", dgcat="23M01", or_proc="N"),
        R("467", mdc="23", or_proc="N"),
    ]),
    ("900", [  # an OR procedure that no MDC rule above took
        R("468", or_proc="S"),
    ]),
    ("999", [  # catch-all
        R("470", rtc="8", icd=""),
    ]),
]

# --------------------------------------------------------------------------------------
# Writing the tables
# --------------------------------------------------------------------------------------
# The NordDRG CSV export layout, from the one place isf defines it.
HEADERS = {CSV_FILES[key]: CSV_HEADERS[key] for key in CSV_FILES}

_DG_VARTYPE = [
    (re.compile(r"^\d\dM\d\d$"), "DGCAT"),
    (re.compile(r"^\d\dP\d\d$"), "PDGPRO"),
    (re.compile(r"^\d\d[CGI]\d\d$"), "COMPL"),
    (re.compile(r"^\d\dX\d\d$"), "DGPROP"),
    (re.compile(r"^\d\dK\d\d$"), "SDGPRO"),
]
_DG_ORDER = {"MDC": 0, "DGCAT": 1, "PDGPRO": 2, "COMPL": 3, "DGPROP": 4, "SDGPRO": 5}


def dg_vartype(value: str) -> str:
    for pat, vt in _DG_VARTYPE:
        if pat.match(value):
            return vt
    raise ValueError(f"cannot tell the vartype of diagnosis property {value!r}")


def value_texts(vartype: str, value: str) -> tuple[str, str]:
    table = {"MDC": MDC, "DGCAT": DGCAT, "PDGPRO": PDGPRO, "DGPROP": DGPROP, "PROCPR": PROCPR}.get(vartype)
    if table is not None:
        return table[value]
    if vartype == "COMPL":
        return COMPL[value][:2]
    return "", ""


def dg_rows() -> list[tuple[str, ...]]:
    texts = {code: text for codes in DIAGNOSES.values() for code, text, _ in codes}
    entries: list[tuple[str, str, list[tuple[str, str]]]] = []
    for dgcat, codes in DIAGNOSES.items():
        for code, _text, extra in codes:
            props = [("MDC", dgcat[:2]), ("DGCAT", dgcat)] + [(dg_vartype(v), v) for v in extra.split()]
            entries.append((code, "", props))
    for asterisk, dagger, dgcat, extra in PAIRS:
        props = [("MDC", dgcat[:2]), ("DGCAT", dgcat)] + [(dg_vartype(v), v) for v in extra.split()]
        entries.append((asterisk, dagger, props))
    rows = []
    for code, dagger, props in sorted(entries, key=lambda e: (e[0], e[1])):
        single = "True" if len(props) == 1 else "False"
        for vt, vv in sorted(props, key=lambda p: (_DG_ORDER[p[0]], p[1])):
            t_nat, t_en = value_texts(vt, vv)
            rows.append((
                code, dagger, texts[code], texts.get(dagger, ""), "", "", "", "",
                vt, vv, single, t_nat, t_en, NAT_VER,
            ))
    return rows


def proc_rows() -> list[tuple[str, ...]]:
    rows = []
    for code, text, spec in sorted(PROCEDURES):
        props: list[tuple[str, str]] = []
        or_val = "0"
        for tok in spec.split():
            if tok in ("OR1", "OR2"):
                or_val = tok[2]
                props.append(("OR", or_val))
            elif tok == "CC1":
                props.append(("CC", "1"))
            elif re.match(r"^\d\d[DEOSTV]\d\d$", tok):
                props.append(("PROCPR", tok))
            else:
                raise ValueError(f"{code}: unknown procedure property {tok!r}")
        single = "True" if len(props) == 1 else "False"
        order = {"PROCPR": 0, "DGPROP": 1, "OR": 2, "CC": 3}
        for vt, vv in sorted(props, key=lambda p: (order[p[0]], p[1])):
            t_nat, t_en = value_texts(vt, vv)
            rows.append((code, text, "", "", vt, vv, or_val, single, t_nat, t_en, NAT_VER))
    return rows


def rule_rows() -> list[tuple[str, ...]]:
    cols = HEADERS["drg_logic.csv"]
    rows = []
    n = 0
    for block, rules in BLOCKS:
        for i, rule in enumerate(rules, start=1):
            n += 1
            ord_ = f"000D{i * 10:06d}" if block == "000" else f"{block}D{i * 10:03d}"
            drg = rule["drg"]
            rec = {
                "ord": ord_, "id": str(n), "drg_nat": drg, "drg_text_nat": DRGS[drg][1],
                "drg_comb": drg, "nat_ver": NAT_VER,
            }
            for k, v in rule.items():
                if k != "drg":
                    rec[k] = v
            unknown = set(rec) - set(cols)
            if unknown:
                raise ValueError(f"rule {ord_}: unknown columns {sorted(unknown)}")
            rows.append(tuple(rec.get(c, "") for c in cols))
    return rows


def check(rules: list[tuple[str, ...]], dg: list[tuple[str, ...]], proc: list[tuple[str, ...]]) -> None:
    """Internal consistency of the spec (cheap, so the generator refuses a broken logic)."""
    ords = [r[0] for r in rules]
    assert ords == sorted(ords), "ord must sort (as strings) in list order"
    assert len(set(ords)) == len(ords), "ord must be unique"
    codes = [c for cat in DIAGNOSES.values() for c, _, _ in cat]
    assert len(codes) == len(set(codes)), "a diagnosis is listed twice"
    assert len({p[0] for p in PROCEDURES}) == len(PROCEDURES), "a procedure is listed twice"
    used_dg = {(r[8], r[9]) for r in dg}
    used_proc = {(r[4], r[5]) for r in proc}
    col = {c: i for i, c in enumerate(HEADERS["drg_logic.csv"])}
    for r in rules:
        assert r[col["drg_nat"]] in DRGS
        for c, vt in (("dgcat", "DGCAT"), ("pdgprop", "PDGPRO")):
            if r[col[c]]:
                assert (vt, r[col[c]]) in used_dg, f"{r[0]}: no code has {vt} {r[col[c]]}"
        for c in ("procpro", "secpro"):
            v = r[col[c]].lstrip("-")
            if v:
                assert ("PROCPR", v) in used_proc, f"{r[0]}: no procedure has {v}"
        for c in ("dgprop1", "dgprop2", "dgprop3", "dgprop4"):
            v = r[col[c]].lstrip("-")
            if v:
                assert ("DGPROP", v) in used_dg | used_proc, f"{r[0]}: no code has DGPROP {v}"
    for compl, (_, _, incl) in COMPL.items():
        assert ("COMPL", compl) in used_dg, f"no code has COMPL {compl}"
        assert (compl[2] == "I") == bool(incl), f"{compl}: inclprop iff inactive"
    families = [c[:2] + c[3:] for c in COMPL]
    assert len(families) == len(set(families)), "COMPL numbers must be unique per MDC"
    for compl in COMPL_EXCL:
        assert compl in COMPL


def write(folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    rules, dg, proc = rule_rows(), dg_rows(), proc_rows()
    check(rules, dg, proc)
    excl = []
    for compl in sorted(COMPL_EXCL):
        for item in COMPL_EXCL[compl]:
            code, dagger = (item, "") if isinstance(item, str) else item
            excl.append((compl, code, dagger, NAT_VER))
    tables = {
        "drg_logic.csv": rules,
        "dg_feat.csv": dg,
        "proc_feat.csv": proc,
        "compl_excl.csv": excl,
        "compl_name.csv": [(c, t, incl, NAT_VER) for c, (t, _, incl) in sorted(COMPL.items())],
        "rtc.csv": RTC,
        "drg_name.csv": [(d, name, mdc, NAT_VER) for d, (mdc, name) in DRGS.items()],
        # code lists and property texts, so explanations and the web show words, not only codes
        "dg.csv": sorted({(code, text, "", "") for codes in DIAGNOSES.values() for code, text, _ in codes}),
        "proc.csv": sorted((code, text, "") for code, text, _ in PROCEDURES),
        "mdc_name.csv": [(v, t[0]) for v, t in sorted(MDC.items())],
        "dgcat_name.csv": [(v, t[0]) for v, t in sorted(DGCAT.items())],
        "pdgprop_name.csv": [(v, t[0]) for v, t in sorted(PDGPRO.items())],
        "dgprop_name.csv": [(v, t[0]) for v, t in sorted(DGPROP.items())],
        "procprop_name.csv": [(v, t[0]) for v, t in sorted(PROCPR.items())],
    }
    for fname, rows in tables.items():
        with open(folder / fname, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(HEADERS[fname])
            w.writerows(rows)
    (folder / "ABOUT.txt").write_text(ABOUT + "\n", encoding="utf-8")
    return {
        "rules": len(rules),
        "diagnosis codes": len({r[0] for r in dg if not r[1]}),
        "pairs": len(PAIRS),
        "procedure codes": len(PROCEDURES),
        "drgs": len(DRGS),
    }


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else OUT
    counts = write(folder)
    print(f"wrote {folder}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
