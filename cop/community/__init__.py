"""The community contributes: practices shared by members, answers to help questions, join requests.

Owns the contribution flows of the CoP (issue 13): a practice's own page and similar
practices, members' submissions and the coordinators' review, photos, answers to help
questions, requests to join, and the e-mail notifications about them.

May use: ``cop.peers``, ``cop.geo``, ``cop.maturity``, ``cop.monitoring``, ``cop.access``,
``cop.data`` and ``cop.core``; ``cop.meetings`` (briefs list new answers) sits above it.
"""
