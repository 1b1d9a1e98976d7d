"""Streamlit widgets for changing data safely (issue 12): the import preview, a refused
save with the newer values, the change history with undo.

Part of the ui layer (the only code that imports Streamlit, with :mod:`cop.ui`, whose
loaders and words it uses); kept apart so :mod:`cop.ui` stays small. Pages call these;
the decisions are in :mod:`cop.access.editing`, :mod:`cop.data.locking`,
:mod:`cop.data.preview`, :mod:`cop.data.history` and :mod:`cop.data.undo`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from cop.core import i18n
from cop.data import presentation
from cop.data.locking import ConflictReport
from cop.data.validation import ValidationReport
from cop.ui import (
    EMPTY_CELL,
    actor,
    data_version,
    engine,
    flash,
    lang,
    md,
    role,
    show_table,
    tr,
    visible,
)


def _loaded_key(scope: str, name: str) -> str:
    return f"{scope}_loaded_{name}"


def loaded_for_edit(scope: str, name: str, *, editor: str) -> tuple[pd.DataFrame, str]:
    """The table as this session's editor loaded it, and the editor's widget key
    (``editor`` followed by a token of that load).

    Pinned in the session until :func:`release_edit`: when someone else saves meanwhile,
    the editor keeps showing (and keeping the edits made on) what was loaded, and the
    save compares against exactly that (optimistic locking, :mod:`cop.data.locking`).
    Without pinning, the next rerun would load the newer table under a new key and the
    edits typed so far would be gone. An editor without edits simply shows the newer
    table: there is nothing to keep.
    """
    key = _loaded_key(scope, name)
    pinned = st.session_state.get(key)
    if pinned is not None and pinned["version"] != data_version():
        edits = st.session_state.get(f"{editor}{pinned['token']}") or {}
        untouched = not any(edits.get(p) for p in ("edited_rows", "added_rows", "deleted_rows"))
        if untouched and f"{scope}_conflict_{name}" not in st.session_state:
            pinned = None
    if pinned is None:
        pinned = {
            "frame": visible(name),
            "version": data_version(),
            "token": f"{data_version()}-{time.time_ns()}",
        }
        st.session_state[key] = pinned
    return pinned["frame"].copy(), f"{editor}{pinned['token']}"


def loaded_with_form(scope: str, name: str, *, form_key: str) -> pd.DataFrame:
    """The table as it was when a form was first drawn; call it before the form.

    Pinned while the form's widget ``form_key`` lives (Streamlit drops a widget's state
    when a run does not draw it, e.g. after visiting another page): the form's widgets
    hold what the person saw then, so the save compares against that (optimistic locking).
    """
    key = _loaded_key(scope, name)
    pinned = st.session_state.get(key)
    if pinned is None or pinned.get("form") != form_key or form_key not in st.session_state:
        pinned = {"frame": visible(name), "version": data_version(), "token": "", "form": form_key}
        st.session_state[key] = pinned
    return pinned["frame"].copy()


def release_edit(scope: str, name: str) -> None:
    """Forget the loaded table (after a save, or "discard my edits"): the next run loads
    the table as stored then."""
    st.session_state.pop(_loaded_key(scope, name), None)
    st.session_state.pop(f"{scope}_conflict_{name}", None)


def show_conflict(report: ValidationReport, *, key: str) -> None:
    """A save refused because rows changed since they were loaded: what changed, by whom,
    and the rows as stored now (the person's own edits stay in the editor)."""
    count = len(report.conflicts) if isinstance(report, ConflictReport) else len(report.issues)
    st.warning(tr("lock.refused", count=count), icon=":material/sync_problem:")
    st.dataframe(
        report.to_frame(lang()),
        hide_index=True,
        width="stretch",
        key=f"{key}_problems",
        column_config={c: tr(f"edit.col_{c}") for c in ("row", "column", "value", "problem")},
    )
    if isinstance(report, ConflictReport):
        newer = report.newer()
        if not newer.empty:
            st.caption(tr("lock.newer_title"))
            show_table(newer, report.table, key=f"{key}_newer")


def is_conflict(report: ValidationReport) -> bool:
    """A save refused by optimistic locking (rows changed since they were loaded)."""
    return isinstance(report, ConflictReport)


def remember_conflict(scope: str, name: str, report: ValidationReport) -> None:
    st.session_state[f"{scope}_conflict_{name}"] = report


def pending_conflict(scope: str, name: str) -> ValidationReport | None:
    """The refused save the editor of ``name`` is resolving, if any."""
    return st.session_state.get(f"{scope}_conflict_{name}")


PREVIEW_KEY = "data_preview_pending"


def remember_preview(
    name: str, data: bytes, filename: str, replace: bool, report: ValidationReport
) -> None:
    """Keep an upload and its dry-run report until the coordinator confirms or cancels."""
    st.session_state[PREVIEW_KEY] = {
        "table": name,
        "data": data,
        "filename": filename,
        "replace": replace,
        "report": report,
    }


def pending_preview(name: str) -> dict[str, object] | None:
    pending = st.session_state.get(PREVIEW_KEY)
    return pending if pending is not None and pending["table"] == name else None


def forget_preview(name: str) -> None:
    if pending_preview(name) is not None:
        st.session_state.pop(PREVIEW_KEY, None)


def show_preview(preview: object, *, key: str) -> None:
    """The four lists of an :class:`cop.data.preview.ImportPreview`: rows added, cells
    changed (old -> new), rows removed, names read as codes; each only when not empty."""
    from cop.data.preview import ImportPreview

    assert isinstance(preview, ImportPreview)
    if not preview.changes_anything:
        st.caption(tr("preview.nothing"))
    counts = preview.counts
    if counts["added"]:
        st.markdown(f"**{tr('preview.added', count=counts['added'])}**")
        show_table(preview.added, preview.table, key=f"{key}_added", height=300)
    if counts["changed"]:
        st.markdown(f"**{tr('preview.changed', count=len(preview.changed))}**")
        changed = preview.changed.astype({"before": "string", "after": "string"})
        _labelled_frame(changed, "preview", key=f"{key}_changed")
    if counts["removed"]:
        st.markdown(f"**{tr('preview.removed', count=counts['removed'])}**")
        show_table(preview.removed, preview.table, key=f"{key}_removed", height=300)
    if not preview.resolved.empty:
        st.markdown(f"**{tr('preview.resolved', count=len(preview.resolved))}**")
        _labelled_frame(preview.resolved, "preview", key=f"{key}_resolved")


HISTORY_LIMIT = 50


def _labelled_frame(frame: pd.DataFrame, prefix: str, *, key: str) -> None:
    """A plain dataframe whose headers are the catalog's ``{prefix}.col_{column}`` (else
    the table column's own label)."""
    config = {
        c: tr(f"{prefix}.col_{c}")
        if i18n.has_key(f"{prefix}.col_{c}")
        else presentation.column_label(c, lang())
        for c in frame.columns
    }
    st.dataframe(
        frame, hide_index=True, width="stretch", key=key, column_config=config, **EMPTY_CELL
    )


def _changes_table(found: Sequence[object], *, key: str) -> None:
    from cop.data import history

    current = history.current_rows(engine(), found)
    _labelled_frame(history.changes_frame(found, lang(), current), "history", key=key)


def _undo_outcome(result: object) -> None:
    """A done undo: a flash and a rerun; a refused one: the reason, here."""
    message = result.message(lang())  # type: ignore[attr-defined]
    if result.ok:  # type: ignore[attr-defined]
        release_edit("data", str(st.session_state.get("data_table")))
        flash("data", message)
    st.error(md(message), icon=":material/undo:")


def history_section(name: str, *, key: str) -> None:
    """The Data page's history: imports and edits (with undo of a whole one), and the
    changes of table ``name`` or of one of its records (with undo of one change)."""
    from cop.access import editing
    from cop.data import history

    eng = engine()
    batches = history.batches(eng, limit=HISTORY_LIMIT)
    st.markdown(f"**{tr('history.batches_title')}**")
    if batches.empty:
        st.caption(tr("history.none"))
        return
    _labelled_frame(history.batches_frame(batches, lang()), "history", key=f"{key}_batches")
    labels = history.batch_labels(batches)
    chosen = st.selectbox(
        tr("history.batch_pick"), list(labels), format_func=labels.get, key=f"{key}_batch"
    )
    found = history.changes(eng, batch_id=chosen, limit=HISTORY_LIMIT * 4)
    if found:
        st.caption(tr("history.batch_changes"))
        _changes_table(found, key=f"{key}_batch_changes")
    if st.button(tr("history.undo_batch"), key=f"{key}_undo_batch", icon=":material/undo:"):
        _undo_outcome(editing.undo_batch(eng, chosen, role=role(), actor=actor()))

    st.markdown(f"**{tr('history.table_title')}**")
    record_labels = history.record_choices(eng, name, lang(), limit=HISTORY_LIMIT * 10)
    record = st.selectbox(
        tr("history.record_pick"),
        [None, *record_labels],
        format_func=lambda k: "–" if k is None else record_labels[k],
        key=f"{key}_record_{name}",
    )
    record_key = None if record is None else json.loads(record)
    found = history.changes(eng, table=name, key=record_key, limit=HISTORY_LIMIT)
    if not found:
        st.caption(tr("history.none"))
        return
    _changes_table(found, key=f"{key}_table_changes")
    change_id = st.selectbox(
        tr("history.change_pick"), [c.id for c in found], key=f"{key}_change_{name}"
    )
    if st.button(tr("history.undo_change"), key=f"{key}_undo_change", icon=":material/undo:"):
        _undo_outcome(editing.undo_change(eng, int(change_id), role=role(), actor=actor()))
