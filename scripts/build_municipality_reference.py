"""Build ``data/municipalities_reference.csv``: one row per Dutch municipality of 2025.

Why this script exists
----------------------
The dashboard needs a small, committed reference table of all 342 municipalities (code,
name, province, size, urbanity and a label point) that works without any download. The
boundary file itself may not be committed, so this script derives the table from it and
the result is committed instead.

What comes from where
---------------------
- ``code``, ``name``: ``statcode`` / ``statnaam`` of the CBS/Kadaster boundaries (PDOK,
  CC BY 4.0), read from the boundary GeoJSON.
- ``province``: the province polygon (``provincie_2025.geojson`` next to the boundary
  file) that contains the municipality's label point.
- ``lat``, ``lon``: the pole of inaccessibility (``shapely.ops.polylabel``) of the largest
  part of the municipality, computed in RD New (EPSG:28992) and returned in WGS84; it is
  the point inside the polygon farthest from its edge, so a map label sits well inside.
- ``area_km2``: area of the generalised polygon in RD New. Approximate: the polygons are
  simplified and leave out large inland waters (IJsselmeer, Markermeer, ...).
- ``population``: the explicit table ``POPULATION`` below (inhabitants around
  1 January 2024, rounded to 100), written down from published CBS figures from memory;
  approximate, for illustration.
- ``urbanity``: CBS *stedelijkheid* 1 (very strongly urban) .. 5 (not urban). Taken from
  ``KNOWN_URBANITY`` where the class is well known, otherwise estimated from population
  density; see :func:`estimate_urbanity`.

Usage
-----
``python scripts/build_municipality_reference.py [BOUNDARIES] [--provinces FILE] [--output FILE]``

``BOUNDARIES`` defaults to ``$COP_BOUNDARIES_FILE`` and then to
``../shared/data/gemeente_2025.geojson`` relative to the repository.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

REPO_DIR = Path(__file__).resolve().parents[1]
DEFAULT_BOUNDARIES = REPO_DIR.parent / "shared" / "data" / "gemeente_2025.geojson"
DEFAULT_OUTPUT = REPO_DIR / "data" / "municipalities_reference.csv"
COLUMNS = [
    "code",
    "name",
    "province",
    "population",
    "area_km2",
    "urbanity",
    "lat",
    "lon",
]
RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
# polylabel precision in metres (RD New); far below the 4-decimal (~10 m) output rounding.
POLYLABEL_TOLERANCE_M = 5.0

# Inhabitants around 1 January 2024 (CBS), rounded to 100. Approximate, for illustration.
POPULATION: dict[str, int] = {
    "GM0014": 243_800,  # Groningen
    "GM0034": 222_600,  # Almere
    "GM0037": 32_000,  # Stadskanaal
    "GM0047": 28_300,  # Veendam
    "GM0050": 24_000,  # Zeewolde
    "GM0059": 28_300,  # Achtkarspelen
    "GM0060": 3_800,  # Ameland
    "GM0072": 16_000,  # Harlingen
    "GM0074": 52_800,  # Heerenveen
    "GM0080": 127_300,  # Leeuwarden
    "GM0085": 25_900,  # Ooststellingwerf
    "GM0086": 30_300,  # Opsterland
    "GM0088": 900,  # Schiermonnikoog
    "GM0090": 56_500,  # Smallingerland
    "GM0093": 4_900,  # Terschelling
    "GM0096": 1_200,  # Vlieland
    "GM0098": 26_600,  # Weststellingwerf
    "GM0106": 69_700,  # Assen
    "GM0109": 35_800,  # Coevorden
    "GM0114": 108_400,  # Emmen
    "GM0118": 56_400,  # Hoogeveen
    "GM0119": 35_400,  # Meppel
    "GM0141": 74_800,  # Almelo
    "GM0147": 24_000,  # Borne
    "GM0148": 29_200,  # Dalfsen
    "GM0150": 103_300,  # Deventer
    "GM0153": 161_700,  # Enschede
    "GM0158": 24_700,  # Haaksbergen
    "GM0160": 62_700,  # Hardenberg
    "GM0163": 36_400,  # Hellendoorn
    "GM0164": 82_000,  # Hengelo (O.)
    "GM0166": 55_500,  # Kampen
    "GM0168": 23_000,  # Losser
    "GM0171": 48_600,  # Noordoostpolder
    "GM0173": 32_400,  # Oldenzaal
    "GM0175": 18_200,  # Ommen
    "GM0177": 38_100,  # Raalte
    "GM0180": 17_900,  # Staphorst
    "GM0183": 21_600,  # Tubbergen
    "GM0184": 22_200,  # Urk
    "GM0189": 25_000,  # Wierden
    "GM0193": 132_000,  # Zwolle
    "GM0197": 27_300,  # Aalten
    "GM0200": 167_000,  # Apeldoorn
    "GM0202": 166_700,  # Arnhem
    "GM0203": 62_000,  # Barneveld
    "GM0209": 26_500,  # Beuningen
    "GM0213": 21_400,  # Brummen
    "GM0214": 27_800,  # Buren
    "GM0216": 29_900,  # Culemborg
    "GM0221": 11_600,  # Doesburg
    "GM0222": 59_300,  # Doetinchem
    "GM0225": 19_800,  # Druten
    "GM0226": 26_000,  # Duiven
    "GM0228": 123_400,  # Ede
    "GM0230": 23_700,  # Elburg
    "GM0232": 33_800,  # Epe
    "GM0233": 27_600,  # Ermelo
    "GM0243": 49_600,  # Harderwijk
    "GM0244": 12_700,  # Hattem
    "GM0246": 19_000,  # Heerde
    "GM0252": 16_800,  # Heumen
    "GM0262": 34_000,  # Lochem
    "GM0263": 25_600,  # Maasdriel
    "GM0267": 45_500,  # Nijkerk
    "GM0268": 182_400,  # Nijmegen
    "GM0269": 24_300,  # Oldebroek
    "GM0273": 25_300,  # Putten
    "GM0274": 32_400,  # Renkum
    "GM0275": 44_200,  # Rheden
    "GM0277": 1_700,  # Rozendaal
    "GM0279": 10_600,  # Scherpenzeel
    "GM0281": 42_800,  # Tiel
    "GM0285": 25_200,  # Voorst
    "GM0289": 40_500,  # Wageningen
    "GM0293": 15_000,  # Westervoort
    "GM0294": 29_500,  # Winterswijk
    "GM0296": 41_500,  # Wijchen
    "GM0297": 30_700,  # Zaltbommel
    "GM0299": 45_100,  # Zevenaar
    "GM0301": 49_000,  # Zutphen
    "GM0302": 28_800,  # Nunspeet
    "GM0303": 43_400,  # Dronten
    "GM0307": 161_300,  # Amersfoort
    "GM0308": 25_100,  # Baarn
    "GM0310": 44_400,  # De Bilt
    "GM0312": 15_800,  # Bunnik
    "GM0313": 22_900,  # Bunschoten
    "GM0317": 9_700,  # Eemnes
    "GM0321": 51_000,  # Houten
    "GM0327": 30_700,  # Leusden
    "GM0331": 14_700,  # Lopik
    "GM0335": 14_200,  # Montfoort
    "GM0339": 5_600,  # Renswoude
    "GM0340": 20_700,  # Rhenen
    "GM0342": 48_900,  # Soest
    "GM0344": 374_000,  # Utrecht
    "GM0345": 68_900,  # Veenendaal
    "GM0351": 14_400,  # Woudenberg
    "GM0352": 24_300,  # Wijk bij Duurstede
    "GM0353": 34_800,  # IJsselstein
    "GM0355": 66_500,  # Zeist
    "GM0356": 65_300,  # Nieuwegein
    "GM0358": 33_500,  # Aalsmeer
    "GM0361": 111_700,  # Alkmaar
    "GM0362": 93_600,  # Amstelveen
    "GM0363": 931_000,  # Amsterdam
    "GM0373": 30_000,  # Bergen (NH.)
    "GM0375": 42_600,  # Beverwijk
    "GM0376": 12_500,  # Blaricum
    "GM0377": 24_300,  # Bloemendaal
    "GM0383": 36_800,  # Castricum
    "GM0384": 32_000,  # Diemen
    "GM0385": 37_200,  # Edam-Volendam
    "GM0388": 18_900,  # Enkhuizen
    "GM0392": 164_000,  # Haarlem
    "GM0394": 161_700,  # Haarlemmermeer
    "GM0396": 39_700,  # Heemskerk
    "GM0397": 28_000,  # Heemstede
    "GM0399": 25_100,  # Heiloo
    "GM0400": 56_500,  # Den Helder
    "GM0402": 92_500,  # Hilversum
    "GM0405": 74_500,  # Hoorn
    "GM0406": 41_700,  # Huizen
    "GM0415": 11_600,  # Landsmeer
    "GM0417": 11_600,  # Laren (NH.)
    "GM0420": 47_500,  # Medemblik
    "GM0431": 9_900,  # Oostzaan
    "GM0432": 12_200,  # Opmeer
    "GM0437": 15_100,  # Ouder-Amstel
    "GM0439": 93_400,  # Purmerend
    "GM0441": 47_500,  # Schagen
    "GM0448": 13_800,  # Texel
    "GM0450": 13_900,  # Uitgeest
    "GM0451": 31_500,  # Uithoorn
    "GM0453": 69_500,  # Velsen
    "GM0473": 17_300,  # Zandvoort
    "GM0479": 160_000,  # Zaanstad
    "GM0482": 20_500,  # Alblasserdam
    "GM0484": 115_000,  # Alphen aan den Rijn
    "GM0489": 50_600,  # Barendrecht
    "GM0498": 20_500,  # Drechterland
    "GM0502": 68_000,  # Capelle aan den IJssel
    "GM0503": 104_500,  # Delft
    "GM0505": 121_000,  # Dordrecht
    "GM0512": 38_000,  # Gorinchem
    "GM0513": 75_800,  # Gouda
    "GM0518": 566_000,  # 's-Gravenhage
    "GM0523": 18_700,  # Hardinxveld-Giessendam
    "GM0531": 32_000,  # Hendrik-Ido-Ambacht
    "GM0532": 22_100,  # Stede Broec
    "GM0534": 23_200,  # Hillegom
    "GM0537": 67_500,  # Katwijk
    "GM0542": 29_900,  # Krimpen aan den IJssel
    "GM0546": 128_000,  # Leiden
    "GM0547": 28_300,  # Leiderdorp
    "GM0553": 23_500,  # Lisse
    "GM0556": 34_400,  # Maassluis
    "GM0569": 29_700,  # Nieuwkoop
    "GM0575": 44_800,  # Noordwijk
    "GM0579": 26_200,  # Oegstgeest
    "GM0589": 10_600,  # Oudewater
    "GM0590": 32_800,  # Papendrecht
    "GM0597": 47_800,  # Ridderkerk
    "GM0599": 670_000,  # Rotterdam
    "GM0603": 58_500,  # Rijswijk (ZH.)
    "GM0606": 81_000,  # Schiedam
    "GM0610": 26_200,  # Sliedrecht
    "GM0613": 27_000,  # Albrandswaard
    "GM0622": 75_500,  # Vlaardingen
    "GM0626": 25_900,  # Voorschoten
    "GM0627": 32_400,  # Waddinxveen
    "GM0629": 27_000,  # Wassenaar
    "GM0632": 53_800,  # Woerden
    "GM0637": 127_000,  # Zoetermeer
    "GM0638": 9_300,  # Zoeterwoude
    "GM0642": 45_500,  # Zwijndrecht
    "GM0654": 23_200,  # Borsele
    "GM0664": 39_500,  # Goes
    "GM0668": 20_300,  # West Maas en Waal
    "GM0677": 27_500,  # Hulst
    "GM0678": 13_200,  # Kapelle
    "GM0687": 49_900,  # Middelburg (Z.)
    "GM0703": 23_200,  # Reimerswaal
    "GM0715": 54_800,  # Terneuzen
    "GM0716": 26_500,  # Tholen
    "GM0717": 22_100,  # Veere
    "GM0718": 45_200,  # Vlissingen
    "GM0736": 45_600,  # De Ronde Venen
    "GM0737": 32_300,  # Tytsjerksteradiel
    "GM0743": 17_300,  # Asten
    "GM0744": 7_100,  # Baarle-Nassau
    "GM0748": 69_300,  # Bergen op Zoom
    "GM0753": 31_000,  # Best
    "GM0755": 11_200,  # Boekel
    "GM0757": 32_800,  # Boxtel
    "GM0758": 186_000,  # Breda
    "GM0762": 33_000,  # Deurne
    "GM0765": 12_100,  # Pekela
    "GM0766": 26_900,  # Dongen
    "GM0770": 19_800,  # Eersel
    "GM0772": 243_000,  # Eindhoven
    "GM0777": 45_500,  # Etten-Leur
    "GM0779": 22_000,  # Geertruidenberg
    "GM0784": 27_300,  # Gilze en Rijen
    "GM0785": 24_000,  # Goirle
    "GM0794": 94_800,  # Helmond
    "GM0796": 160_800,  # 's-Hertogenbosch
    "GM0797": 45_700,  # Heusden
    "GM0798": 16_100,  # Hilvarenbeek
    "GM0809": 23_700,  # Loon op Zand
    "GM0820": 23_600,  # Nuenen, Gerwen en Nederwetten
    "GM0823": 19_700,  # Oirschot
    "GM0824": 33_000,  # Oisterwijk
    "GM0826": 57_500,  # Oosterhout
    "GM0828": 96_000,  # Oss
    "GM0840": 23_200,  # Rucphen
    "GM0845": 29_800,  # Sint-Michielsgestel
    "GM0847": 19_700,  # Someren
    "GM0848": 17_500,  # Son en Breugel
    "GM0851": 25_300,  # Steenbergen
    "GM0852": 17_800,  # Waterland
    "GM0855": 227_000,  # Tilburg
    "GM0858": 31_700,  # Valkenswaard
    "GM0861": 46_500,  # Veldhoven
    "GM0865": 27_700,  # Vught
    "GM0866": 17_700,  # Waalre
    "GM0867": 49_800,  # Waalwijk
    "GM0873": 22_500,  # Woensdrecht
    "GM0879": 22_300,  # Zundert
    "GM0880": 16_800,  # Wormerland
    "GM0882": 37_000,  # Landgraaf
    "GM0888": 15_700,  # Beek (L.)
    "GM0889": 13_500,  # Beesel
    "GM0893": 13_100,  # Bergen (L.)
    "GM0899": 27_600,  # Brunssum
    "GM0907": 17_300,  # Gennep
    "GM0917": 87_100,  # Heerlen
    "GM0928": 45_200,  # Kerkrade
    "GM0935": 123_000,  # Maastricht
    "GM0938": 18_800,  # Meerssen
    "GM0944": 7_900,  # Mook en Middelaar
    "GM0946": 17_200,  # Nederweert
    "GM0957": 59_500,  # Roermond
    "GM0965": 10_400,  # Simpelveld
    "GM0971": 24_600,  # Stein (L.)
    "GM0981": 10_000,  # Vaals
    "GM0983": 103_000,  # Venlo
    "GM0984": 44_900,  # Venray
    "GM0986": 12_400,  # Voerendaal
    "GM0988": 51_300,  # Weert
    "GM0994": 16_300,  # Valkenburg aan de Geul
    "GM0995": 82_900,  # Lelystad
    "GM1507": 43_600,  # Horst aan de Maas
    "GM1509": 39_900,  # Oude IJsselstreek
    "GM1525": 38_700,  # Teylingen
    "GM1581": 50_600,  # Utrechtse Heuvelrug
    "GM1586": 30_100,  # Oost Gelre
    "GM1598": 23_600,  # Koggenland
    "GM1621": 65_000,  # Lansingerland
    "GM1640": 36_500,  # Leudal
    "GM1641": 24_200,  # Maasgouw
    "GM1652": 31_700,  # Gemert-Bakel
    "GM1655": 30_700,  # Halderberge
    "GM1658": 16_400,  # Heeze-Leende
    "GM1659": 23_500,  # Laarbeek
    "GM1667": 13_400,  # Reusel-De Mierden
    "GM1669": 20_700,  # Roerdalen
    "GM1674": 78_500,  # Roosendaal
    "GM1676": 34_400,  # Schouwen-Duiveland
    "GM1680": 25_800,  # Aa en Hunze
    "GM1681": 25_800,  # Borger-Odoorn
    "GM1690": 24_600,  # De Wolden
    "GM1695": 7_700,  # Noord-Beveland
    "GM1696": 24_900,  # Wijdemeren
    "GM1699": 32_800,  # Noordenveld
    "GM1700": 34_100,  # Twenterand
    "GM1701": 20_200,  # Westerveld
    "GM1705": 47_700,  # Lingewaard
    "GM1706": 20_800,  # Cranendonck
    "GM1708": 45_200,  # Steenwijkerland
    "GM1709": 38_000,  # Moerdijk
    "GM1711": 32_000,  # Echt-Susteren
    "GM1714": 23_400,  # Sluis
    "GM1719": 27_800,  # Drimmelen
    "GM1721": 32_800,  # Bernheze
    "GM1723": 10_700,  # Alphen-Chaam
    "GM1724": 19_100,  # Bergeijk
    "GM1728": 20_900,  # Bladel
    "GM1729": 14_200,  # Gulpen-Wittem
    "GM1730": 34_800,  # Tynaarlo
    "GM1731": 33_900,  # Midden-Drenthe
    "GM1734": 49_500,  # Overbetuwe
    "GM1735": 35_200,  # Hof van Twente
    "GM1740": 25_600,  # Neder-Betuwe
    "GM1742": 38_800,  # Rijssen-Holten
    "GM1771": 39_900,  # Geldrop-Mierlo
    "GM1773": 18_500,  # Olst-Wijhe
    "GM1774": 26_600,  # Dinkelland
    "GM1783": 115_000,  # Westland
    "GM1842": 20_000,  # Midden-Delfland
    "GM1859": 44_300,  # Berkelland
    "GM1876": 37_500,  # Bronckhorst
    "GM1883": 91_700,  # Sittard-Geleen
    "GM1884": 28_800,  # Kaag en Braassem
    "GM1891": 19_000,  # Dantumadiel
    "GM1892": 48_000,  # Zuidplas
    "GM1894": 45_000,  # Peel en Maas
    "GM1895": 39_400,  # Oldambt
    "GM1896": 23_200,  # Zwartewaterland
    "GM1900": 92_800,  # Súdwest-Fryslân
    "GM1901": 36_500,  # Bodegraven-Reeuwijk
    "GM1903": 25_700,  # Eijsden-Margraten
    "GM1904": 66_500,  # Stichtse Vecht
    "GM1911": 49_400,  # Hollands Kroon
    "GM1916": 78_600,  # Leidschendam-Voorburg
    "GM1924": 51_900,  # Goeree-Overflakkee
    "GM1926": 57_000,  # Pijnacker-Nootdorp
    "GM1930": 86_500,  # Nissewaard
    "GM1931": 57_500,  # Krimpenerwaard
    "GM1940": 53_500,  # De Fryske Marren
    "GM1942": 60_000,  # Gooise Meren
    "GM1945": 35_900,  # Berg en Dal
    "GM1948": 83_500,  # Meierijstad
    "GM1949": 47_700,  # Waadhoeke
    "GM1950": 26_000,  # Westerwolde
    "GM1952": 61_500,  # Midden-Groningen
    "GM1954": 35_600,  # Beekdaelen
    "GM1955": 36_300,  # Montferland
    "GM1959": 57_800,  # Altena
    "GM1960": 52_000,  # West Betuwe
    "GM1961": 58_000,  # Vijfheerenlanden
    "GM1963": 90_000,  # Hoeksche Waard
    "GM1966": 48_000,  # Het Hogeland
    "GM1969": 65_500,  # Westerkwartier
    "GM1970": 45_700,  # Noardeast-Fryslân
    "GM1978": 45_200,  # Molenlanden
    "GM1979": 45_600,  # Eemsdelta
    "GM1980": 89_500,  # Dijk en Waard
    "GM1982": 92_300,  # Land van Cuijk
    "GM1991": 61_000,  # Maashorst
    "GM1992": 72_500,  # Voorne aan Zee
}

# CBS stedelijkheid (as published, recalled from memory) for municipalities whose class is
# well known: mostly larger cities, whose population density over the whole municipal area
# (with polders, woods or a port) misrepresents how urban the places where people live are.
KNOWN_URBANITY: dict[str, int] = {
    # 1: very strongly urban
    "GM0363": 1,  # Amsterdam
    "GM0599": 1,  # Rotterdam
    "GM0518": 1,  # 's-Gravenhage
    "GM0344": 1,  # Utrecht
    "GM0392": 1,  # Haarlem
    "GM0546": 1,  # Leiden
    "GM0503": 1,  # Delft
    "GM0606": 1,  # Schiedam
    "GM0603": 1,  # Rijswijk (ZH.)
    "GM0622": 1,  # Vlaardingen
    "GM1916": 1,  # Leidschendam-Voorburg
    "GM0502": 1,  # Capelle aan den IJssel
    "GM0014": 1,  # Groningen
    "GM0772": 1,  # Eindhoven
    # 2: strongly urban
    "GM0307": 2,  # Amersfoort
    "GM0202": 2,  # Arnhem
    "GM0268": 2,  # Nijmegen
    "GM0855": 2,  # Tilburg
    "GM0758": 2,  # Breda
    "GM0796": 2,  # 's-Hertogenbosch
    "GM0935": 2,  # Maastricht
    "GM0193": 2,  # Zwolle
    "GM0153": 2,  # Enschede
    "GM0505": 2,  # Dordrecht
    "GM0637": 2,  # Zoetermeer
    "GM0361": 2,  # Alkmaar
    "GM0080": 2,  # Leeuwarden
    "GM0034": 2,  # Almere
    "GM0479": 2,  # Zaanstad
    "GM0402": 2,  # Hilversum
    "GM0362": 2,  # Amstelveen
    "GM0513": 2,  # Gouda
    "GM0150": 2,  # Deventer
    "GM0794": 2,  # Helmond
    "GM0917": 2,  # Heerlen
    "GM0405": 2,  # Hoorn
    "GM0345": 2,  # Veenendaal
    "GM0164": 2,  # Hengelo (O.)
    # 3: moderately urban
    "GM0200": 3,  # Apeldoorn
    "GM0228": 3,  # Ede
    "GM0995": 3,  # Lelystad
    "GM0983": 3,  # Venlo
    "GM0394": 3,  # Haarlemmermeer
    "GM1783": 3,  # Westland
    "GM0484": 3,  # Alphen aan den Rijn
    "GM0828": 3,  # Oss
    "GM0106": 3,  # Assen
    "GM1883": 3,  # Sittard-Geleen
    # 4: hardly urban
    "GM0114": 4,  # Emmen
}

# Lower bounds of inhabitants per km2 (generalised area) for urbanity classes 1..4;
# anything below the last bound is class 5. CBS defines the classes by *address* density
# around each address (>= 2500, 1500, 1000, 500 addresses per km2). Population density over
# the whole municipality is a cruder measure: it is diluted by farmland, woods and water
# around the built-up area, yet inflated in compact suburbs. These bounds were chosen so
# that the rule agrees with most of KNOWN_URBANITY and gives a spread over the classes
# like CBS's (few class 1, most municipalities in classes 3 and 4).
DENSITY_BOUNDS: tuple[int, int, int, int] = (3500, 1500, 600, 200)


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Return a valid, purely polygonal version of ``geometry``.

    ``make_valid`` can return a GeometryCollection with stray lines (GM1676
    Schouwen-Duiveland, PV29 Zeeland); only the polygon parts describe the area.
    """
    if geometry.is_valid and geometry.geom_type in {"Polygon", "MultiPolygon"}:
        return geometry
    repaired = shapely.make_valid(geometry)
    parts = [
        part
        for part in shapely.get_parts(repaired)
        if part.geom_type in {"Polygon", "MultiPolygon"}
    ]
    return shapely.union_all(parts)


def label_point(geometry: BaseGeometry) -> BaseGeometry:
    """Return the pole of inaccessibility of the largest part of ``geometry``.

    The largest part is used so that a municipality with islands (Texel, Súdwest-Fryslân)
    is labelled on its main land mass; ``polylabel`` needs a single polygon.
    """
    largest = max(shapely.get_parts(geometry), key=lambda part: part.area)
    return polylabel(largest, tolerance=POLYLABEL_TOLERANCE_M)


def load_polygons(path: Path) -> gpd.GeoDataFrame:
    """Read a CBS boundary file and return ``code``, ``name`` and a valid geometry in RD New."""
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    frame = frame.rename(columns={"statcode": "code", "statnaam": "name"})
    frame["geometry"] = frame.geometry.map(polygonal)
    return frame[["code", "name", "geometry"]].to_crs(RD_NEW)


def assign_province(points: gpd.GeoSeries, provinces: gpd.GeoDataFrame) -> pd.Series:
    """Name the province polygon that contains each point.

    Raises
    ------
    ValueError
        If a point falls in no province or in more than one; the per-province counts
        would then be wrong silently.
    """
    hits = gpd.sjoin(
        gpd.GeoDataFrame(geometry=points, crs=points.crs),
        provinces[["name", "geometry"]],
        how="left",
        predicate="within",
    )
    counts = hits.groupby(level=0)["name"].count()
    bad = counts[counts != 1]
    if not bad.empty:
        raise ValueError(f"label points not in exactly one province: {list(bad.index)}")
    return hits["name"]


def estimate_urbanity(inhabitants_per_km2: float) -> int:
    """Estimate the CBS urbanity class (1 very strongly .. 5 not urban) from density.

    Only used for municipalities missing from ``KNOWN_URBANITY``; see ``DENSITY_BOUNDS``
    for why the bounds differ from CBS's address-density bounds.

    Examples
    --------
    >>> estimate_urbanity(4000), estimate_urbanity(1000), estimate_urbanity(150)
    (1, 3, 5)
    """
    for urbanity, bound in enumerate(DENSITY_BOUNDS, start=1):
        if inhabitants_per_km2 >= bound:
            return urbanity
    return len(DENSITY_BOUNDS) + 1


def build_reference(boundaries_file: Path, provinces_file: Path) -> pd.DataFrame:
    """Return the reference table (columns ``COLUMNS``), one row per municipality, by code.

    Raises
    ------
    ValueError
        If the boundary file and ``POPULATION`` do not list the same municipalities, or a
        label point does not lie inside its own municipality after rounding.
    """
    municipalities = load_polygons(boundaries_file)
    provinces = load_polygons(provinces_file)
    codes = set(municipalities["code"])
    if codes != set(POPULATION):
        raise ValueError(
            "POPULATION does not match the boundary file: missing "
            f"{sorted(codes - set(POPULATION))}, unknown {sorted(set(POPULATION) - codes)}"
        )

    points = gpd.GeoSeries(
        municipalities.geometry.map(label_point), index=municipalities.index, crs=RD_NEW
    )
    points_wgs84 = points.to_crs(WGS84)
    area_km2 = municipalities.geometry.area / 1e6
    population = municipalities["code"].map(POPULATION).astype("int64")
    density_urbanity = (population / area_km2).map(estimate_urbanity)
    table = pd.DataFrame(
        {
            "code": municipalities["code"],
            "name": municipalities["name"],
            "province": assign_province(points, provinces),
            "population": population,
            "area_km2": area_km2.round(1),
            "urbanity": municipalities["code"].map(KNOWN_URBANITY).fillna(density_urbanity),
            "lat": points_wgs84.y.round(4),
            "lon": points_wgs84.x.round(4),
        }
    )
    table["urbanity"] = table["urbanity"].astype("int64")

    rounded = gpd.GeoSeries(
        gpd.points_from_xy(table["lon"], table["lat"]), index=table.index, crs=WGS84
    )
    outside = table.loc[~rounded.within(municipalities.geometry.to_crs(WGS84)), "code"]
    if not outside.empty:
        raise ValueError(f"label points outside their municipality: {list(outside)}")
    return table.sort_values("code", ignore_index=True)[COLUMNS]


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` as UTF-8 (no BOM) CSV with ``\\n`` line endings and fixed decimals."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in table.itertuples(index=False):
            writer.writerow(
                [
                    row.code,
                    row.name,
                    row.province,
                    row.population,
                    f"{row.area_km2:.1f}",
                    row.urbanity,
                    f"{row.lat:.4f}",
                    f"{row.lon:.4f}",
                ]
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line; defaults follow ``COP_BOUNDARIES_FILE`` and ``../shared``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "boundaries",
        nargs="?",
        type=Path,
        default=Path(os.environ.get("COP_BOUNDARIES_FILE") or DEFAULT_BOUNDARIES),
        help="municipality boundaries GeoJSON (default: $COP_BOUNDARIES_FILE or "
        "../shared/data/gemeente_2025.geojson)",
    )
    parser.add_argument(
        "--provinces",
        type=Path,
        help="province boundaries GeoJSON (default: provincie_2025.geojson next to BOUNDARIES)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="CSV to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build and write the table, then print the figures worth checking by eye."""
    args = parse_args(argv)
    provinces_file = args.provinces or args.boundaries.with_name("provincie_2025.geojson")
    for path in (args.boundaries, provinces_file):
        if not path.is_file():
            print(
                f"error: {path} not found; pass the file as an argument or set COP_BOUNDARIES_FILE",
                file=sys.stderr,
            )
            return 1
    table = build_reference(args.boundaries, provinces_file)
    write_csv(table, args.output)
    print(f"wrote {len(table)} municipalities to {args.output}")
    print(f"population total: {table['population'].sum():,}")
    print("per province:", table["province"].value_counts().sort_index().to_dict())
    print("per urbanity class:", table["urbanity"].value_counts().sort_index().to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
