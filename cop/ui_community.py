"""Widgets of the community pages (issue 13): suggested answerers of a help question, the way
to the CoP coordinator, and a form's problems named by field. Part of the ui layer (the only
code that imports Streamlit)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from cop import ui
from cop.community import forms
from cop.core import config
from cop.data.validation import ValidationReport


def answerers_table(matches: pd.DataFrame, *, key: str) -> None:
    """Suggested answerers of one help question: kind, name, score in whole percentages
    (a printf "%.2f" would write "0.65" in the Dutch UI) and the reasons."""
    st.dataframe(
        matches[["kind", "candidate_name", "score", "reasons"]].assign(
            kind=matches["kind"].map(lambda k: ui.tr(f"peers.kind_{k}")),
            score=(matches["score"].astype(float) * 100).round(),
        ),
        hide_index=True,
        width="stretch",
        key=key,
        **ui.EMPTY_CELL,
        column_config={
            "kind": ui.tr("peers.col_kind"),
            "candidate_name": ui.tr("peers.col_candidate"),
            "score": st.column_config.ProgressColumn(
                ui.tr("content.col_score"), min_value=0, max_value=100, format="%d %%"
            ),
            "reasons": st.column_config.TextColumn(ui.tr("peers.col_reasons"), width="large"),
        },
    )


JOIN_PAGE = "pages/join.py"


def coordinator_link() -> None:
    """The way in behind every "via the CoP coordinator" text: the join page, which has
    the coordinator's address and the form to ask to join (issue 13)."""
    st.page_link(JOIN_PAGE, label=ui.tr("join.coordinator_link"), icon=":material/contact_mail:")


def coordinator_contact() -> None:
    """The CoP coordinator's public address (``COP_COORDINATOR_EMAIL``), or a note that
    none is set."""
    address = config.coordinator_email()
    if address:
        st.markdown(ui.tr("join.contact", address=ui.md(address)))
    else:
        st.caption(ui.tr("join.contact_none"))


def show_form_problems(report: ValidationReport, labels: Mapping[str, str]) -> None:
    """Why a form was not stored: one message per field, named by the form's label.

    ``labels`` maps a column to the catalog key of its field's label, in the form's order
    (:func:`cop.community.forms.field_problems`).
    """
    st.error(ui.tr("form.problems"), icon=":material/error:")
    lines = []
    for problem in forms.field_problems(report, ui.lang(), labels):
        label = f"**{ui.md(problem.label)}**: " if problem.label else ""
        lines.append(f"- {label}{ui.md(problem.message)}")
    st.markdown("\n".join(lines))
