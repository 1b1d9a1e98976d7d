"""Small style sheets for what Streamlit offers no parameter for (pure strings, no Streamlit).

:mod:`cop.ui` puts them on the page with ``st.html``. Each is scoped to one widget through
the ``st-key-<key>`` class Streamlit gives every keyed widget's container.
"""

from __future__ import annotations

import json


def uploader_css(key: str, button_label: str) -> str:
    """Hide the English "200MB per file • CSV" line of uploader ``key`` and write its
    button's label ("Upload") in the UI language instead.

    Examples
    --------
    >>> "content:\\"Kies\\"" in uploader_css("data_upload", "Kies")
    True
    """
    scope = f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    return (
        "<style>"
        f".st-key-{key} [data-testid='stFileUploaderDropzoneInstructions']{{display:none}}"
        f"{scope} button{{font-size:0}}"
        f"{scope} button::after{{content:{json.dumps(button_label)};font-size:0.875rem}}"
        "</style>"
    )


def even_options_css(key_prefix: str, columns: int) -> str:
    """Options of the horizontal radios whose key starts with ``key_prefix`` in
    ``columns`` equal columns (one on a phone).

    Streamlit wraps horizontal options by the length of their captions, so five levels
    with rubric texts of different lengths broke into rows of three and two, differently
    per question; a grid keeps every level under the same level of the question above.
    """
    selector = f"[class*='st-key-{key_prefix}'] [role='radiogroup']"
    return (
        "<style>"
        f"{selector}{{display:grid;grid-template-columns:repeat({columns},minmax(0,1fr));"
        "gap:0.5rem 1rem}"
        f"@media (max-width:640px){{{selector}{{grid-template-columns:minmax(0,1fr)}}}}"
        "</style>"
    )
