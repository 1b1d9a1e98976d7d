"""Preparing and recording CoP meetings, and the toolbox.

Owns: ``briefs`` (the brief as data), ``render`` (Markdown, Word and PDF), ``records``
(recording a meeting) and ``toolbox`` (resources and the practices that used them).

May use: every domain package below it (``cop.peers``, ``cop.geo``, ``cop.maturity``,
``cop.monitoring``, ``cop.access``, ``cop.data``, ``cop.core``).
"""
