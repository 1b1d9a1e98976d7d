"""Who may see what: the single place that decides it for every page, download and export.

Contact details are personal data (GDPR). A visitor (not signed in) never sees a contact's
name, e-mail address or phone number; a member of a partner municipality sees the contacts
that consented to be shown to members; a coordinator sees everything and may edit.

Who may write what is decided here too: posting a help question (:func:`may_post_for`) and
storing an official maturity assessment (:func:`assessment_refusal`).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from cop.data.schema import TABLES

Role = Literal["visitor", "member", "coordinator"]
ROLES: tuple[Role, ...] = ("visitor", "member", "coordinator")


def can_edit(role: str) -> bool:
    """Import files and edit tables: coordinators only."""
    return role == "coordinator"


def can_post_question(role: str) -> bool:
    """Post a help question: signed-in members and coordinators."""
    return role in ("member", "coordinator")


def may_post_for(role: str, account_municipality: str | None, municipality_code: str) -> bool:
    """Whether ``role`` may post a help question on behalf of ``municipality_code``.

    A member whose account names a municipality posts for that municipality only; a
    member without one (e.g. signed in through the identity provider) and a
    coordinator may post for any municipality.
    """
    if not can_post_question(role):
        return False
    if role == "member" and account_municipality:
        return municipality_code == account_municipality
    return True


#: Why a role may not store a maturity assessment (see :func:`assessment_refusal`).
ASSESSMENT_REFUSALS: tuple[str, ...] = ("sign_in", "no_municipality", "not_own", "not_partner")


def assessment_refusal(
    role: str, account_municipality: str | None, municipality_code: str, *, is_partner: bool
) -> str | None:
    """Why ``role`` may not store the official maturity assessment of ``municipality_code``.

    ``None`` means it may. A stored assessment is the figure the whole CoP sees (heatmap,
    map, briefs), so a coordinator may store one for any municipality, and a member only
    for the municipality its account names and only when that is a partner
    (``is_partner``: the partner status of ``municipality_code``). Everyone else can still
    fill in the self-assessment and compare, without storing it. The reasons, in order of
    checking: ``"sign_in"`` (a visitor or an unknown role), ``"no_municipality"`` (a member
    whose account names no municipality), ``"not_own"`` (another municipality than the
    account's), ``"not_partner"`` (the own municipality is not a partner).

    Examples
    --------
    >>> assessment_refusal("member", "GM0344", "GM0344", is_partner=False)
    'not_partner'
    >>> assessment_refusal("coordinator", None, "GM0344", is_partner=False) is None
    True
    """
    if role == "coordinator":
        return None
    if role != "member":
        return "sign_in"
    if not account_municipality:
        return "no_municipality"
    if municipality_code != account_municipality:
        return "not_own"
    if not is_partner:
        return "not_partner"
    return None


def visible_frame(table: str, frame: pd.DataFrame, role: str) -> pd.DataFrame:
    """The rows and cells of ``table`` that ``role`` may see; the only gate for personal data.

    Personal columns of rows a role may not see are blanked rather than dropped, so the
    municipality and themes of a contact stay visible ("contact via the CoP coordinator").
    An unknown role is treated as a visitor.
    """
    spec = TABLES.get(table)
    if spec is None or not spec.personal or role == "coordinator":
        return frame
    out = frame.copy()
    personal = [c for c in spec.personal if c in out.columns]
    if role == "member" and "show_to_members" in out.columns:
        hidden = ~out["show_to_members"].fillna(False).astype(bool)
    else:
        hidden = pd.Series(True, index=out.index)
    for column in personal:
        out[column] = out[column].astype("string").mask(hidden, pd.NA)
    return out
