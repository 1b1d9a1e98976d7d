"""Controlled vocabularies shared by the schema, the generator and the pages.

Values are stable English codes stored in the database; people see the Dutch or English
labels from the message catalog (keys ``theme.<code>``, ``status.<code>``, ...). Importers
also accept those labels, so a coordinator may type "Ecologisch maaibeheer" in Excel.
"""

from __future__ import annotations

THEMES: tuple[str, ...] = (
    "ecological_mowing",
    "depaving",
    "green_roofs_walls",
    "flower_verges",
    "nature_friendly_banks",
    "trees_tiny_forests",
    "fauna_provisions",
    "nature_inclusive_building",
    "dark_sky_lighting",
    "invasive_species",
    "citizen_participation",
    "policy_vision",
    "ecological_corridors",
    "climate_adaptation",
)

MEASURE_STATUSES: tuple[str, ...] = ("idea", "planned", "in_progress", "realised", "stopped")
# Statuses for which a start year in the future is legitimate.
FUTURE_START_ALLOWED: frozenset[str] = frozenset({"idea", "planned"})

SCALE_UNITS: tuple[str, ...] = ("m2", "m", "count")

DIMENSIONS: tuple[str, ...] = (
    "vision_policy",
    "organisation_capacity",
    "budget_finance",
    "knowledge_data",
    "management_maintenance",
    "spatial_integration",
    "participation_cooperation",
    "monitoring_evaluation",
)

# Level number -> code; labels: beginnend, verkennend, ontwikkelend, gevorderd, koploper.
LEVELS: dict[int, str] = {
    1: "beginner",
    2: "exploring",
    3: "developing",
    4: "advanced",
    5: "frontrunner",
}

SCHEMES: tuple[str, ...] = (
    "butterfly_transect",
    "bee_count",
    "garden_bird_count",
    "urban_bird_count",
    "plant_survey",
)
SPECIES_GROUPS: tuple[str, ...] = ("butterflies", "bees", "birds", "plants")

QUESTION_STATUSES: tuple[str, ...] = ("open", "answered")
# A request to join the CoP, as the coordinators follow it up (issue 13).
JOIN_STATUSES: tuple[str, ...] = ("new", "contacted", "joined", "declined")

EXPERT_KINDS: tuple[str, ...] = (
    "knowledge_institute",
    "nature_organisation",
    "consultancy",
    "government",
    "network",
)
RESOURCE_KINDS: tuple[str, ...] = ("tool", "guide", "example", "dataset")
# Where a shared practice or photo stands in the coordinators' review (issue 13).
REVIEW_STATES: tuple[str, ...] = ("pending", "changes_requested", "published", "rejected")
PUBLISHED = "published"
RESOURCE_LEVELS: tuple[str, ...] = ("starter", "advanced")

PROVINCES: tuple[str, ...] = (
    "Groningen",
    "Fryslân",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)

# Catalog prefix per vocabulary, used to translate codes and to accept labels on import.
VOCAB_PREFIX: dict[str, tuple[str, tuple[str, ...]]] = {
    "theme": ("theme", THEMES),
    "status_measure": ("status", MEASURE_STATUSES),
    "scale_unit": ("unit", SCALE_UNITS),
    "dimension": ("dimension", DIMENSIONS),
    "scheme": ("scheme", SCHEMES),
    "species_group": ("group", SPECIES_GROUPS),
    "status_question": ("qstatus", QUESTION_STATUSES),
    "status_join": ("jstatus", JOIN_STATUSES),
    "expert_kind": ("expertkind", EXPERT_KINDS),
    "resource_kind": ("reskind", RESOURCE_KINDS),
    "resource_level": ("reslevel", RESOURCE_LEVELS),
    "review_state": ("review", REVIEW_STATES),
}
