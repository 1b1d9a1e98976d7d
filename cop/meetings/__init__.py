"""Preparing and recording CoP meetings, and the toolbox.

Owns: ``briefs`` (the brief as data), ``trendchanges`` (monitoring trends that changed
class, for the brief), ``layout`` (the brief as a document of sections, one builder per
section), ``charts`` (its chart figures and PNG images), the writers ``markdown``, ``word``
and ``pdf``, ``render`` (the entry point: a brief in a format), ``records`` (recording a
meeting) and ``toolbox`` (resources and the practices that used them).

May use: every domain package below it (``cop.peers``, ``cop.geo``, ``cop.maturity``,
``cop.monitoring``, ``cop.access``, ``cop.data``, ``cop.core``).
"""
