"""What the demo writes about each measure: texts per theme and status (all illustrative).

For every theme a set of practices (a title with its matching description), lessons
learned, reasons to stop with what was learned, and the kinds of partner that take part;
for every status the sentence that says where a measure stands. :mod:`cop.data.demo` draws
from these in their order with a random stream of its own, so editing a text changes
words only, never a number of the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ThemeTexts:
    """What the demo writes about a measure of one theme.

    Every text of a theme is about that theme and no other, so a lighting measure never
    carries tree-watering advice: ``tests/test_demo.py`` holds a vocabulary per theme and
    checks that each text uses its own theme's words more than any other theme's.
    ``practices`` pairs a title with its description, so that both tell the same story;
    titles, descriptions and lessons are ``str.format`` templates with the fields ``town``,
    ``place``, ``street``, ``building``, ``water``, ``n`` (the scale in Dutch digits),
    ``ha`` (the scale in hectares), ``plant``, ``bee``, ``butterfly`` and ``bird`` (a
    nest-box bird). Descriptions say what the measure is, not that it is done: the status
    sentence after it says that. ``stops`` pairs why a stopped measure stopped with what its
    municipality would do differently; ``partners`` are kinds of partner, never a named
    organisation.
    """

    practices: tuple[tuple[str, str], ...]
    lessons: tuple[str, ...]
    stops: tuple[tuple[str, str], ...]
    partners: tuple[str, ...]


THEME_TEXTS: dict[str, ThemeTexts] = {
    "ecological_mowing": ThemeTexts(
        practices=(
            (
                "Sinusbeheer in {place}",
                "Sinusbeheer op {ha} hectare: bij elke maaibeurt blijft een wisselend deel van het"
                " gras staan als schuilplek voor insecten.",
            ),
            (
                "Hooilandbeheer bermen {place}",
                "{ha} hectare bermen wordt als hooiland beheerd: twee keer per jaar maaien en "
                "afvoeren, zodat de bodem verschraalt en soorten als {plant} terugkomen.",
            ),
            (
                "Maaibeleid openbaar groen {place}",
                "{town} maait {ha} hectare bermen en gras ecologisch: minder vaak, later in het "
                "seizoen en met afvoer van het maaisel.",
            ),
        ),
        lessons=(
            "Vooraf aan bewoners uitleggen waarom het gras langer blijft staan voorkwam klachten "
            "over 'rommelig' groen.",
            "Afvoeren van maaisel kost in het begin meer; na drie jaar is het goedkoper dan "
            "klepelen en blijven liggen.",
            "Het maaibestek moest worden aangepast; neem de aannemer vanaf het begin mee in "
            "sinusbeheer.",
            "Bordjes bij de hooilandjes met uitleg over het maaibeheer maken het verschil in "
            "acceptatie.",
            "Na drie jaar verschralen staat er meer {plant} in het gras; de maaikalender blijft "
            "wel maatwerk per perceel.",
            "Laat bij elke maaibeurt 10 tot 20 procent staan; insecten in het hooiland hebben dan "
            "altijd een toevluchtsoord.",
        ),
        stops=(
            (
                "de aannemer kon het maaisel niet kwijt en het contract liet afvoeren niet toe",
                "Regel afvoer en verwerking van maaisel voordat het nieuwe maaibestek ingaat.",
            ),
            (
                "na klachten over hoog gras langs woningen is het oude maaischema teruggezet",
                "Begin met sinusbeheer waar weinig mensen komen en maai langs paden een strook "
                "kort gras.",
            ),
        ),
        partners=(
            "aannemer groenbeheer",
            "waterschap",
            "imkervereniging",
            "natuurvereniging",
            "provincie",
        ),
    ),
    "depaving": ThemeTexts(
        practices=(
            (
                "Tegelwippen schoolplein {place}",
                "Het schoolplein gaat van tegels naar groen: {n} m² bestrating eruit, met ruimte "
                "voor spelen in het groen, een moestuin en schaduw.",
            ),
            (
                "Ontstenen {street}",
                "Ontstenen van {n} m² verharding langs de {street}, met bredere plantvakken en "
                "inheemse beplanting in de vrijgekomen grond.",
            ),
            (
                "Steen eruit, groen erin {place}",
                "Bewoners en gemeente wippen samen tegels: {n} m² bestrating maakt plaats voor "
                "geveltuinen en beplanting.",
            ),
        ),
        lessons=(
            "Een tegeltaxi die de gewipte tegels ophaalt verlaagt de drempel voor bewoners enorm.",
            "Tel de gewipte tegels per buurt; dat cijfer werkt beter in de communicatie dan "
            "vierkante meters.",
            "Bij het ontstenen van het schoolplein eerst met de kinderen ontwerpen; zij zijn "
            "daarna de beste beheerders.",
            "Kabels en leidingen onder de bestrating bepalen waar je kunt ontstenen; vraag de "
            "liggingsgegevens vooraf op.",
            "Niet alle verharding kan weg: kies halfverharding waar fietsen en containers moeten "
            "staan.",
        ),
        stops=(
            (
                "hulpdiensten en afvalinzameling hadden de verharde strook nodig als opstelplaats",
                "Toets een ontwerp voor ontstenen vooraf met hulpdiensten en afvalinzameling.",
            ),
            (
                "na de eerste actie meldden zich te weinig bewoners om tegels te wippen",
                "Koppel tegelwippen aan een bestaand buurtmoment en laat de gemeente de tegels "
                "ophalen.",
            ),
        ),
        partners=("bewonersgroep", "basisschool", "woningcorporatie", "hoveniersbedrijf"),
    ),
    "green_roofs_walls": ThemeTexts(
        practices=(
            (
                "Groen dak {building}",
                "{n} m² groen dak op {building}: een kruidenrijk sedumdak dat water vasthoudt en "
                "insecten voedsel biedt.",
            ),
            (
                "Gevelgroen {street}",
                "Gevelgroen met klimplanten over {n} m² gevel langs de {street}, in bakken en in "
                "de volle grond naast de stoep.",
            ),
            (
                "Subsidie groene daken {place}",
                "Subsidieregeling voor groene daken: eigenaren in {town} krijgen een bijdrage per "
                "m², voor samen {n} m² groen dak.",
            ),
        ),
        lessons=(
            "Laat een constructeur de draagkracht van elk dak vooraf beoordelen; dat voorkomt "
            "teleurstellingen bij groene daken.",
            "Een sedumdak met kruiden en een dikkere substraatlaag trekt meer insecten dan een "
            "kale sedummat.",
            "Klimplanten aan de gevel hebben de eerste twee zomers extra water nodig; spreek dat "
            "onderhoud af met de eigenaar van het gevelgroen.",
            "De subsidie voor groene daken werd pas echt gebruikt toen een dakdekker het "
            "aanvraagwerk overnam.",
            "Combineer een groen dak met zonnepanelen: de panelen blijven koeler en leveren meer "
            "op.",
        ),
        stops=(
            (
                "het dak bleek bij nader onderzoek niet sterk genoeg voor een groen dak",
                "Begin met een constructieve toets voordat je een groen dak belooft.",
            ),
            (
                "de eigenaar van het pand zag op tegen het onderhoud van het gevelgroen",
                "Neem het onderhoud van gevelgroen en klimplanten de eerste jaren over of regel "
                "het in de subsidie.",
            ),
        ),
        partners=("woningcorporatie", "dakdekker", "ondernemersvereniging", "hoveniersbedrijf"),
    ),
    "flower_verges": ThemeTexts(
        practices=(
            (
                "Bijenlint {place}",
                "Een bijenlint van {n} meter door {town}: bloemrijke bermen en randen die voedsel-"
                " en nestplekken van wilde bijen met elkaar verbinden.",
            ),
            (
                "Bloemrijke berm {street}",
                "Bloemrijke bermen over {n} meter langs de {street} en de fietspaden erbij, zodat "
                "{butterfly} en wilde bijen er van het voorjaar tot de herfst voedsel vinden.",
            ),
            (
                "Inzaai inheems bloemenmengsel {place}",
                "{n} meter berm ingezaaid met een inheems bloemenmengsel, met onder meer {plant}; "
                "goed voor bestuivers als de {bee}.",
            ),
        ),
        lessons=(
            "Een inheems zaadmengsel van regionale herkomst bloeit langer en komt terug; goedkope "
            "mengsels met eenjarige bloemen niet.",
            "Op voedselrijke klei eerst de bodem schraler maken en pas dan inzaaien; anders "
            "verdringen grassen de bloemen binnen twee jaar.",
            "Bordjes bij het bijenlint ('hier bloeit voedsel voor wilde bijen') voorkomen dat de "
            "berm als slordig wordt gezien.",
            "Tel de bestuivers voor en na de inzaai; bij ons verdubbelde het aantal hommels in de "
            "bloemrijke berm.",
            "Een bijenlint werkt pas als er ook nestplek is: laat kale zandige plekjes en holle "
            "stengels staan voor wilde bijen.",
        ),
        stops=(
            (
                "bij de reconstructie van de weg verdween de ingezaaide berm onder een nieuw "
                "fietspad",
                "Leg bloemrijke bermen vast in het beheerplan, zodat ze na werk aan de weg opnieuw"
                " worden ingezaaid.",
            ),
            (
                "het bloemenmengsel sloeg op de zware kleigrond niet aan",
                "Kies een zaadmengsel dat bij de bodem past en zaai eerst een proefstrook in.",
            ),
        ),
        partners=("imkervereniging", "natuurvereniging", "provincie", "agrariërs"),
    ),
    "nature_friendly_banks": ThemeTexts(
        practices=(
            (
                "Natuurvriendelijke oever {water}",
                "{n} meter natuurvriendelijke oever langs {water}: het steile talud wordt "
                "afgegraven tot een flauwe waterkant met een brede plasberm.",
            ),
            (
                "Flauwe oevers {water}",
                "Langs {n} meter van {water} worden beschoeiingen vervangen door flauwe oevers met"
                " waterplanten, goed voor amfibieën, libellen en vissen.",
            ),
            (
                "Moeraszone {water}",
                "Samen met het waterschap wordt {n} meter oever van {water} heringericht als "
                "moeraszone met riet en lisdodde.",
            ),
        ),
        lessons=(
            "Samenwerking met de ecoloog van het waterschap leverde betere oeverprofielen op dan "
            "ons eigen ontwerp.",
            "Een flauw talud vraagt ruimte; koop of ruil de strook grond langs de oever vroeg in "
            "het project.",
            "Schoon de oever gefaseerd en laat steeds een deel van de waterplanten staan voor "
            "libellen en amfibieën.",
            "Spreek vooraf af wie de natuurvriendelijke oever onderhoudt; dat voorkomt discussie "
            "bij de eerste schouw.",
            "Kinderen en honden zoeken de flauwe waterkant op; een paar vlonders houden de rest "
            "van de oever rustig.",
        ),
        stops=(
            (
                "het waterschap had de strook langs de oever nodig voor dijkversterking",
                "Stem plannen voor natuurvriendelijke oevers vroeg af met de waterbeheerder.",
            ),
            (
                "de grond langs de waterkant bleek vervuild en afgraven werd te duur",
                "Laat de bodem langs de oever onderzoeken voordat het ontwerp vastligt.",
            ),
        ),
        partners=("waterschap", "hengelsportvereniging", "natuurvereniging", "provincie"),
    ),
    "trees_tiny_forests": ThemeTexts(
        practices=(
            (
                "Tiny Forest {place}",
                "Een Tiny Forest van ongeveer 200 m² met {n} jonge bomen en struiken dicht op "
                "elkaar, aan te leggen samen met een basisschool.",
            ),
            (
                "Stadsbos {place}",
                "Een stadsbos met {n} bomen aan de rand van de wijk, met paden, open plekken en "
                "ruimte voor natuurlijke verjonging.",
            ),
            (
                "Bomenplan {street}",
                "Aanplant van {n} bomen langs de {street} en in de straten eromheen: inheemse "
                "soorten in groeiplaatsen met genoeg ruimte voor de wortels.",
            ),
        ),
        lessons=(
            "Budget voor nazorg (water geven, inboet) is essentieel: de eerste drie zomers bepalen"
            " of een boom aanslaat.",
            "Een Tiny Forest blijft alleen mooi als een school of buurtgroep het bos onderhoudt; "
            "regel dat voor de aanplant.",
            "Plant bomen in het plantseizoen (november tot maart); de uitval was daarna veel "
            "lager.",
            "Ondergrondse groeiplaatsen kosten meer, maar bomen in de straat worden zo twee keer "
            "zo oud.",
            "Na een droog voorjaar moesten we vaker water geven dan begroot; een waterzak per boom"
            " scheelt veel rondes.",
        ),
        stops=(
            (
                "er bleek geen plek zonder kabels en leidingen voor de bomen",
                "Vraag de liggingsgegevens op voordat je bomen belooft en reken op ondergrondse "
                "groeiplaatsen.",
            ),
            (
                "de buurt wilde het speelveld houden en keerde zich tegen het stadsbos",
                "Betrek omwonenden al bij de keuze van de plek voor een stadsbos of Tiny Forest.",
            ),
        ),
        partners=("basisschool", "bewonersgroep", "boomkwekerij", "natuurvereniging"),
    ),
    "fauna_provisions": ThemeTexts(
        practices=(
            (
                "Gierzwaluwkasten {building}",
                "{n} nestkasten voor gierzwaluwen aan {building}, hoog onder de dakrand, met "
                "daarnaast kasten voor huismussen en vleermuizen.",
            ),
            (
                "Faunapassage {street}",
                "{n} faunavoorzieningen rond de {street}: egeltunnels en faunapassages onder de "
                "weg en uitstapplaatsen langs het water.",
            ),
            (
                "Egelrasters en egeltunnels {place}",
                "Een egelvriendelijke wijk: {n} egeltunnels, gaten in schuttingen en geleidende "
                "rasters, zodat egels veilig van tuin naar tuin kunnen.",
            ),
        ),
        lessons=(
            "Gierzwaluwkasten hoog onder de dakrand, op het noorden of oosten, worden het snelst "
            "bezet.",
            "Hang nestkasten in groepjes: huismussen broeden graag dicht bij elkaar.",
            "Egeltunnels werken alleen met geleidende rasters; zonder raster liepen egels er "
            "gewoon langs.",
            "Laat de nestkasten elk najaar controleren en schoonmaken; zo weet je ook hoeveel er "
            "door de {bird} bezet zijn.",
            "Spreek met de woningcorporatie af dat nestkasten bij renovatie terugkomen; een "
            "kolonie gierzwaluwen verdween bij ons door een gevelrenovatie.",
        ),
        stops=(
            (
                "de aannemer van de renovatie kon de nestkasten niet meer inpassen",
                "Zet nestkasten in het bestek van de renovatie, niet in een los verzoek achteraf.",
            ),
            (
                "de faunapassage bleek te duur naast de geplande reconstructie van de weg",
                "Neem een faunapassage mee in het ontwerp van de weg; achteraf is het veel "
                "duurder.",
            ),
        ),
        partners=("vogelwerkgroep", "woningcorporatie", "zoogdierwerkgroep", "egelopvang"),
    ),
    "nature_inclusive_building": ThemeTexts(
        practices=(
            (
                "Natuurinclusief bouwen nieuwbouw {place}",
                "{n} bouwprojecten natuurinclusief ontwikkelen: neststenen, groene daken en tuinen"
                " met inheemse beplanting horen bij de nieuwbouw.",
            ),
            (
                "Puntensysteem natuurinclusief {town}",
                "Een puntensysteem voor natuurinclusief bouwen: ontwikkelaars kiezen uit "
                "maatregelen en halen een minimumscore, voor {n} bouwplannen.",
            ),
            (
                "Afspraken natuurinclusieve nieuwbouw {place}",
                "Afspraken met ontwikkelaars over natuurinclusieve nieuwbouw in {n} projecten, via"
                " de anterieure overeenkomst.",
            ),
        ),
        lessons=(
            "Leg natuurinclusief bouwen vast in de anterieure overeenkomst; vrijblijvende "
            "afspraken met de ontwikkelaar verdwenen bij de eerste kostenstijging.",
            "Een puntensysteem met een korte lijst maatregelen werkt beter dan een open uitvraag "
            "aan de ontwikkelaar.",
            "Controleer na oplevering of de neststenen er echt in zitten; bij een bouwproject "
            "ontbraken ze in de helft van de woningen.",
            "Betrek de ecoloog al bij het stedenbouwkundig plan; in het bouwplan is het vaak te "
            "laat voor natuurinclusieve keuzes.",
            "Natuurinclusieve nieuwbouw hoeft niet duur te zijn: neststenen en een groen erf "
            "kosten een paar honderd euro per woning.",
        ),
        stops=(
            (
                "de ontwikkelaar trok zich terug uit het bouwproject",
                "Maak natuurinclusieve eisen onderdeel van de grondverkoop, zodat ze blijven "
                "gelden als een bouwproject van eigenaar wisselt.",
            ),
            (
                "de nieuwbouw liep vertraging op en het budget voor natuurinclusieve maatregelen "
                "werd geschrapt",
                "Reserveer het budget voor natuurinclusief bouwen apart in de grondexploitatie.",
            ),
        ),
        partners=(
            "projectontwikkelaar",
            "woningcorporatie",
            "ecologisch adviesbureau",
            "architectenbureau",
        ),
    ),
    "dark_sky_lighting": ThemeTexts(
        practices=(
            (
                "Vleermuisvriendelijke verlichting {street}",
                "{n} lichtmasten langs de {street} krijgen amberkleurige ledverlichting, omdat "
                "daar een vliegroute van vleermuizen loopt.",
            ),
            (
                "Dimmen openbare verlichting {place}",
                "De openbare verlichting op {n} plekken wordt na middernacht gedimd of "
                "uitgeschakeld; lampen schijnen alleen nog naar beneden.",
            ),
            (
                "Minder lichtmasten {place}",
                "Vervanging van {n} armaturen: minder lichtmasten, een warmere lichtkleur en "
                "afgeschermde lampen langs de groene randen van {town}.",
            ),
        ),
        lessons=(
            "Amber licht langs vleermuisroutes werd door bewoners nauwelijks opgemerkt; klachten "
            "over veiligheid bleven uit.",
            "Dimmen na middernacht bespaart energie en levert zo ook draagvlak op bij de "
            "verlichting.",
            "Breng de vliegroutes van vleermuizen eerst in kaart; dan weet je waar de verlichting "
            "het meest uitmaakt.",
            "Vervang armaturen als ze toch aan vervanging toe zijn; de meerkosten van "
            "vleermuisvriendelijke lampen zijn dan klein.",
            "Een proefstraat met verschillende lichtkleuren hielp bewoners en wijkagent kiezen.",
        ),
        stops=(
            (
                "bewoners en de wijkagent maakten zich zorgen over een fietspad met minder "
                "verlichting",
                "Organiseer een avondwandeling met bewoners voordat de verlichting wordt gedimd.",
            ),
            (
                "de leverancier kon de amberkleurige armaturen niet op tijd leveren",
                "Bestel vleermuisvriendelijke armaturen ruim vooraf en neem ze op in het "
                "raamcontract voor verlichting.",
            ),
        ),
        partners=("netbeheerder", "vleermuiswerkgroep", "wijkagent", "provincie"),
    ),
    "invasive_species": ThemeTexts(
        practices=(
            (
                "Aanpak Japanse duizendknoop {place}",
                "Aanpak van Japanse duizendknoop op {n} m²: uitgraven, afdekken en nacontrole, "
                "zonder bestrijdingsmiddelen.",
            ),
            (
                "Reuzenberenklauw {water}",
                "Reuzenberenklauw en reuzenbalsemien worden op {n} m² langs {water} en de "
                "bosranden verwijderd voordat ze zaad zetten.",
            ),
            (
                "Natuurlijke bestrijding eikenprocessierups {place}",
                "Natuurlijke bestrijding van de eikenprocessierups op {n} m²: natuurlijke vijanden"
                " zoals mezen en sluipwespen krijgen ruimte en nesten worden alleen weggezogen "
                "waar mensen er last van hebben.",
            ),
        ),
        lessons=(
            "Meld vondsten van Japanse duizendknoop centraal; één beheerder met een kaart van alle"
            " groeiplaatsen werkt beter dan losse acties.",
            "Klepelen verspreidt duizendknoop: elk stengelstukje kan uitgroeien, dus machines "
            "moeten op besmette plekken schoon.",
            "Reuzenberenklauw alleen met beschermende kleding verwijderen; het sap geeft zware "
            "brandwonden in de zon.",
            "Mezenkasten en bloeiende randen hielpen tegen de eikenprocessierups, maar pas na twee"
            " seizoenen.",
            "Exoten komen terug als je één jaar overslaat; reken op vijf jaar nacontrole.",
        ),
        stops=(
            (
                "de duizendknoop kwam na twee jaar uitgraven steeds terug en het budget was op",
                "Begin kleinschalig en houd budget over voor jaren nacontrole van exoten.",
            ),
            (
                "grond met wortels van duizendknoop mocht niet zonder dure verwerking worden "
                "afgevoerd",
                "Regel de afvoer van grond met exoten voordat je gaat graven.",
            ),
        ),
        partners=("waterschap", "provincie", "aannemer groenbeheer", "natuurvereniging"),
    ),
    "citizen_participation": ThemeTexts(
        practices=(
            (
                "Adopteer een groenvak {place}",
                "{n} bewonersgroepen adopteren een groenvak in {town}: zij onderhouden het en de "
                "gemeente levert planten, gereedschap en advies.",
            ),
            (
                "Buurtmoestuinen {place}",
                "{n} buurtmoestuinen en pluktuinen op braakliggende grond, van een "
                "burgerinitiatief met hulp van de gemeente.",
            ),
            (
                "Citizen science tellingen {place}",
                "Citizen science in {n} buurten: vrijwilligers tellen dagvlinders, hommels en "
                "tuinvogels en voeren hun waarnemingen in.",
            ),
        ),
        lessons=(
            "Vrijwilligers blijven betrokken als er een vast aanspreekpunt bij de gemeente is en "
            "er één keer per jaar iets te vieren valt.",
            "Geef bewonersgroepen een klein eigen budget; dat werkt beter dan elke aanvraag apart "
            "beoordelen.",
            "Citizen science levert bruikbare tellingen op als vrijwilligers een korte training en"
            " een vaste telroute krijgen.",
            "Een adoptiecontract van één A4 is genoeg; lange overeenkomsten schrikken "
            "bewonersgroepen af.",
            "Na het eerste jaar haakte de helft van de vrijwilligers af; wisselende klussen en een"
            " groepsapp hielden de rest vast.",
        ),
        stops=(
            (
                "de trekker van het burgerinitiatief verhuisde en niemand nam het over",
                "Zorg vanaf het begin voor twee of drie trekkers per bewonersgroep.",
            ),
            (
                "na het eerste jaar bleven te weinig vrijwilligers over",
                "Begin klein en vraag vrijwilligers voor een concrete klus, niet voor een jaar "
                "onderhoud.",
            ),
        ),
        partners=("bewonersgroep", "basisschool", "natuurvereniging", "buurthuis"),
    ),
    "policy_vision": ThemeTexts(
        practices=(
            (
                "Biodiversiteitsvisie {town}",
                "Een biodiversiteitsvisie voor heel {town}, met doelen voor 2030 en een jaarlijkse"
                " voortgangsrapportage aan de gemeenteraad.",
            ),
            (
                "Groennorm in omgevingsplan {town}",
                "Een groennorm in het omgevingsplan: bij elke ontwikkeling een minimum aan groen "
                "per woning en een toets op biodiversiteit.",
            ),
            (
                "Uitvoeringsagenda biodiversiteit {town}",
                "Een uitvoeringsagenda die het beleid voor biodiversiteit vertaalt naar projecten,"
                " budget en verantwoordelijken per afdeling.",
            ),
        ),
        lessons=(
            "Een visie zonder uitvoeringsagenda en budget bleef op de plank liggen; pas met "
            "jaarlijkse doelen kwam er beweging.",
            "Laat de gemeenteraad vroeg meepraten over de groennorm; een vastgestelde norm is "
            "daarna veel makkelijker te toetsen.",
            "Neem biodiversiteit op in het omgevingsplan; een losse beleidsnota heeft bij "
            "vergunningen geen kracht.",
            "Een visie met kaarten en foto's uit de eigen gemeente leest beter dan een dik "
            "beleidsstuk.",
            "Koppel het beleid voor biodiversiteit aan woningbouw en de omgevingsvisie; dan zit "
            "het in meer budgetten.",
        ),
        stops=(
            (
                "na de verkiezingen schoof het nieuwe college de visie door naar een volgende "
                "periode",
                "Laat de visie breed vaststellen door de gemeenteraad, zodat ze een collegewissel "
                "overleeft.",
            ),
            (
                "de groennorm botste met de woningbouwopgave en werd uit het omgevingsplan gehaald",
                "Reken de groennorm vooraf door op een paar echte woningbouwlocaties.",
            ),
        ),
        partners=("provincie", "ecologisch adviesbureau", "waterschap", "natuurvereniging"),
    ),
    "ecological_corridors": ThemeTexts(
        practices=(
            (
                "Ecologische verbindingszone {water}",
                "Een ecologische verbindingszone van {n} meter langs {water}, met ruigte, struweel"
                " en poelen als stapstenen tussen twee natuurgebieden.",
            ),
            (
                "Groenblauwe dooradering {place}",
                "Groenblauwe dooradering over {n} meter: sloten, bermen en groenstroken vormen "
                "samen een doorgaande route tussen leefgebieden.",
            ),
            (
                "Verbindingszone stadsrand {town}",
                "{n} meter verbindingszone langs de rand van {town}, aangesloten op het "
                "provinciale natuurnetwerk.",
            ),
        ),
        lessons=(
            "Maak afspraken over de verbindingszone met de buurgemeente; de route stopt anders "
            "precies op de gemeentegrens.",
            "Stapstenen zoals poelen en struweel om de paar honderd meter zijn belangrijker dan "
            "een smalle doorlopende strook.",
            "Grondeigenaren doen mee als de verbindingszone past bij hun bedrijf; een vergoeding "
            "per meter hielp.",
            "Monitor of dieren de groenblauwe route gebruiken; bij ons bleek een drukke weg de "
            "zwakke schakel.",
            "Leg het tracé van de verbindingszone vroeg vast, anders verdwijnt het leefgebied bij "
            "de volgende uitbreiding.",
        ),
        stops=(
            (
                "een grondeigenaar wilde zijn perceel niet verkopen en de verbindingszone kwam "
                "niet rond",
                "Zoek voor een verbindingszone meerdere tracés tegelijk, zodat één perceel niet "
                "alles blokkeert.",
            ),
            (
                "de provinciale subsidie voor de corridor verviel",
                "Zorg dat een ecologische verbinding ook zonder één subsidiebron door kan.",
            ),
        ),
        partners=("provincie", "waterschap", "agrariërs", "buurgemeente", "terreinbeheerder"),
    ),
    "climate_adaptation": ThemeTexts(
        practices=(
            (
                "Wadi {street}",
                "Wadi's langs de {street} over {n} m², die regenwater van daken en straat opvangen"
                " en laten infiltreren.",
            ),
            (
                "Regentuin {building}",
                "Een regentuin van {n} m² bij {building} die het regenwater van het dak opvangt en"
                " laat infiltreren.",
            ),
            (
                "Klimaatadaptief plein {place}",
                "Een klimaatadaptief plein van {n} m² met waterberging, schaduw tegen hittestress "
                "en inheemse beplanting.",
            ),
        ),
        lessons=(
            "Beplanting in een wadi moet natte voeten en droogte verdragen; {plant} hield het "
            "goed.",
            "Leg uit waarom een wadi soms vol water staat; bewoners meldden het eerst als "
            "verstopping.",
            "Een regentuin bij een school is ook lesmateriaal: kinderen zien na een bui het "
            "regenwater wegzakken.",
            "Controleer de infiltratie na oplevering met een proefbui; bij ons was de bodem te "
            "sterk verdicht.",
            "Koppel klimaatadaptatie aan groot onderhoud van de straat; dan valt de meerprijs weg.",
        ),
        stops=(
            (
                "de bodem bleek te weinig water door te laten voor een wadi",
                "Doe een infiltratieproef voordat het ontwerp voor de wadi vastligt.",
            ),
            (
                "de straat werd toch niet heringericht en de regentuin kon niet aansluiten op de "
                "hemelwaterafvoer",
                "Plan klimaatadaptatie samen met het rioleringsplan, niet los ervan.",
            ),
        ),
        partners=("waterschap", "woningcorporatie", "basisschool", "hoveniersbedrijf"),
    ),
}
# Birds that use nest boxes and nest stones (a subset of the urban birds of SPECIES).
NEST_BIRDS = ("gierzwaluw", "huismus", "koolmees", "pimpelmees", "spreeuw", "zwarte roodstaart")
# What the description adds for each status: an idea is not yet worked out, a planned
# measure is being prepared (``planned_future``: it starts after this year), an active one
# runs and a realised one is done; ``{year}`` is the start year. Stopped measures say why
# they stopped (``ThemeTexts.stops``) instead.
STATUS_NOTES: dict[str, tuple[str, ...]] = {
    "idea": (
        "Nog een idee: haalbaarheid en kosten worden verkend.",
        "Nog een idee uit een gesprek met bewoners en collega's; er is nog geen besluit.",
    ),
    "planned": (
        "In voorbereiding sinds {year}; de uitvoering volgt na de aanbesteding.",
        "Ontwerp en budget worden sinds {year} uitgewerkt.",
    ),
    "planned_future": (
        "Gepland: de uitvoering begint in {year}.",
        "Ontwerp en budget zijn rond; uitvoering vanaf {year}.",
    ),
    "in_progress": ("Loopt sinds {year}.", "In uitvoering sinds {year}; de eerste fase is klaar."),
    "realised": ("Gerealiseerd; gestart in {year}.", "Afgerond; begonnen in {year}."),
}
