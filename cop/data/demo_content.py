"""The invented content the demo generator draws from (all illustrative).

Species per monitoring scheme, the facts per theme (unit, typical scale, cost), place and
street names, people's names and roles, help questions, experts, toolbox resources and
meetings; what the demo writes about each measure is in :mod:`cop.data.demo_texts`. Kept
apart from :mod:`cop.data.demo` so that the generator reads as the model it is; the
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

# theme -> (unit, typical scale (lognormal median), cost per unit in euro)
THEME_FACTS: dict[str, tuple[str, float, float]] = {
    "ecological_mowing": ("m2", 40_000, 0.05),
    "depaving": ("m2", 600, 45),
    "green_roofs_walls": ("m2", 800, 60),
    "flower_verges": ("m", 2_500, 3),
    "nature_friendly_banks": ("m", 900, 40),
    "trees_tiny_forests": ("count", 120, 400),
    "fauna_provisions": ("count", 60, 45),
    "nature_inclusive_building": ("count", 6, 25_000),
    "dark_sky_lighting": ("count", 150, 350),
    "invasive_species": ("m2", 1500, 8),
    "citizen_participation": ("count", 25, 800),
    "policy_vision": ("count", 1, 30_000),
    "ecological_corridors": ("m", 4_000, 15),
    "climate_adaptation": ("m2", 700, 70),
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
# One illustrative answer per theme (demo answers to help questions, issue 13).
ANSWERS = {
    "ecological_mowing": "Wij hebben sinusbeheer als eis in het nieuwe bestek gezet en de prijs per hectare gelijk gehouden door minder vaak te maaien.",
    "depaving": "We tellen de tegels die inwoners bij het tegeltaxi-punt inleveren en delen dat door het aantal inwoners.",
    "green_roofs_walls": "Een vaste bijdrage per vierkante meter met een minimum van 20 m² werkte bij ons beter dan een percentage.",
    "flower_verges": "Eerst twee jaar verschralen door maaisel af te voeren, daarna een mengsel met inheemse klei-soorten inzaaien.",
    "nature_friendly_banks": "We hebben een beheerkaart per oever gemaakt: het waterschap maait de natte zone, wij de droge.",
    "trees_tiny_forests": "De school doet het snoeien en water geven met een beheerplan van IVN; wij komen twee keer per jaar langs.",
    "fauna_provisions": "Inbouwkasten onder de dakrand op de noord- of oostgevel, minstens vier meter hoog en vrij van uitstekende balkons.",
    "nature_inclusive_building": "We gebruiken een puntensysteem in het omgevingsplan: elk bouwplan moet een minimumscore halen.",
    "dark_sky_lighting": "Amberkleurig licht van 1800 kelvin op de routes, en na middernacht gedimd.",
    "invasive_species": "Afdekken met zwaar worteldoek en het blad elke twee weken wegmaaien; na drie jaar was het meeste weg.",
    "citizen_participation": "Een vaste wijkcontactpersoon en een jaarlijkse werkdag met koffie houden de groepen bij ons actief.",
    "policy_vision": "Wij hanteren 75 m² groen per woning binnen 300 meter; het wordt getoetst bij elk nieuw bestemmingsplan.",
    "ecological_corridors": "Met de buurgemeente hebben we een gezamenlijke kaart vastgesteld in beide omgevingsvisies.",
    "climate_adaptation": "Gele lis, moerasspirea en kattenstaart doen het goed; ze verdragen droogte en natte voeten.",
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
# Toolbox resources: (title, kind, theme, level, description). Invented to show what the
# toolbox can hold; none of them is a real product and none says anything about a real
# organisation, so every description ends with RESOURCE_NOTE and every link points to
# example.org.
RESOURCE_NOTE = "Illustratief voorbeeld uit de demodata."
RESOURCES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "Maaikalender bloemrijk grasland",
        "tool",
        "ecological_mowing",
        "starter",
        "Rekenblad waarin je per perceel maaimoment, maaifrequentie en afvoer van maaisel plant, "
        "met een jaaroverzicht voor de aannemer.",
    ),
    (
        "Voorbeeldbestek ecologisch maaibeheer",
        "example",
        "ecological_mowing",
        "advanced",
        "Bestekteksten voor sinusbeheer en hooilandbeheer met afvoer van maaisel, inclusief "
        "beeldkwaliteit en controlemomenten.",
    ),
    (
        "Stappenplan tegelwippen op schoolpleinen",
        "guide",
        "depaving",
        "starter",
        "Van ontwerp met leerlingen tot het ophalen van de tegels: een draaiboek om een "
        "schoolplein in één schooljaar te ontstenen.",
    ),
    (
        "Teller gewipte tegels per buurt",
        "tool",
        "depaving",
        "starter",
        "Invulformulier en kaartje waarmee buurten het aantal gewipte tegels bijhouden en per "
        "1.000 inwoners vergelijken.",
    ),
    (
        "Handreiking gevelgroen en klimplanten",
        "guide",
        "green_roofs_walls",
        "advanced",
        "Welke klimplant bij welke gevel past, hoe je hem bevestigt en onderhoudt, met "
        "aandachtspunten voor gevelgroen op oudere panden.",
    ),
    (
        "Rekenhulp groene daken: kosten en baten",
        "tool",
        "green_roofs_walls",
        "advanced",
        "Zet per dak de investering, het onderhoud en de levensduur van een groen dak naast die "
        "van een kaal dak.",
    ),
    (
        "Keuzehulp inheemse zaadmengsels",
        "tool",
        "flower_verges",
        "starter",
        "Kies een zaadmengsel op grondsoort, vochtigheid en doel (bestuivers, vlinders, "
        "bloeiduur), met de beste tijd om in te zaaien.",
    ),
    (
        "Indicatorsoorten bloemrijke bermen",
        "dataset",
        "flower_verges",
        "advanced",
        "Plantensoorten zoals knoopkruid, margriet en rolklaver die laten zien of een berm "
        "bloemrijker wordt, met een eenvoudige telmethode.",
    ),
    (
        "Ontwerprichtlijn natuurvriendelijke oevers",
        "guide",
        "nature_friendly_banks",
        "advanced",
        "Profielen voor flauwe oevers en plasbermen, met maatvoering, beplanting en afspraken over"
        " onderhoud met de waterbeheerder.",
    ),
    (
        "Voorbeeldprofielen oeverinrichting",
        "example",
        "nature_friendly_banks",
        "starter",
        "Zes uitgewerkte dwarsprofielen van heringerichte oevers in stedelijk gebied, van smalle "
        "sloot tot brede vaart.",
    ),
    (
        "Draaiboek Tiny Forest met een school",
        "guide",
        "trees_tiny_forests",
        "starter",
        "Van plek kiezen tot plantdag en nazorg: zo leg je samen met een basisschool een Tiny "
        "Forest aan.",
    ),
    (
        "Bomenlijst inheemse bomen voor de stad",
        "dataset",
        "trees_tiny_forests",
        "advanced",
        "Boomsoorten met hun eisen aan de groeiplaats, hun droogtetolerantie en hun waarde voor "
        "insecten en vogels.",
    ),
    (
        "Nestkastenplan gierzwaluw en huismus",
        "example",
        "fauna_provisions",
        "starter",
        "Uitgewerkt plan voor nestkasten bij de renovatie van een flatwijk: aantallen, hoogtes, "
        "windrichting en controle.",
    ),
    (
        "Registratie faunavoorzieningen",
        "dataset",
        "fauna_provisions",
        "starter",
        "Tabelopzet voor nestkasten, egeltunnels en faunapassages met locatie, type, "
        "plaatsingsjaar en bezetting.",
    ),
    (
        "Puntensysteem natuurinclusief bouwen",
        "tool",
        "nature_inclusive_building",
        "advanced",
        "Een lijst maatregelen met punten (neststenen, groene daken, inheemse tuinen) waarmee een "
        "ontwikkelaar een minimumscore haalt.",
    ),
    (
        "Modelteksten natuurinclusieve nieuwbouw",
        "example",
        "nature_inclusive_building",
        "advanced",
        "Voorbeeldbepalingen voor de anterieure overeenkomst, zodat afspraken over natuurinclusief"
        " bouwen afdwingbaar zijn.",
    ),
    (
        "Checklist vleermuisvriendelijke verlichting",
        "guide",
        "dark_sky_lighting",
        "starter",
        "Lichtkleur, richting, hoogte en dimregime van verlichting langs vliegroutes, op één "
        "pagina voor de lichtontwerper.",
    ),
    (
        "Kaartlaag donkerte en verlichting",
        "dataset",
        "dark_sky_lighting",
        "advanced",
        "Kaartopzet waarin lichtmasten, vliegroutes van vleermuizen en donkere zones samenkomen, "
        "om te bepalen waar dimmen het meest oplevert.",
    ),
    (
        "Beslisboom exotenbeheer",
        "tool",
        "invasive_species",
        "advanced",
        "Stap voor stap van melding tot aanpak van Japanse duizendknoop, reuzenberenklauw en "
        "reuzenbalsemien, met nacontrole.",
    ),
    (
        "Meldlijst invasieve exoten",
        "dataset",
        "invasive_species",
        "starter",
        "Tabelopzet om groeiplaatsen van exoten met locatie, oppervlak en datum van aanpak vast te"
        " leggen.",
    ),
    (
        "Participatiekompas groen",
        "guide",
        "citizen_participation",
        "starter",
        "Hoe je bewonersgroepen en vrijwilligers betrekt bij aanleg en beheer van groen, van "
        "eerste gesprek tot adoptiecontract.",
    ),
    (
        "Voorbeeld adoptiecontract groenvak",
        "example",
        "citizen_participation",
        "starter",
        "Een adoptiecontract van één pagina: wat de bewonersgroep doet, wat de gemeente levert en "
        "hoe je stopt.",
    ),
    (
        "Format biodiversiteitsvisie",
        "example",
        "policy_vision",
        "starter",
        "Inhoudsopgave en voorbeeldteksten voor een visie op biodiversiteit, met doelen, kaarten "
        "en een uitvoeringsagenda.",
    ),
    (
        "Groennorm: rekenvoorbeeld voor het omgevingsplan",
        "example",
        "policy_vision",
        "advanced",
        "Hoe je een groennorm per woning en per plangebied berekent en toetst, voorgerekend voor "
        "drie fictieve plannen.",
    ),
    (
        "Monitoringsplan bij het biodiversiteitsbeleid in 5 stappen",
        "guide",
        "policy_vision",
        "starter",
        "Van doel in de visie naar indicator, meetmethode en rapportage aan de gemeenteraad.",
    ),
    (
        "Kaartset ecologische verbindingszones",
        "dataset",
        "ecological_corridors",
        "advanced",
        "Kaartopzet voor verbindingszones, stapstenen en knelpunten (wegen, bebouwing) over "
        "gemeentegrenzen heen.",
    ),
    (
        "Handreiking verbindingszones met grondeigenaren",
        "guide",
        "ecological_corridors",
        "advanced",
        "Hoe je met agrariërs en andere grondeigenaren afspraken maakt over een verbindingszone: "
        "vergoeding, beheer en looptijd.",
    ),
    (
        "Plantenlijst wadi's en regentuinen",
        "dataset",
        "climate_adaptation",
        "starter",
        "Planten die natte voeten en droogte verdragen, met bloeiperiode en waarde voor insecten, "
        "voor wadi's en regentuinen.",
    ),
    (
        "Ontwerp klimaatadaptief plein",
        "example",
        "climate_adaptation",
        "advanced",
        "Uitgewerkt ontwerp van een plein met waterberging, schaduw en infiltratie, met kosten per"
        " onderdeel.",
    ),
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
