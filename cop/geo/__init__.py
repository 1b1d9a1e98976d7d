"""Places: municipality boundaries, map views and the web map.

Owns: ``boundaries`` (PDOK download, cache, local files, simplification for the web),
``mapview`` (metrics per municipality, classes, colours and the measures filter of the map
page), ``webmap`` (the folium map with its escaping rules) and ``pointcheck`` (measures whose
point lies outside their own municipality).

May use: ``cop.maturity``, ``cop.monitoring``, ``cop.access``, ``cop.data`` and ``cop.core``.
"""
