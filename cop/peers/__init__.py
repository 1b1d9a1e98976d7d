"""Who to talk to: peer recommendations, municipality search, help questions and profiles.

Owns: ``recommend`` (weighted, explained peer scores), ``answerers`` (who can answer a help
question), ``reasons`` (the phrases both use to explain a score), ``search`` (finding a municipality by the name people use), ``questions`` (posting a help
question) and ``profile`` (one municipality's facts, radar and measures).

May use: ``cop.maturity``, ``cop.monitoring``, ``cop.access``, ``cop.data`` and ``cop.core``.
"""
