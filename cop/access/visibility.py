"""Who may see what: the single place that decides it for every page, download and export.

Contact details are personal data (GDPR). A visitor (not signed in) never sees a contact's
name, e-mail address or phone number; a member of a partner municipality sees the contacts
that consented to be shown to members; a coordinator sees everything and may edit.

Who may write what is decided here too: posting a help question (:func:`may_post_for`),
storing an official maturity assessment (:func:`assessment_refusal`), answering a help
question (:func:`answer_refusal`), marking it answered (:func:`may_mark_answered`) and
following up requests to join (:func:`can_manage_join_requests`).

Tables declared ``coordinators_only`` (join requests: personal data of people outside the
CoP) have no rows at all for any other role.
"""

from __future__ import annotations

from collections.abc import Iterable
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


#: Why a role may not answer a help question (see :func:`answer_refusal`).
ANSWER_REFUSALS: tuple[str, ...] = (
    "sign_in",
    "no_municipality",
    "not_own",
    "not_partner",
    "expert_coordinator_only",
    "no_source",
)


def answer_refusal(
    role: str,
    account_municipality: str | None,
    municipality_code: str | None,
    expert_id: int | None,
    *,
    is_partner: bool,
) -> str | None:
    """Why ``role`` may not post an answer in the name of ``municipality_code`` or ``expert_id``.

    ``None`` means it may. Members of a partner municipality answer for their own
    municipality (the answer names it, so it must be theirs); coordinators answer for any
    municipality or, entering what an expert organisation said, for an organisation.
    ``is_partner`` is the partner status of ``municipality_code``.

    Examples
    --------
    >>> answer_refusal("member", "GM0344", "GM0344", None, is_partner=True) is None
    True
    >>> answer_refusal("member", "GM0344", None, 3, is_partner=False)
    'expert_coordinator_only'
    >>> answer_refusal("coordinator", None, None, 3, is_partner=False) is None
    True
    """
    if role not in ("member", "coordinator"):
        return "sign_in"
    if (municipality_code is None) == (expert_id is None):
        return "no_source"
    if role == "coordinator":
        return None
    if expert_id is not None:
        return "expert_coordinator_only"
    # a member answers for their own partner municipality, as they assess it
    return assessment_refusal(
        role, account_municipality, str(municipality_code), is_partner=is_partner
    )


def may_mark_answered(
    role: str, account_municipality: str | None, question_municipality: str
) -> bool:
    """The asker (a member of the asking municipality) or a coordinator closes a question.

    >>> may_mark_answered("member", "GM0344", "GM0344"), may_mark_answered("member", None, "GM0344")
    (True, False)
    """
    if role == "coordinator":
        return True
    return (
        role == "member"
        and bool(account_municipality)
        and (account_municipality == question_municipality)
    )


def can_manage_join_requests(role: str) -> bool:
    """See requests to join and change their status: coordinators only."""
    return role == "coordinator"


def visible_tables(tables: Iterable[str], role: str) -> list[str]:
    """The tables a role may list (for the Data page): no coordinators-only table for others."""
    return [
        name
        for name in tables
        if role == "coordinator" or name not in TABLES or not TABLES[name].coordinators_only
    ]


def visible_frame(table: str, frame: pd.DataFrame, role: str) -> pd.DataFrame:
    """The rows and cells of ``table`` that ``role`` may see; the only gate for personal data.

    A ``coordinators_only`` table has no rows for any other role. Personal columns of rows
    a role may not see are blanked rather than dropped, so the municipality and themes of
    a contact stay visible ("contact via the CoP coordinator"). An unknown role is
    treated as a visitor.
    """
    spec = TABLES.get(table)
    if spec is None or role == "coordinator":
        return frame
    if spec.coordinators_only:
        return frame.iloc[0:0].copy()
    if not spec.personal:
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
