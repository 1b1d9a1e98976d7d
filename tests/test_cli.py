"""The command line: exit codes, reports naming file/row/column, nothing changed on bad input."""

import subprocess
import sys

import openpyxl
import pytest

from cop.cli import main as cli_main
from cop.core.config import get_settings
from cop.data import storage
from tests.conftest import ROOT


def run_cli(*args: str, env_dir=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cop", *args], cwd=ROOT, capture_output=True, text=True, timeout=180
    )


def test_validate_reports_file_row_column_and_exits_2(app_env, tmp_path, capsys):
    bad = tmp_path / "levels.csv"
    bad.write_text(
        "municipality_code;year;dimension;level;note\nGM0344;2025;vision_policy;6;\n",
        encoding="utf-8",
    )
    assert cli_main.main(["validate", "maturity", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "levels.csv: Row 2, column 'level': the value must be at most 5. (value: '6')" in err


def test_validate_good_file_exits_0(app_env, tmp_path, capsys):
    good = tmp_path / "ok.csv"
    good.write_text(
        "municipality_code,year,dimension,level,note\nGM0344,2025,vision_policy,4,\n",
        encoding="utf-8",
    )
    assert cli_main.main(["validate", "maturity", str(good)]) == 0


def test_import_bad_file_changes_nothing(app_env, tmp_path, capsys):
    engine = storage.make_engine()
    before = storage.table_counts(engine)
    version = storage.data_version(engine)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    assert cli_main.main(["import", "measures", str(bad), "--replace"]) == 2
    assert "is empty" in capsys.readouterr().err
    assert storage.table_counts(engine) == before
    assert storage.data_version(engine) == version


def test_import_then_export_xlsx_and_csv(app_env, tmp_path, capsys):
    extra = tmp_path / "q.csv"
    extra.write_text(
        "id,municipality_code,asked_on,theme,question,status,answered_by\n"
        '9999,GM0344,2026-11-01,depaving,=HYPERLINK("x"),open,\n',
        encoding="utf-8",
    )
    assert cli_main.main(["--lang", "nl", "import", "help_questions", str(extra)]) == 0
    assert "zijn in orde" in capsys.readouterr().out
    out = tmp_path / "export.xlsx"
    assert cli_main.main(["export", "--format", "xlsx", "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out)["help_questions"]
    cells = {row[0].value: row[4] for row in sheet.iter_rows(min_row=2)}
    # the text as stored, in a text cell: never a live formula, nothing to strip on import
    assert cells[9999].value == '=HYPERLINK("x")' and cells[9999].data_type == "s"
    assert sheet.freeze_panes == "A2"
    folder = tmp_path / "csv"
    assert cli_main.main(["export", "--out", str(folder)]) == 0
    written = (folder / "help_questions.csv").read_text(encoding="utf-8-sig")
    assert '"\'=HYPERLINK(""x"")"' in written  # the CSV's protective apostrophe
    capsys.readouterr()
    assert cli_main.main(["import", "help_questions", str(folder / "help_questions.csv")]) == 0
    stored = storage.read_table(storage.make_engine(), "help_questions").set_index("id")
    assert stored.loc[9999, "question"] == '=HYPERLINK("x")'


def test_export_csv_folder_has_every_table(app_env, tmp_path):
    out = tmp_path / "csv"
    assert cli_main.main(["export", "--out", str(out)]) == 0
    names = sorted(p.stem for p in out.glob("*.csv"))
    assert names == sorted(storage.TABLES)


def test_export_xlsx_workbook(app_env, tmp_path):
    out = tmp_path / "all.xlsx"
    assert cli_main.main(["export", "--format", "xlsx", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out, read_only=True)
    assert set(book.sheetnames) == set(storage.TABLES)


def test_init_reports_counts(app_env, capsys):
    assert cli_main.main(["init"]) == 0
    assert "measures:" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["import", "nosuchtable", "x.csv"], ["frobnicate"]])
def test_usage_errors_exit_2(args, app_env):
    with pytest.raises(SystemExit) as exc:
        cli_main.main(args)
    assert exc.value.code == 2


SERIES = "site;year;count\nA;2020;10\nA;2021;20\nB;2020;5\nB;2021;9\n"


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("command", ["trend", "brief", "user", "demo", "validate", "export"])
def test_global_options_before_or_after_every_command(app_env, tmp_path, capsys, command, where):
    """``python -m cop --lang nl COMMAND ...`` works for every command, and after it too."""
    series = tmp_path / "series.csv"
    series.write_text(SERIES, encoding="utf-8")
    rest = {
        "trend": ["trend", str(series)],
        "brief": ["brief", "--date", "2026-13-01", "--out", str(tmp_path / "b.md")],
        "user": ["user", "remove", "nobody"],
        "demo": ["demo", "--out", str(tmp_path / "demo"), "--seed", "3"],
        "validate": ["validate", "maturity", str(ROOT / "data" / "municipalities.csv")],
        "export": ["export", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")],
    }[command]
    argv = ["--lang", "nl", *rest] if where == "before" else [*rest, "--lang", "nl"]
    code = cli_main.main(argv)
    out, err = capsys.readouterr()
    expected = {  # Dutch messages where a command has translated messages
        "trend": (0, out, '"trend_class": "'),
        "brief": (2, err, "JJJJ-MM-DD"),
        "user": (2, err, "Er is geen account 'nobody'."),
        "demo": (0, out, "measures: "),
        "validate": (2, err, "kolom"),
        "export": (0, out, "x.xlsx"),
    }[command]
    assert code == expected[0], err
    assert expected[2] in expected[1]


def test_lang_default_is_english_except_the_brief(app_env, tmp_path, capsys):
    bad = tmp_path / "levels.csv"
    bad.write_text("municipality_code,year,dimension,level\nGM0344,2025,x,1\n", encoding="utf-8")
    assert cli_main.main(["validate", "maturity", str(bad)]) == 2
    assert "column 'dimension'" in capsys.readouterr().err
    out = tmp_path / "b.md"
    args = ["brief", "--date", "2026-12-10", "--no-charts", "--out", str(out)]
    assert cli_main.main(args) == 0
    assert "10 december 2026" in out.read_text(encoding="utf-8")
    assert cli_main.main(["--lang", "en", *args]) == 0
    assert "10 December 2026" in out.read_text(encoding="utf-8")


def test_module_entry_point_runs(app_env, tmp_path):
    result = run_cli("demo", "--out", str(tmp_path / "d"), "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "measures.csv").exists()
    assert get_settings().data_dir == app_env
