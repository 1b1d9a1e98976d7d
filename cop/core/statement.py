"""The accessibility statement (toegankelijkheidsverklaring): date, contact, known issues.

Dutch public bodies publish a statement for every site (Besluit digitale toegankelijkheid
overheid, model of digitoegankelijk.nl): its status, the standard, what is known not to
work and why, the alternatives, a contact address and the date. The texts live in the
catalog (``a11y.*``); this module holds what changes with a deployment or a re-test.
"""

from __future__ import annotations

import os
from datetime import date

from cop.core import i18n

#: Date of the last check of the statement (the axe run of tests/test_accessibility.py on
#: every page, in Dutch and English, as visitor and coordinator).
STATEMENT_DATE = date(2026, 11, 30)
#: Environment variable with the address people write to about accessibility.
CONTACT_ENV = "COP_ACCESSIBILITY_CONTACT"
#: What is known not to meet WCAG 2.1 AA, each a catalog key ``a11y.issue_<name>``; the
#: reasons and workarounds are in docs/accessibility.md.
KNOWN_ISSUES = ("tables", "charts", "map", "widgets", "sidebar")


def contact() -> str | None:
    """The contact address of the deployment (``COP_ACCESSIBILITY_CONTACT``), if set."""
    value = os.environ.get(CONTACT_ENV, "").strip()
    return value or None


def statement_date(lang: str | None) -> str:
    """:data:`STATEMENT_DATE` written out in ``lang`` ("30 november 2026")."""
    return i18n.format_date(STATEMENT_DATE, lang)
