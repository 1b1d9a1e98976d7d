"""How far municipalities are: the maturity model, peer groups, comparison and approach mix.

Owns: ``model`` (the rubric, overall and latest levels, movements, frontrunners,
self-assessment), ``peergroups`` (CBS size class x urbanity), ``comparison`` (2-6 municipalities
or one against its peers), ``approach`` (the mix of measures per theme) and ``charts``.

May use: ``cop.access``, ``cop.data`` and ``cop.core``.
"""
