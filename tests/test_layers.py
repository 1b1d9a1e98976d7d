"""The house rules of ``cop/``: layered packages, Streamlit only in the ui, small modules.

``lint-imports`` reads the contracts in ``pyproject.toml``; a new upward import (say
``cop.data`` importing ``cop.maturity``) or a Streamlit import outside ``cop.ui`` fails here,
so it fails the README's test command and CI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 900


def test_import_contracts_hold() -> None:
    command = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_only_the_ui_imports_streamlit() -> None:
    importing = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "cop").rglob("*.py")
        if re.search(r"^\s*(import|from) streamlit", path.read_text(encoding="utf-8"), re.M)
    )
    assert importing and all(p.startswith("cop/ui") for p in importing), importing


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "cop").rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > MAX_MODULE_LINES} == {}
