"""Foundations every other package may use: settings, vocabularies, language, text matching
and the shared chart style.

Owns: ``config`` (every environment variable is read here and nowhere else), ``vocab``
(themes, statuses, levels and other closed lists), ``i18n`` and its message catalog
(``locale/*.toml``), ``textmatch`` (accent-insensitive Dutch text), ``text`` (stored text made
safe for Markdown and terminals) and ``charts`` (palette and the common plotly layout).

May use: the standard library and third-party packages only; nothing else in ``cop``.
"""
