"""How far municipalities are: the maturity model, peer groups, comparison and approach mix.

Owns: ``model`` (the rubric, overall and latest levels per municipality, movements,
frontrunners, peer position: the one place that decides what "latest maturity" is),
``display`` (those figures in words and labelled tables), ``assessment`` (who may store a
self-assessment, and storing it), ``peergroups`` (CBS size class x urbanity), ``comparison``
(2-6 municipalities or one against its peers), ``approach`` (the mix of measures per theme)
and ``charts``.

May use: ``cop.access``, ``cop.data`` and ``cop.core``.
"""
