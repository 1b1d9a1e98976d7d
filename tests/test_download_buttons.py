"""Two downloads in a row both work: a download button never reruns the app.

A rerun gives the Excel button's deferred file a new id and drops the old one; a click on
"Excel" right after "CSV" then asked for a file that no longer existed and silently did
nothing (``MediaFileStorageError: Deferred file ... not found``). The browser test
``tests/test_browser_downloads.py`` clicks both; this checks the cause on every table
download the Data page offers, without a browser.
"""

from __future__ import annotations

from tests.conftest import make_app


def test_table_download_buttons_do_not_rerun_the_app(app_env):
    at = make_app("pages/data.py")
    assert not at.exception
    buttons = [element.proto for element in at.get("download_button")]
    labels = {proto.label for proto in buttons}
    assert {"Download CSV", "Download Excel"} <= labels
    assert any(proto.HasField("deferred_file_id") for proto in buttons)  # Excel: on click
    assert all(proto.ignore_rerun for proto in buttons), [
        proto.label for proto in buttons if not proto.ignore_rerun
    ]
