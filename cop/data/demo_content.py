"""The invented content the demo generator draws from (all illustrative).

Species per monitoring scheme, the facts and title templates per theme, place and street
names, people's names and roles, help questions, experts, toolbox resources and meetings.
Kept apart from :mod:`cop.data.demo` so that the generator reads as the model it is; the
generator draws from these tuples in their order, so reordering them changes the dataset.
"""

from __future__ import annotations

SCHEME_GROUP = {
    "butterfly_transect": "butterflies",
    "bee_count": "bees",
    "garden_bird_count": "birds",
    "urban_bird_count": "birds",
    "plant_survey": "plants",
}
_SPECIES_TEXT = {
    "butterflies": "atalanta;dagpauwoog;kleine vos;klein koolwitje;groot koolwitje;bruin "
    "zandoogje;icarusblauwtje;citroenvlinder;oranjetipje;gehakkelde aurelia;bont zandoogje",
    "bees": "aardhommel;akkerhommel;steenhommel;honingbij;rosse metselbij;grijze zandbij;"
    "gewone sachembij;tuinhommel",
    "birds": "huismus;gierzwaluw;merel;koolmees;pimpelmees;spreeuw;roodborst;winterkoning;"
    "houtduif;ekster;zwarte roodstaart;boerenzwaluw",
    "plants": "knoopkruid;margriet;rolklaver;wilde peen;duizendblad;gewone brunel",
}
SPECIES: dict[str, list[str]] = {group: text.split(";") for group, text in _SPECIES_TEXT.items()}

# theme -> (unit, typical scale (lognormal median), cost per unit in euro, title templates)
THEME_FACTS: dict[str, tuple[str, float, float, tuple[str, ...]]] = {
    "ecological_mowing": (
        "m2",
        40_000,
        0.05,
        (
            "Sinusbeheer in {place}",
            "Hooilandbeheer bermen {place}",
            "Maaibeleid openbaar groen {place}",
        ),
    ),
    "depaving": (
        "m2",
        600,
        45,
        ("Tegelwippen schoolplein {place}", "Ontstenen {street}", "Operatie Steenbreek {place}"),
    ),
    "green_roofs_walls": (
        "m2",
        800,
        60,
        ("Groen dak {building}", "Gevelgroen {street}", "Subsidie groene daken {place}"),
    ),
    "flower_verges": (
        "m",
        2_500,
        3,
        ("Bijenlint {place}", "Bloemrijke berm {street}", "Inzaai inheems bloemenmengsel {place}"),
    ),
    "nature_friendly_banks": (
        "m",
        900,
        40,
        ("Natuurvriendelijke oever {water}", "Flauwe oevers {water}"),
    ),
    "trees_tiny_forests": (
        "count",
        120,
        400,
        ("Tiny Forest {place}", "Stadsbos {place}", "Bomenplan {street}"),
    ),
    "fauna_provisions": (
        "count",
        60,
        45,
        (
            "Gierzwaluwkasten {building}",
            "Faunapassage {street}",
            "Egelrasters en egeltunnels {place}",
        ),
    ),
    "nature_inclusive_building": (
        "count",
        6,
        25_000,
        ("Natuurinclusief bouwen nieuwbouw {place}", "Puntensysteem natuurinclusief {place}"),
    ),
    "dark_sky_lighting": (
        "count",
        150,
        350,
        ("Vleermuisvriendelijke verlichting {street}", "Dimmen openbare verlichting {place}"),
    ),
    "invasive_species": (
        "m2",
        1_500,
        8,
        (
            "Aanpak Japanse duizendknoop {place}",
            "Reuzenberenklauw {water}",
            "Natuurlijke bestrijding eikenprocessierups {place}",
        ),
    ),
    "citizen_participation": (
        "count",
        25,
        800,
        (
            "Adopteer een groenvak {place}",
            "Buurtmoestuinen {place}",
            "Citizen science tellingen {place}",
        ),
    ),
    "policy_vision": (
        "count",
        1,
        30_000,
        (
            "Biodiversiteitsvisie {place}",
            "Groennorm in omgevingsplan {place}",
            "Uitvoeringsagenda biodiversiteit {place}",
        ),
    ),
    "ecological_corridors": (
        "m",
        4_000,
        15,
        ("Ecologische verbindingszone {water}", "Groenblauwe dooradering {place}"),
    ),
    "climate_adaptation": (
        "m2",
        700,
        70,
        ("Wadi {street}", "Regentuin {building}", "Klimaatadaptief plein {place}"),
    ),
}
PLACES = (
    "Centrum",
    "Noord",
    "Oost",
    "Zuid",
    "West",
    "Stationsgebied",
    "de wijk Vogelbuurt",
    "het Stadspark",
    "bedrijventerrein De Poort",
    "de Bloemenbuurt",
    "het buitengebied",
)
STREETS = (
    "Dorpsstraat",
    "Kerkstraat",
    "Schoolstraat",
    "Molenweg",
    "Parklaan",
    "Beatrixlaan",
    "Stationsweg",
    "Nieuwstraat",
    "Julianastraat",
    "Emmalaan",
)
BUILDINGS = (
    "het gemeentehuis",
    "sporthal De Wissel",
    "basisschool De Regenboog",
    "de bibliotheek",
    "het zwembad",
    "brandweerkazerne",
)
WATERS = ("de Molenvaart", "de Stadsgracht", "de Wetering", "het Kanaal", "de Beek")
LESSONS = (
    "Vroeg de bewoners betrekken voorkwam klachten over 'rommelig' groen.",
    "Bordjes met uitleg bij de berm maken het verschil in acceptatie.",
    "Afvoeren van maaisel kost in het begin meer, na drie jaar minder.",
    "Samenwerking met de waterschapsecoloog leverde betere oeverprofielen op.",
    "Het beheerbestek moest worden aangepast; neem de aannemer vanaf het begin mee.",
    "Monitoring vanaf de start maakt het effect zichtbaar voor bestuurders.",
    "Kleine pilots overtuigen sneller dan een groot plan op papier.",
    "Budget voor nazorg (water geven, inboet) is essentieel.",
)
PARTNERS = (
    "waterschap",
    "IVN",
    "Vlinderstichting",
    "Stichting Steenbreek",
    "bewonersgroep",
    "provincie",
    "woningcorporatie",
    "basisschool",
    "imkervereniging",
    "Sovon",
)
FIRST_NAMES = (
    "Anne",
    "Bram",
    "Carla",
    "Daan",
    "Eva",
    "Femke",
    "Gijs",
    "Hanneke",
    "Iris",
    "Joost",
    "Kim",
    "Lars",
    "Maaike",
    "Niels",
    "Olga",
    "Pieter",
    "Roos",
    "Sanne",
    "Thijs",
    "Ursula",
    "Vera",
    "Willem",
    "Yara",
    "Zeger",
)
LAST_NAMES = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "Brouwer",
)
ROLES = (
    "Beleidsadviseur groen",
    "Ecoloog",
    "Beheerder openbare ruimte",
    "Projectleider biodiversiteit",
    "Wijkregisseur",
)
QUESTIONS = {
    "ecological_mowing": "Hoe krijgen we de aannemer mee in sinusbeheer zonder meerkosten?",
    "depaving": "Hoe meten jullie het aantal gewipte tegels per 1.000 inwoners?",
    "green_roofs_walls": "Welke subsidievoorwaarden werken voor groene daken bij bedrijven?",
    "flower_verges": "Welk zaadmengsel werkt op voedselrijke kleigrond?",
    "nature_friendly_banks": "Hoe verdelen jullie het onderhoud van oevers met het waterschap?",
    "trees_tiny_forests": "Hoe organiseren jullie het beheer van een Tiny Forest met een school?",
    "fauna_provisions": "Waar hangen gierzwaluwkasten het best bij renovatie van flats?",
    "nature_inclusive_building": "Hoe leggen jullie natuurinclusief bouwen vast in het omgevingsplan?",
    "dark_sky_lighting": "Welke lichtkleur gebruiken jullie bij vleermuisroutes?",
    "invasive_species": "Wie heeft ervaring met het bestrijden van Japanse duizendknoop zonder gif?",
    "citizen_participation": "Hoe houden jullie bewonersgroepen na het eerste jaar betrokken?",
    "policy_vision": "Hoe ziet jullie groennorm eruit en hoe wordt die getoetst?",
    "ecological_corridors": "Hoe leggen jullie verbindingszones vast over gemeentegrenzen heen?",
    "climate_adaptation": "Welke beplanting overleeft in een wadi met wisselende waterstand?",
}
EXPERTS = (
    (
        "De Vlinderstichting",
        "nature_organisation",
        "flower_verges;ecological_mowing",
        "https://www.vlinderstichting.nl",
    ),
    (
        "Sovon Vogelonderzoek Nederland",
        "knowledge_institute",
        "fauna_provisions;nature_inclusive_building",
        "https://www.sovon.nl",
    ),
    (
        "IVN Natuureducatie",
        "nature_organisation",
        "citizen_participation;trees_tiny_forests",
        "https://www.ivn.nl",
    ),
    ("Stichting Steenbreek", "network", "depaving;climate_adaptation", "https://www.steenbreek.nl"),
    (
        "Naturalis Biodiversity Center",
        "knowledge_institute",
        "invasive_species;policy_vision",
        "https://www.naturalis.nl",
    ),
    (
        "Wageningen University & Research",
        "knowledge_institute",
        "ecological_corridors;policy_vision",
        "https://www.wur.nl",
    ),
    (
        "Zoogdiervereniging",
        "nature_organisation",
        "dark_sky_lighting;fauna_provisions",
        "https://www.zoogdiervereniging.nl",
    ),
    (
        "Vogelbescherming Nederland",
        "nature_organisation",
        "fauna_provisions;nature_inclusive_building",
        "https://www.vogelbescherming.nl",
    ),
    (
        "Groene Huisvesters (voorbeeld)",
        "consultancy",
        "green_roofs_walls;nature_inclusive_building",
        None,
    ),
    (
        "Ecologisch adviesbureau Demo",
        "consultancy",
        "nature_friendly_banks;ecological_mowing",
        None,
    ),
    (
        "Waterschapsnetwerk (voorbeeld)",
        "government",
        "nature_friendly_banks;climate_adaptation;ecological_corridors",
        None,
    ),
)
RESOURCES = (
    (
        "Handleiding vlindertransecten",
        "guide",
        "flower_verges",
        "starter",
        "https://www.vlinderstichting.nl",
    ),
    (
        "Meetnet Urbane Soorten: telinstructie",
        "guide",
        "fauna_provisions",
        "starter",
        "https://www.sovon.nl",
    ),
    (
        "Nationale Bijentelling",
        "tool",
        "flower_verges",
        "starter",
        "https://www.nationalebijentelling.nl",
    ),
    (
        "Tuinvogeltelling",
        "tool",
        "citizen_participation",
        "starter",
        "https://www.tuinvogeltelling.nl",
    ),
    (
        "Waarneming.nl voor gemeentelijke monitoring",
        "tool",
        "citizen_participation",
        "starter",
        "https://waarneming.nl",
    ),
    (
        "Nationale Databank Flora en Fauna (NDFF)",
        "dataset",
        "policy_vision",
        "advanced",
        "https://www.ndff.nl",
    ),
    (
        "NK Tegelwippen: tellen en meedoen",
        "tool",
        "depaving",
        "starter",
        "https://www.tegelwippen.nl",
    ),
    (
        "Tiny Forest: handboek voor gemeenten",
        "guide",
        "trees_tiny_forests",
        "starter",
        "https://www.ivn.nl",
    ),
    ("Voorbeeldbestek ecologisch maaibeheer", "example", "ecological_mowing", "advanced", None),
    ("Sinusbeheer in de praktijk", "guide", "ecological_mowing", "starter", None),
    (
        "Puntensysteem natuurinclusief bouwen (voorbeeld)",
        "example",
        "nature_inclusive_building",
        "advanced",
        None,
    ),
    ("Checklist vleermuisvriendelijke verlichting", "guide", "dark_sky_lighting", "starter", None),
    ("Beslisboom exotenbeheer", "tool", "invasive_species", "advanced", None),
    (
        "Ontwerprichtlijn natuurvriendelijke oevers",
        "guide",
        "nature_friendly_banks",
        "advanced",
        None,
    ),
    ("Format biodiversiteitsvisie", "example", "policy_vision", "starter", None),
    ("Groennorm: rekenvoorbeeld", "example", "policy_vision", "advanced", None),
    ("Plantenlijst wadi's en regentuinen", "dataset", "climate_adaptation", "starter", None),
    (
        "Kaart ecologische verbindingszones (voorbeeld)",
        "dataset",
        "ecological_corridors",
        "advanced",
        None,
    ),
    ("Participatiekompas groen", "guide", "citizen_participation", "starter", None),
    ("Gevelgroen: technische handreiking", "guide", "green_roofs_walls", "advanced", None),
    ("Nestkastenplan gierzwaluw en huismus", "example", "fauna_provisions", "starter", None),
    ("Monitoringsplan biodiversiteit in 5 stappen", "guide", "policy_vision", "starter", None),
    ("Rekentool kosten en baten groen", "tool", "green_roofs_walls", "advanced", None),
    ("Indicatorsoorten bloemrijke bermen", "dataset", "flower_verges", "advanced", None),
)
MEETINGS = (
    ("2025-03-13", "Kick-off 2025: maaibeheer en bermen", "ecological_mowing;flower_verges"),
    (
        "2025-10-02",
        "Natuurinclusief bouwen in de woningbouwopgave",
        "nature_inclusive_building;policy_vision",
    ),
    (
        "2026-03-19",
        "Monitoring: wat meet je en wat doe je ermee?",
        "policy_vision;citizen_participation",
    ),
    ("2026-06-25", "Ontstenen en klimaatadaptief groen", "depaving;climate_adaptation"),
    (
        "2026-12-10",
        "Voorbereiding Biodiversiteit en Gemeenten 2027",
        "trees_tiny_forests;dark_sky_lighting",
    ),
)
