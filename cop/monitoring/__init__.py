"""Species counts and their trends as Statistics Netherlands computes them.

Owns: ``trim`` (the TRIM engine), ``indicators`` (selections, trends per municipality and
species group, trend classes in words) and ``charts``.

May use: ``cop.access``, ``cop.data`` and ``cop.core``.
"""
